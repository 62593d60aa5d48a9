//! Prometheus metrics: what the node counts, and the `GET /metrics` endpoint that serves them
//! (`scf-node --metrics-addr`, off by default; docs/operations.md).
//!
//! Owns: the node's own metric families (prefix `scf_`, plus the standard `process_` ones) in the
//! process-wide registry that Malachite's engine registers its metrics in, so one scrape returns
//! both.
//!
//! Must not: decide anything. Metrics are read by operators; nothing in consensus or execution
//! reads them back. Label values are bounded by construction (the RPC method label takes only
//! the names the server registered), so a client cannot grow the registry.
use std::{
    collections::BTreeSet,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use malachitebft_metrics::SharedRegistry;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
};

use crate::chain::Chain;

/// Labels of the per-method RPC metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    /// A method the server serves, or `unknown`.
    pub method: String,
}

/// Labels of the RPC call counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub method: String,
    /// `ok` or `error`; `batched` for the calls of a batch (counted on arrival: a batch answers
    /// as one), `error` for those refused by the rate limit.
    pub outcome: &'static str,
}

type SecondsHistogram = Family<MethodLabels, Histogram, fn() -> Histogram>;

/// The node's metric families. One per process (`metrics()`): the registry is process-wide.
pub struct Metrics {
    pub height: Gauge,
    pub round: Gauge,
    pub blocks_committed: Counter,
    pub transactions_committed: Counter,
    /// Seconds between a block's timestamp and its parent's.
    pub block_interval: Histogram,
    pub transactions_per_block: Histogram,
    /// Seconds to execute a block's transactions (proposing, validating or syncing it).
    pub execution_seconds: Histogram,
    /// Seconds to write a decided block durably and move the head.
    pub commit_seconds: Histogram,
    pub pool_transactions: Gauge,
    pub pool_bytes: Gauge,
    /// Peers connected on the transaction network (the consensus network's count is Malachite's
    /// `malachitebft_core_consensus_connected_peers`).
    pub tx_network_peers: Gauge,
    /// Seconds since the head block's timestamp, by this node's clock.
    pub head_age_seconds: Gauge,
    pub database_bytes: Gauge,
    pub rpc_calls: Family<CallLabels, Counter>,
    pub rpc_seconds: SecondsHistogram,
    pub process_cpu_seconds: Counter<f64, std::sync::atomic::AtomicU64>,
    pub process_resident_bytes: Gauge,
    /// The scrape-time refresh runs one at a time (CPU is added as a difference).
    refresh: Mutex<()>,
}

fn seconds_buckets() -> Histogram {
    // 0.5 ms to ~65 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 18))
}

/// The process's metrics, registered on first use.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let m = Metrics {
            height: Gauge::default(),
            round: Gauge::default(),
            blocks_committed: Counter::default(),
            transactions_committed: Counter::default(),
            block_interval: seconds_buckets(),
            transactions_per_block: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(1.0, 2.0, 16),
            ),
            execution_seconds: seconds_buckets(),
            commit_seconds: seconds_buckets(),
            pool_transactions: Gauge::default(),
            pool_bytes: Gauge::default(),
            tx_network_peers: Gauge::default(),
            head_age_seconds: Gauge::default(),
            database_bytes: Gauge::default(),
            rpc_calls: Family::default(),
            rpc_seconds: Family::new_with_constructor(seconds_buckets),
            process_cpu_seconds: Counter::default(),
            process_resident_bytes: Gauge::default(),
            refresh: Mutex::new(()),
        };
        let registry = SharedRegistry::global();
        registry.with_prefix("scf", |r| {
            r.register("height", "Height of the latest finalized block", m.height.clone());
            r.register("consensus_round", "Round of the height being decided", m.round.clone());
            r.register("blocks_committed", "Blocks committed since start", m.blocks_committed.clone());
            r.register(
                "transactions_committed",
                "Transactions committed since start",
                m.transactions_committed.clone(),
            );
            r.register(
                "block_interval_seconds",
                "Time between a block's timestamp and its parent's",
                m.block_interval.clone(),
            );
            r.register(
                "transactions_per_block",
                "Transactions in each committed block",
                m.transactions_per_block.clone(),
            );
            r.register(
                "execution_seconds",
                "Time to execute a block's transactions (propose, validate or sync)",
                m.execution_seconds.clone(),
            );
            r.register(
                "commit_seconds",
                "Time to write a decided block durably and move the head",
                m.commit_seconds.clone(),
            );
            r.register("pool_transactions", "Transactions waiting in the pool", m.pool_transactions.clone());
            r.register("pool_bytes", "Bytes of the transactions waiting in the pool", m.pool_bytes.clone());
            r.register(
                "tx_network_peers",
                "Peers connected on the transaction network",
                m.tx_network_peers.clone(),
            );
            r.register(
                "head_age_seconds",
                "Seconds since the head block's timestamp, by this node's clock",
                m.head_age_seconds.clone(),
            );
            r.register("database_bytes", "Size of the database directory", m.database_bytes.clone());
            r.register("rpc_calls", "JSON-RPC calls answered, by method and outcome", m.rpc_calls.clone());
            r.register("rpc_call_seconds", "JSON-RPC call latency, by method", m.rpc_seconds.clone());
        });
        registry.with_prefix("process", |r| {
            r.register(
                "cpu_seconds",
                "User and system CPU time of the node process",
                m.process_cpu_seconds.clone(),
            );
            r.register(
                "resident_memory_bytes",
                "Resident memory of the node process",
                m.process_resident_bytes.clone(),
            );
        });
        m
    })
}

