//! What bounds one RPC client: connections and calls per second from one IP address, a time
//! limit per call, and the browser origins allowed to call at all.
//!
//! - **Per-address connections** are counted at accept; beyond the cap a connection is closed
//!   before any byte is read.
//! - **Calls per second** come from a token bucket per address (each call of a batch takes a
//!   token); a call without one is answered `rate_limited` (1010) with no work done.
//! - **Call time** is capped: a call that has not answered in time is answered `timeout`.
//! - **Origins:** a request carrying an `Origin` header (every browser request, including a
//!   WebSocket handshake) is refused with HTTP 403 unless that origin is configured: a web page
//!   a member visits must not reach their node with their cookies or address.
//!
//! Loopback clients (the operator's own tools on the node's machine) are exempt from the
//! per-address limits unless `limit_loopback` is set.
use std::{
    collections::HashMap,
    future::Future,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use jsonrpsee::{
    core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT},
    server::{HttpBody, HttpRequest},
    types::{ErrorObject, Request},
    MethodResponse,
};
use scf_rpc_api::codes;

use crate::metrics::{metrics, CallLabels, MethodLabels, MethodNames};

/// The address a request came from, put on every request of its connection.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// The per-client limits of the RPC server.
#[derive(Clone, Debug)]
pub struct RpcLimits {
    /// Calls per second one address may make, sustained.
    pub calls_per_sec: u32,
    /// Calls one address may make at once after being idle.
    pub burst: u32,
    /// Connections one address may hold open.
    pub connections_per_addr: u32,
    /// Longest a call may take before it is answered `timeout`.
    pub call_timeout: Duration,
    /// Apply the per-address limits to loopback clients too.
    pub limit_loopback: bool,
    /// Origins (`scheme://host[:port]`) whose pages may call this node; any other request with
    /// an `Origin` header is refused.
    pub allowed_origins: Vec<String>,
}

impl Default for RpcLimits {
    fn default() -> Self {
        RpcLimits {
            calls_per_sec: 500,
            burst: 1_000,
            connections_per_addr: 64,
            call_timeout: Duration::from_secs(30),
            limit_loopback: false,
            allowed_origins: Vec::new(),
        }
    }
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Most addresses with a bucket; beyond it, full buckets (idle clients) are forgotten.
const MAX_TRACKED_ADDRS: usize = 65_536;

/// Shared state of the per-address limits.
pub struct ClientLimiter {
    limits: RpcLimits,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    connections: Mutex<HashMap<IpAddr, u32>>,
}

impl ClientLimiter {
    pub fn new(limits: RpcLimits) -> Arc<ClientLimiter> {
        Arc::new(ClientLimiter { limits, buckets: Default::default(), connections: Default::default() })
    }

    pub fn limits(&self) -> &RpcLimits {
        &self.limits
    }

    fn exempt(&self, addr: IpAddr) -> bool {
        addr.is_loopback() && !self.limits.limit_loopback
    }

    /// Takes `n` call tokens of `addr`; false if it has fewer.
    fn take(&self, addr: IpAddr, n: u32) -> bool {
        if self.exempt(addr) {
            return true;
        }
        let (rate, burst) = (f64::from(self.limits.calls_per_sec), f64::from(self.limits.burst));
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED_ADDRS && !buckets.contains_key(&addr) {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.refilled).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(addr).or_insert(Bucket { tokens: burst, refilled: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.refilled).as_secs_f64() * rate).min(burst);
        bucket.refilled = now;
        if bucket.tokens < f64::from(n) {
            return false;
        }
        bucket.tokens -= f64::from(n);
        true
    }

