//! The block explorer's web UI, served by the node on its RPC port at `/explorer`
//! (docs/explorer.md). Its three files are compiled into the binary: no CDN, no files beside
//! the node, works offline.
//!
//! Owns: answering `GET /explorer`, `/explorer/app.js` and `/explorer/style.css` with a strict
//! Content-Security-Policy (scripts and styles from this node only, connections to this node's
//! HTTP and WebSocket only, no framing).
//!
//! Must not: read any chain data itself. The page reads the chain through the same JSON-RPC as
//! every client, under the access tier of the credential its user signs in with.
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use jsonrpsee::server::{HttpBody, HttpRequest};

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

/// The HTTP layer answering the explorer's files before JSON-RPC sees the request.
#[derive(Clone, Default)]
pub struct ExplorerLayer;

impl<S> tower::Layer<S> for ExplorerLayer {
    type Service = Explorer<S>;

    fn layer(&self, inner: S) -> Explorer<S> {
        Explorer { inner }
    }
}

#[derive(Clone)]
pub struct Explorer<S> {
    inner: S,
}

impl<S, B> tower::Service<HttpRequest<B>> for Explorer<S>
where
    S: tower::Service<HttpRequest<B>, Response = http::Response<HttpBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        if request.method() == http::Method::GET {
            if let Some((content_type, body)) = asset(request.uri().path()) {
                return Box::pin(async move { Ok(respond(content_type, body)) });
            }
        }
        Box::pin(self.inner.call(request))
    }
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
