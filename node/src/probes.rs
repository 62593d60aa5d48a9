//! The RPC port's GET endpoints, answered before JSON-RPC sees the request: `GET /health` and
//! `GET /ready` for load balancers and orchestrators (docs/operations.md), and the explorer's
//! files (`explorer_assets`).
//!
//! - `/health`: 200 while the process answers and its database reads; 503 otherwise.
//! - `/ready`: 200 when the node follows the chain: its head is recent and, in a network of more
//!   than one node, it is connected to a peer; 503 with the reasons otherwise.
//!
//! Both answer anonymously (a probe holds no credential) and reveal no more than the chain head
//! an anonymous reader may see: the height, the head's age and the peer count.
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use jsonrpsee::server::{HttpBody, HttpRequest};
use serde_json::json;

use crate::{chain::Chain, network::Peers};

/// A head older than this means the node is not following the chain: a live network proposes an
/// empty block every second (`BlockPolicy::empty_block_interval`), so this is many missed
/// blocks, not one slow round.
pub const READY_MAX_HEAD_AGE_MS: u64 = 30_000;

/// What `/ready` found.
#[derive(Debug, PartialEq, Eq)]
pub struct Readiness {
    pub height: u64,
    pub head_age_ms: u64,
    pub peers: i64,
    /// Why the node is not ready; empty when it is.
    pub reasons: Vec<String>,
}

/// Whether the node follows the chain: a recent head, and a peer when there are others.
pub fn readiness(chain: &Chain, peers: &Peers) -> Readiness {
    let head = chain.head();
    let head_age_ms = chain.now_ms().saturating_sub(head.timestamp_ms);
    let peers = peers.list().len() as i64;
    let mut reasons = Vec::new();
    if head_age_ms > READY_MAX_HEAD_AGE_MS {
        reasons.push(format!(
            "the head (height {}) is {} s old (limit {} s): the node is syncing or the network is not deciding",
            head.height,
            head_age_ms / 1000,
            READY_MAX_HEAD_AGE_MS / 1000
        ));
    }
    let others = crate::network::membership(chain).map(|m| m.len().saturating_sub(1)).unwrap_or(0);
    if others > 0 && peers <= 0 {
        reasons.push(format!("no peer connected ({others} other nodes in the network membership)"));
    }
    Readiness { height: head.height, head_age_ms, peers, reasons }
}

fn respond(ok: bool, body: serde_json::Value) -> http::Response<HttpBody> {
    let status = if ok { http::StatusCode::OK } else { http::StatusCode::SERVICE_UNAVAILABLE };
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(HttpBody::from(body.to_string()))
        .expect("a valid response")
}

fn health(chain: &Chain) -> (bool, serde_json::Value) {
    match chain.storage.head_height() {
        Ok(Some(height)) => (true, json!({"status": "ok", "height": height})),
        Ok(None) => (false, json!({"status": "error", "error": "the database holds no head"})),
        Err(e) => (false, json!({"status": "error", "error": format!("the database does not read: {e}")})),
    }
}

/// How long one readiness answer is reused: a probe flood costs one membership read a second.
const READY_CACHE: std::time::Duration = std::time::Duration::from_secs(1);

/// The last readiness answer and when it was made.
type ReadyCache = Arc<std::sync::Mutex<Option<(std::time::Instant, bool, serde_json::Value)>>>;

fn ready(chain: &Chain, peers: &Peers, cache: &ReadyCache) -> (bool, serde_json::Value) {
    let mut cached = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, ok, body)) = cached.as_ref() {
        if at.elapsed() < READY_CACHE {
            return (*ok, body.clone());
        }
    }
    let r = readiness(chain, peers);
    let ok = r.reasons.is_empty();
    let body = json!({
        "ready": ok,
        "height": r.height,
        "head_age_ms": r.head_age_ms,
        "peers": r.peers,
        "reasons": r.reasons,
    });
    *cached = Some((std::time::Instant::now(), ok, body.clone()));
    (ok, body)
}

/// On a node that answers no anonymous request, a probe gets its status code alone.
fn answer(ok: bool, body: serde_json::Value, details: bool) -> http::Response<HttpBody> {
    respond(ok, if details { body } else { json!({"ok": ok}) })
}

/// The HTTP layer answering the probes and the explorer's files before JSON-RPC sees the request.
#[derive(Clone)]
pub struct GetEndpointsLayer {
    chain: Arc<Chain>,
    peers: Peers,
    /// Whether the node answers anonymous requests: if not, probes say 200 or 503 and nothing more.
    details: bool,
    cache: ReadyCache,
}

impl GetEndpointsLayer {
    pub fn new(chain: Arc<Chain>, peers: Peers, anonymous: bool) -> GetEndpointsLayer {
        GetEndpointsLayer { chain, peers, details: anonymous, cache: ReadyCache::default() }
    }
}

impl<S> tower::Layer<S> for GetEndpointsLayer {
    type Service = GetEndpoints<S>;

    fn layer(&self, inner: S) -> GetEndpoints<S> {
        GetEndpoints {
            inner,
            chain: self.chain.clone(),
            peers: self.peers.clone(),
            details: self.details,
            cache: self.cache.clone(),
        }
    }
}

#[derive(Clone)]
pub struct GetEndpoints<S> {
    inner: S,
    chain: Arc<Chain>,
    peers: Peers,
    details: bool,
    cache: ReadyCache,
}

impl<S, B> tower::Service<HttpRequest<B>> for GetEndpoints<S>
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
            if let Some(page) = crate::explorer_assets::response(request.uri().path()) {
                return Box::pin(async move { Ok(page) });
            }
            let (chain, peers, cache, details) =
                (self.chain.clone(), self.peers.clone(), self.cache.clone(), self.details);
            // The reads may block briefly (database, membership): off the async threads.
            let check: Option<Box<dyn FnOnce() -> (bool, serde_json::Value) + Send>> =
                match request.uri().path() {
                    "/health" => Some(Box::new(move || health(&chain))),
                    "/ready" => Some(Box::new(move || ready(&chain, &peers, &cache))),
                    _ => None,
                };
            if let Some(check) = check {
                return Box::pin(async move {
                    let (ok, body) = tokio::task::spawn_blocking(check)
                        .await
                        .unwrap_or_else(|_| (false, json!({"error": "the check panicked"})));
                    Ok(answer(ok, body, details))
                });
            }
        }
        Box::pin(self.inner.call(request))
    }
}
