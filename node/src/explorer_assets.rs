//! The block explorer's web UI, served by the node on its RPC port at `/explorer`
//! (docs/explorer.md). Its three files are compiled into the binary: no CDN, no files beside
//! the node, works offline.
//!
//! Owns: the answers to `GET /explorer`, `/explorer/app.js` and `/explorer/style.css`, with a strict
//! Content-Security-Policy (scripts and styles from this node only, connections to this node's
//! HTTP and WebSocket only, no framing).
//!
//! Must not: read any chain data itself. The page reads the chain through the same JSON-RPC as
//! every client, under the access tier of the credential its user signs in with.
use jsonrpsee::server::HttpBody;

const INDEX_HTML: &str = include_str!("../explorer/index.html");
const APP_JS: &str = include_str!("../explorer/app.js");
const STYLE_CSS: &str = include_str!("../explorer/style.css");

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The asset at `path`, with its content type.
fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "/explorer" | "/explorer/" | "/explorer/index.html" => Some(("text/html; charset=utf-8", INDEX_HTML)),
        "/explorer/app.js" => Some(("text/javascript; charset=utf-8", APP_JS)),
        "/explorer/style.css" => Some(("text/css; charset=utf-8", STYLE_CSS)),
        _ => None,
    }
}

fn respond(content_type: &str, body: &'static str) -> http::Response<HttpBody> {
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(http::header::REFERRER_POLICY, "no-referrer")
        .header(http::header::CACHE_CONTROL, "no-cache")
        .body(HttpBody::from(body.to_string()))
        .expect("a valid response")
}

/// The response to `GET path` if `path` is one of the explorer's files (the RPC port's GET
/// layer, `probes::GetEndpointsLayer`, asks before JSON-RPC sees the request).
pub fn response(path: &str) -> Option<http::Response<HttpBody>> {
    asset(path).map(|(content_type, body)| respond(content_type, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files() {
        let (kind, html) = asset("/explorer").unwrap();
        assert!(kind.starts_with("text/html"));
        for referenced in ["/explorer/app.js", "/explorer/style.css"] {
            assert!(html.contains(referenced));
            assert!(asset(referenced).is_some(), "{referenced} is served");
        }
        assert!(!html.contains("http://") && !html.contains("https://"), "no file from elsewhere");
        assert!(!APP_JS.contains("innerHTML"), "chain data goes into the page as text only");
        assert!(asset("/explorer/../Cargo.toml").is_none());
    }
}