impl Metrics {
    /// Records a committed block: `interval_ms` since its parent's timestamp.
    pub fn block_committed(&self, height: u64, transactions: usize, interval_ms: u64, took: Duration) {
        self.height.set(height as i64);
        self.blocks_committed.inc();
        self.transactions_committed.inc_by(transactions as u64);
        self.transactions_per_block.observe(transactions as f64);
        self.block_interval.observe(interval_ms as f64 / 1000.0);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// Records one RPC call of `method` (already bounded to the served names).
    pub fn rpc_call(&self, method: &str, ok: bool, took: Duration) {
        let outcome = if ok { "ok" } else { "error" };
        self.rpc_calls.get_or_create(&CallLabels { method: method.to_string(), outcome }).inc();
        self.rpc_seconds
            .get_or_create(&MethodLabels { method: method.to_string() })
            .observe(took.as_secs_f64());
    }

    /// Updates what is read at scrape time: pool, head age, database size, process CPU and memory.
    pub fn refresh(&self, chain: &Chain, db_dir: &Path) {
        let _one_at_a_time = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        self.pool_transactions.set(chain.mempool.len() as i64);
        self.pool_bytes.set(chain.mempool.bytes() as i64);
        let head = chain.head();
        self.height.set(head.height as i64);
        self.head_age_seconds.set((chain.now_ms().saturating_sub(head.timestamp_ms) / 1000) as i64);
        self.database_bytes.set(directory_bytes(db_dir) as i64);
        if let Some(cpu) = process_cpu_seconds() {
            let seen = self.process_cpu_seconds.get();
            if cpu > seen {
                self.process_cpu_seconds.inc_by(cpu - seen);
            }
        }
        if let Some(rss) = resident_bytes() {
            self.process_resident_bytes.set(rss as i64);
        }
    }
}

/// Total size of the files in `dir` and its subdirectories (RocksDB keeps one flat directory).
fn directory_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => directory_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// User plus system CPU time of this process, all threads.
pub fn process_cpu_seconds() -> Option<f64> {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Some(seconds(usage.user_time()) + seconds(usage.system_time()))
}

/// Resident memory of this process (`VmRSS` of /proc/self/status; Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The bounded label of a method name: itself if the server serves it, else `unknown`.
#[derive(Clone, Debug)]
pub struct MethodNames(Arc<BTreeSet<String>>);

impl MethodNames {
    pub fn new(names: impl IntoIterator<Item = String>) -> MethodNames {
        MethodNames(Arc::new(names.into_iter().collect()))
    }

    pub fn label<'a>(&'a self, method: &'a str) -> &'a str {
        if self.0.contains(method) {
            method
        } else {
            "unknown"
        }
    }
}

/// Most scrapes served at once; more connections wait for a slot.
const MAX_METRICS_CONNECTIONS: usize = 16;

/// Serves `GET /metrics` on `addr` until the returned task is aborted.
pub async fn serve(
    addr: SocketAddr,
    chain: Arc<Chain>,
    db_dir: PathBuf,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    use http_body_util::Full;
    use hyper::{body::Bytes, Response, StatusCode};

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    metrics();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_METRICS_CONNECTIONS));
    let task = tokio::spawn(async move {
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else { return };
            let socket = match listener.accept().await {
                Ok((socket, _)) => socket,
                Err(e) => {
                    tracing::warn!(target: "scf::metrics", error = %e, "accepting a metrics connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (chain, db_dir) = (chain.clone(), db_dir.clone());
            let service =
                hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (chain, db_dir) = (chain.clone(), db_dir.clone());
                    async move {
                        let response =
                            if request.method() != hyper::Method::GET || request.uri().path() != "/metrics" {
                                Response::builder().status(StatusCode::NOT_FOUND).body(Full::new(
                                    Bytes::from_static(b"this port serves GET /metrics only\n"),
                                ))
                            } else {
                                let text = tokio::task::spawn_blocking(move || {
                                    metrics().refresh(&chain, &db_dir);
                                    let mut text = String::new();
                                    malachitebft_metrics::export(&mut text);
                                    text
                                })
                                .await
                                .unwrap_or_default();
                                Response::builder()
                                    .header(
                                        hyper::header::CONTENT_TYPE,
                                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                                    )
                                    .body(Full::new(Bytes::from(text)))
                            };
                        Ok::<_, std::convert::Infallible>(response.expect("a valid static response"))
                    }
                });
            tokio::spawn(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service);
                // A client that holds its connection open does not hold a slot for long.
                let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
                drop(permit);
            });
        }
    });
    tracing::info!(target: "scf::metrics", %local, "Prometheus metrics on GET /metrics");
    Ok((local, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_labels_are_bounded_to_served_names() {
        let names = MethodNames::new(["scf_chainHead".to_string()]);
        assert_eq!(names.label("scf_chainHead"), "scf_chainHead");
        assert_eq!(names.label("scf_madeUp_9f8e"), "unknown");
    }

    #[test]
    fn process_readings_come_from_the_kernel() {
        // Burn a little CPU so the reading cannot be zero.
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(process_cpu_seconds().unwrap() > 0.0);
        assert!(resident_bytes().unwrap() > 1 << 20, "a test process holds more than a MiB");
    }
}