    /// A connection slot of `addr`, released when the returned guard drops; `None` at the cap.
    pub fn connect(self: &Arc<Self>, addr: IpAddr) -> Option<ConnectionSlot> {
        if !self.exempt(addr) {
            let mut connections = self.connections.lock().unwrap_or_else(|p| p.into_inner());
            let open = connections.entry(addr).or_default();
            if *open >= self.limits.connections_per_addr {
                return None;
            }
            *open += 1;
        }
        Some(ConnectionSlot { limiter: self.clone(), addr })
    }
}

/// An open connection of one address.
pub struct ConnectionSlot {
    limiter: Arc<ClientLimiter>,
    addr: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if self.limiter.exempt(self.addr) {
            return;
        }
        let mut connections = self.limiter.connections.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = connections.get_mut(&self.addr) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                connections.remove(&self.addr);
            }
        }
    }
}

fn rate_limited<'a>(limits: &RpcLimits) -> ErrorObject<'a> {
    ErrorObject::owned(
        codes::RATE_LIMITED,
        format!(
            "too many calls from this address (at most {} per second, {} at once); slow down",
            limits.calls_per_sec, limits.burst
        ),
        Some(serde_json::json!({ "kind": "rate_limited" })),
    )
}

fn timed_out<'a>(limits: &RpcLimits) -> ErrorObject<'a> {
    ErrorObject::owned(
        codes::INTERNAL,
        format!("the call did not finish within {} s", limits.call_timeout.as_secs()),
        Some(serde_json::json!({ "kind": "timeout" })),
    )
}

/// RPC middleware applying the call limits.
#[derive(Clone)]
pub struct CallLimits<S> {
    inner: S,
    limiter: Arc<ClientLimiter>,
    /// The served method names: the bounded label of the per-method metrics.
    names: MethodNames,
}

impl<S> CallLimits<S> {
    pub fn new(inner: S, limiter: Arc<ClientLimiter>, names: MethodNames) -> CallLimits<S> {
        CallLimits { inner, limiter, names }
    }
}

fn client_of(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions.get::<ClientAddr>().map(|c| c.0)
}

impl<S> RpcServiceT for CallLimits<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let (inner, limiter) = (self.inner.clone(), self.limiter.clone());
        let method = self.names.label(request.method_name()).to_string();
        async move {
            let started = Instant::now();
            let allowed = client_of(request.extensions()).is_none_or(|addr| limiter.take(addr, 1));
            if !allowed {
                metrics().rpc_call(&method, false, started.elapsed());
                return MethodResponse::error(request.id, rate_limited(limiter.limits()));
            }
            let id = request.id.clone().into_owned();
            let response =
                match tokio::time::timeout(limiter.limits().call_timeout, inner.call(request)).await {
                    Ok(response) => response,
                    Err(_) => MethodResponse::error(id, timed_out(limiter.limits())),
                };
            metrics().rpc_call(&method, response.is_success(), started.elapsed());
            response
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let (inner, limiter, names) = (self.inner.clone(), self.limiter.clone(), self.names.clone());
        async move {
            // Each call of the batch takes a token; those beyond the client's tokens are
            // answered `rate_limited` and not run.
            let started = Instant::now();
            let addr = client_of(batch.extensions());
            for entry in batch.iter_mut() {
                let Ok(BatchEntry::Call(request)) = entry else { continue };
                let limited = addr.is_some_and(|addr| !limiter.take(addr, 1));
                // A batch's calls are counted one by one; its latency is the batch's own.
                let method = names.label(request.method_name());
                metrics()
                    .rpc_calls
                    .get_or_create(&CallLabels {
                        method: method.to_string(),
                        outcome: if limited { "error" } else { "batched" },
                    })
                    .inc();
                if limited {
                    *entry = Err(BatchEntryErr::new(request.id.clone(), rate_limited(limiter.limits())));
                }
            }
            let response = match tokio::time::timeout(limiter.limits().call_timeout, inner.batch(batch)).await
            {
                Ok(response) => response,
                Err(_) => MethodResponse::error(jsonrpsee::types::Id::Null, timed_out(limiter.limits())),
            };
            metrics()
                .rpc_seconds
                .get_or_create(&MethodLabels { method: "batch".into() })
                .observe(started.elapsed().as_secs_f64());
            response
        }
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

/// HTTP middleware refusing requests from origins that are not allowed.
#[derive(Clone)]
pub struct OriginCheck<S> {
    inner: S,
    allowed: Arc<Vec<String>>,
}

#[derive(Clone)]
pub struct OriginCheckLayer {
    allowed: Arc<Vec<String>>,
}

impl OriginCheckLayer {
    pub fn new(allowed: &[String]) -> OriginCheckLayer {
        let normalised = allowed.iter().map(|o| o.trim_end_matches('/').to_ascii_lowercase()).collect();
        OriginCheckLayer { allowed: Arc::new(normalised) }
    }
}

impl<S> tower::Layer<S> for OriginCheckLayer {
    type Service = OriginCheck<S>;

    fn layer(&self, inner: S) -> OriginCheck<S> {
        OriginCheck { inner, allowed: self.allowed.clone() }
    }
}

impl<S, B> tower::Service<HttpRequest<B>> for OriginCheck<S>
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
        let origin = request
            .headers()
            .get(http::header::ORIGIN)
            .map(|o| o.to_str().unwrap_or("").to_ascii_lowercase());
        // The node's own pages (the explorer at /explorer) call it from its own origin when it
        // is addressed by IP or as localhost. A domain name must be listed in allowed_origins:
        // otherwise a page whose name an attacker re-points at this address (DNS rebinding)
        // would count as the node's own.
        let host = request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        let same_origin = |origin: &str| {
            host.as_ref().is_some_and(|host| {
                let name = host.rsplit_once(':').map_or(host.as_str(), |(name, _)| name);
                let literal = name == "localhost"
                    || name.parse::<std::net::IpAddr>().is_ok()
                    || name
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::Ipv6Addr>()
                        .is_ok();
                literal
                    && origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"))
                        == Some(host.as_str())
            })
        };
        match origin {
            Some(origin) if !self.allowed.contains(&origin) && !same_origin(&origin) => {
                tracing::debug!(target: "scf::rpc", %origin, "request from a web origin that is not allowed");
                Box::pin(async { Ok(jsonrpsee::server::http::response::denied()) })
            }
            _ => Box::pin(self.inner.call(request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let limiter = ClientLimiter::new(RpcLimits { calls_per_sec: 10, burst: 5, ..RpcLimits::default() });
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        assert!((0..5).all(|_| limiter.take(remote, 1)));
        assert!(!limiter.take(remote, 1), "the burst is spent");
        assert!(limiter.take("192.0.2.8".parse().unwrap(), 5), "another address has its own bucket");
        assert!(limiter.take(IpAddr::from([127, 0, 0, 1]), 1_000), "loopback is exempt by default");
        std::thread::sleep(Duration::from_millis(150));
        assert!(limiter.take(remote, 1), "tokens come back at the rate");
    }

    /// An inner service that answers an hour late, or at once.
    #[derive(Clone)]
    struct Service {
        late: bool,
    }

    impl RpcServiceT for Service {
        type MethodResponse = MethodResponse;
        type NotificationResponse = MethodResponse;
        type BatchResponse = MethodResponse;

        fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
            let late = self.late;
            async move {
                if late {
                    tokio::time::sleep(Duration::from_secs(3_600)).await;
                }
                MethodResponse::response(request.id, jsonrpsee::ResponsePayload::success(1u8), 1_000)
            }
        }

        fn batch<'a>(&self, _: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
            let unused = ErrorObject::borrowed(0, "unused", None);
            std::future::ready(MethodResponse::error(jsonrpsee::types::Id::Null, unused))
        }

        fn notification<'a>(&self, _: Notification<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
            std::future::ready(MethodResponse::notification())
        }
    }

    fn request(from: &str) -> Request<'static> {
        let mut request = Request::owned("scf_chainHead".into(), None, jsonrpsee::types::Id::Number(1));
        request.extensions_mut().insert(ClientAddr(from.parse().unwrap()));
        request
    }

    #[tokio::test]
    async fn a_call_is_answered_timeout_when_late_and_rate_limited_when_over() {
        let limits = RpcLimits {
            call_timeout: Duration::from_millis(50),
            burst: 2,
            calls_per_sec: 1,
            ..RpcLimits::default()
        };
        let limiter = ClientLimiter::new(limits);
        let names = MethodNames::new(["scf_chainHead".to_string()]);
        let late = CallLimits::new(Service { late: true }, limiter.clone(), names.clone());
        let answer = late.call(request("192.0.2.7")).await;
        assert_eq!(answer.as_error_code(), Some(codes::INTERNAL));
        assert!(answer.as_json().get().contains("\"timeout\""), "{}", answer.as_json());

        let prompt = CallLimits::new(Service { late: false }, limiter, names);
        assert!(prompt.call(request("192.0.2.7")).await.is_success(), "the second of a burst of two");
        assert_eq!(prompt.call(request("192.0.2.7")).await.as_error_code(), Some(codes::RATE_LIMITED));
        assert!(prompt.call(request("192.0.2.8")).await.is_success(), "another address is not limited");
    }

    #[test]
    fn connections_per_address_are_capped_and_released() {
        let limiter = ClientLimiter::new(RpcLimits { connections_per_addr: 2, ..RpcLimits::default() });
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        let a = limiter.connect(remote).unwrap();
        let _b = limiter.connect(remote).unwrap();
        assert!(limiter.connect(remote).is_none());
        drop(a);
        assert!(limiter.connect(remote).is_some());
    }

    /// The node's own pages pass the origin check when the node is addressed by IP or as
    /// localhost; a domain name (which an attacker can re-point at the node: DNS rebinding) must
    /// be listed; any other origin is refused.
    #[tokio::test]
    async fn the_nodes_own_origin_passes_but_not_a_rebound_name() {
        use tower::{Layer, Service, ServiceExt};
        let inner = tower::service_fn(|_: HttpRequest<()>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(HttpBody::from("ok".to_string())))
        });
        let mut check = OriginCheckLayer::new(&["https://node1.example.com".to_string()]).layer(inner);
        async fn status_of<S>(check: &mut S, host: &str, origin: Option<&str>) -> u16
        where
            S: Service<HttpRequest<()>, Response = http::Response<HttpBody>>,
            S::Error: std::fmt::Debug,
        {
            let mut request = http::Request::builder().uri("/").header(http::header::HOST, host);
            if let Some(origin) = origin {
                request = request.header(http::header::ORIGIN, origin);
            }
            let service = check.ready().await.unwrap();
            service.call(request.body(()).unwrap()).await.unwrap().status().as_u16()
        }
        assert_eq!(status_of(&mut check, "127.0.0.1:9944", None).await, 200, "no Origin: not a browser page");
        assert_eq!(status_of(&mut check, "127.0.0.1:9944", Some("http://127.0.0.1:9944")).await, 200);
        assert_eq!(status_of(&mut check, "localhost:9944", Some("http://localhost:9944")).await, 200);
        assert_eq!(status_of(&mut check, "[::1]:9944", Some("http://[::1]:9944")).await, 200);
        assert_eq!(
            status_of(&mut check, "node1.example.com", Some("https://node1.example.com")).await,
            200,
            "listed"
        );
        assert_eq!(
            status_of(&mut check, "evil.example:9944", Some("http://evil.example:9944")).await,
            403,
            "rebinding"
        );
        assert_eq!(
            status_of(&mut check, "127.0.0.1:9944", Some("http://127.0.0.1:9945")).await,
            403,
            "another port"
        );
        assert_eq!(status_of(&mut check, "127.0.0.1:9944", Some("https://evil.example")).await, 403);
    }
}
