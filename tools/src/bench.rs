//! `scf bench`: a load generator of transfers that reports what each committed transfer cost.
//!
//! Setup registers `concurrency` fresh supplier members (one new key each). Two loads:
//!
//! - **closed loop** (default): each member is issued a voucher and accepts it, then runs a loop:
//!   sign a transfer of one minor unit of its voucher to the next member, submit it (nodes taken
//!   in turn), wait until a block holds it, read the remainder piece from the receipt, repeat. The
//!   offered load follows the chain: a stall slows the senders, and hides itself.
//! - **open loop** (`--rate R`): the financier mints each member deposit tokens; then every
//!   transfer of the run (one minor unit of the token to the next member) is signed before the
//!   measured window, and they are submitted at R per second on schedule whatever the chain does,
//!   each member's to one node in nonce order. A stall shows as latency and a backlog.
//!
//! Finality is seen through the node's new-heads subscription (WebSocket) and one receipts read
//! per block; polling every `POLL` is the fallback when the subscription cannot be had. Latency is
//! submit → the new head that holds the transaction. Throughput is committed transfers per second
//! of the measured window.
//!
//! Cost: with `--metrics` (each node's Prometheus endpoint; `--localnet` finds them), each node's
//! `process_cpu_seconds_total` is read at the start and the end of the measured window, setup
//! excluded, and divided by the committed transfers: CPU-µs per transfer per node. The bench's own
//! CPU (getrusage) is reported the same way, since on one machine it competes with the nodes.
//!
//! Transactions go to each node in JSON-RPC batch requests of up to `--batch` (what waits in
//! that node's outbox when a sender is free), as an application gateway with many users would
//! send them. One HTTP request per transaction costs the node and this process more CPU than
//! the transaction's execution on a machine they share; latency includes the time in the outbox.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jsonrpsee::{
    core::{client::ClientT, params::BatchRequestBuilder},
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use scf_interface::{self as api, Method};
use scf_interface::{
    deposit_token::{MintArgs, TokenId, TransferArgs as TokenTransferArgs},
    receivables::{IssueArgs, TransferArgs, TransferResult, VoucherId, MS_PER_DAY},
    registry::RegisterArgs,
};
use scf_primitives::{crypto::Keypair, Payload, Transaction};
use scf_rpc_api::{from_hex, to_hex, BlockId, ScfApiClient, Submitted};
use tokio::sync::{mpsc, oneshot};

const POLL: Duration = Duration::from_millis(20);
/// Face of each bench voucher: room for a million one-fen transfers.
const VOUCHER_FACE: u128 = 1_000_000;
/// Batch requests in flight to one node at once: enough to keep every core of the node
/// verifying while a response travels back.
const BATCHES_IN_FLIGHT: usize = 4;

pub struct BenchOptions {
    pub nodes: Vec<String>,
    pub txs: u64,
    /// Stop starting transfers after this long.
    pub duration: Option<Duration>,
    pub concurrency: usize,
    /// Most transactions in one JSON-RPC batch request (1: one request per transaction).
    pub batch: usize,
    /// Open loop: offered transfers per second (pre-signed, sent on schedule); `None`: closed loop.
    pub rate: Option<u64>,
    /// Each node's Prometheus endpoint (`http://host:port/metrics`), in the order of `nodes`:
    /// per-node CPU per transfer. Empty: not measured.
    pub metrics: Vec<String>,
    /// Operator, core-enterprise and financier keys used for the setup (dev keys by default).
    pub operator: Keypair,
    pub issuer: Keypair,
    pub financier: Keypair,
    pub quiet: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    pub nodes: usize,
    pub concurrency: usize,
    pub batch: usize,
    pub committed: u64,
    pub failed: u64,
    pub seconds: f64,
    pub tps: f64,
    pub latency_ms_p50: u64,
    pub latency_ms_p95: u64,
    pub latency_ms_p99: u64,
    pub latency_ms_max: u64,
    pub blocks: u64,
    pub setup_seconds: f64,
    /// `closed` or `open` (`--rate`).
    pub mode: &'static str,
    /// Open loop: what was offered (transfers submitted per second of the sending phase).
    pub offered_tps: Option<f64>,
    /// How finality was observed: `subscription` (new heads over WebSocket) or `polling`.
    pub finality: &'static str,
    /// Each node's CPU over the measured window per committed transfer, µs (with `--metrics`).
    pub node_cpu_us_per_transfer: Vec<f64>,
    /// This process's CPU over the measured window per committed transfer, µs.
    pub client_cpu_us_per_transfer: f64,
}

/// What the block watcher reports for a committed transaction: when it saw the block, and the
/// return data or the error.
type Committed = (Instant, Result<Vec<u8>, String>);
type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Committed>>>>;

/// A signed transaction waiting in a node's outbox, and where its submission result goes (the
/// node's error as text).
struct Outgoing {
    tx_hex: String,
    result: oneshot::Sender<Result<(), String>>,
}

struct Env {
    clients: Vec<HttpClient>,
    /// One per client; none when every transaction is its own request (`--batch 1`).
    outboxes: Vec<mpsc::UnboundedSender<Outgoing>>,
    chain_id: String,
    waiters: Waiters,
}

impl Env {
    fn client(&self, i: usize) -> &HttpClient {
        &self.clients[i % self.clients.len()]
    }

    /// Submits through node `i`'s outbox and waits for the node's answer. Without batching,
    /// every transaction is its own request, all of them concurrent.
    async fn send(&self, i: usize, tx_hex: String) -> Result<(), String> {
        if self.outboxes.is_empty() {
            return self.client(i).submit_transaction(tx_hex).await.map(|_| ()).map_err(|e| e.to_string());
        }
        let (result, answer) = oneshot::channel();
        self.outboxes[i % self.outboxes.len()]
            .send(Outgoing { tx_hex, result })
            .map_err(|_| "batch sender stopped".to_string())?;
        answer.await.map_err(|_| "batch sender stopped".to_string())?
    }

    fn sign<A: borsh::BorshSerialize, R>(
        &self,
        key: &Keypair,
        nonce: u64,
        method: Method<A, R>,
        args: &A,
    ) -> (String, String) {
        let tx = key.sign_transaction(Transaction {
            chain_id: self.chain_id.clone(),
            sender: key.account_id(),
            nonce,
            payload: Payload::Call {
                contract: method.address(),
                method: method.name.into(),
                args: borsh::to_vec(args).expect("borsh into Vec is infallible"),
            },
        });
        (tx.hash().to_hex(), to_hex(&borsh::to_vec(&tx).expect("borsh into Vec is infallible")))
    }

    /// Submits (retrying while the pool or the sender's quota is full) and returns a receiver fired at commit.
    async fn submit(&self, node: usize, hash: &str, tx_hex: String) -> Result<oneshot::Receiver<Committed>> {
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("waiters lock").insert(hash.to_string(), tx);
        let mut attempt = 0;
        loop {
            match self.send(node + attempt, tx_hex.clone()).await {
                Ok(()) => return Ok(rx),
                Err(text) => {
                    // A retry after a lost response finds the first attempt's effect: the
                    // transaction pending, or already committed (its nonce used). The block
                    // watcher reports it either way.
                    if attempt > 0 && (text.contains("already pending") || text.contains("bad nonce")) {
                        return Ok(rx);
                    }
                    attempt += 1;
                    // Full pool, a sender at its quota, a nonce ahead of the node's view, or a
                    // dropped HTTP connection.
                    let transient = ["pool", "one sender may", "ahead", "reach", "SendRequest", "connection"]
                        .iter()
                        .any(|t| text.contains(t));
                    if attempt > 50 || !transient {
                        self.waiters.lock().expect("waiters lock").remove(hash);
                        bail!("submitting {hash}: {text}");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Submits a batch of signed transactions and waits for all of them to commit successfully.
    async fn run_all(&self, txs: Vec<(String, String)>, what: &str) -> Result<Vec<Vec<u8>>> {
        let mut pending = Vec::new();
        for (i, (hash, hex)) in txs.into_iter().enumerate() {
            pending.push((hash.clone(), self.submit(i, &hash, hex).await?));
        }
        let mut out = Vec::new();
        for (hash, rx) in pending {
            let (_, outcome) = tokio::time::timeout(Duration::from_secs(120), rx)
                .await
                .map_err(|_| anyhow!("{what}: {hash} not committed within 120 s"))??;
            match outcome {
                Ok(data) => out.push(data),
                Err(e) => bail!("{what} failed: {e}"),
            }
        }
        Ok(out)
    }
}

/// Sends what waits in one node's outbox as JSON-RPC batch requests of up to `max` transactions,
/// answering each transaction with its own entry of the response. Several senders share an
/// outbox; each takes what is waiting when it is free, so batches grow with the load.
async fn send_batches(
    client: HttpClient,
    outbox: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Outgoing>>>,
    max: usize,
) {
    loop {
        let mut batch = Vec::new();
        {
            let mut waiting = outbox.lock().await;
            let Some(first) = waiting.recv().await else { return };
            batch.push(first);
            while batch.len() < max {
                match waiting.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        let mut request = BatchRequestBuilder::new();
        for o in &batch {
            request
                .insert("scf_submitTransaction", rpc_params![o.tx_hex.as_str()])
                .expect("a string parameter always serializes");
        }
        match client.batch_request::<Submitted>(request).await {
            // Entries come back in request order.
            Ok(response) => {
                let mut answers = response.into_iter();
                for o in batch {
                    let answer = match answers.next() {
                        Some(entry) => entry.map(|_| ()).map_err(|e| {
                            format!(
                                "{} (code {}, {})",
                                e.message(),
                                e.code(),
                                e.data().map_or("", |d| d.get())
                            )
                        }),
                        None => Err("the node's batch response has no entry for this transaction".into()),
                    };
                    let _ = o.result.send(answer);
                }
            }
            Err(e) => {
                let text = e.to_string();
                for o in batch {
                    let _ = o.result.send(Err(text.clone()));
                }
            }
        }
    }
}

/// Fires the waiter of every transaction in block `height` with its outcome, seen at `seen`.
async fn settle_block(client: &HttpClient, waiters: &Waiters, height: u64, seen: Instant) -> bool {
    let Ok(receipts) = client.get_block_receipts(BlockId::Height(height)).await else { return false };
    let mut w = waiters.lock().expect("waiters lock");
    for r in receipts {
        if let Some(tx) = w.remove(&r.tx_hash) {
            let outcome = if r.receipt.success {
                r.receipt
                    .return_data
                    .as_deref()
                    .map(from_hex)
                    .transpose()
                    .map(Option::unwrap_or_default)
                    .map_err(|e| format!("undecodable return data: {e}"))
            } else {
                Err(r.receipt.error.unwrap_or_default())
            };
            let _ = tx.send((seen, outcome));
        }
    }
    true
}

/// Follows finalized blocks and fires the waiter of every transaction in them with its outcome
/// (one receipts call per block, not one call per transaction): through the new-heads
/// subscription on `ws` when there is one, else by polling the head every `POLL`.
async fn watch_blocks(
    client: HttpClient,
    ws: Option<jsonrpsee::ws_client::WsClient>,
    waiters: Waiters,
    stop: Arc<AtomicU64>,
    blocks: Arc<AtomicU64>,
) {
    let mut next = match client.chain_head().await {
        Ok(h) => h.height + 1,
        Err(_) => 1,
    };
    if let Some(ws) = ws {
        if let Ok(mut heads) = ws.subscribe_new_heads(Some(next)).await {
            while stop.load(Ordering::Relaxed) == 0 {
                let head = match tokio::time::timeout(Duration::from_millis(200), heads.next()).await {
                    Ok(Some(Ok(head))) => head.height,
                    Ok(_) => break, // the subscription ended: poll from here
                    Err(_) => continue,
                };
                let seen = Instant::now();
                while next <= head && settle_block(&client, &waiters, next, seen).await {
                    blocks.fetch_add(1, Ordering::Relaxed);
                    next += 1;
                }
            }
        }
    }
    while stop.load(Ordering::Relaxed) == 0 {
        if let Ok(h) = client.chain_head().await {
            let seen = Instant::now();
            while next <= h.height && settle_block(&client, &waiters, next, seen).await {
                blocks.fetch_add(1, Ordering::Relaxed);
                next += 1;
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A node's process CPU seconds, from its Prometheus endpoint (`process_cpu_seconds_total`).
pub async fn node_cpu_seconds(metrics_url: &str) -> Result<f64> {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<hyper::body::Bytes>>();
    let uri: hyper::Uri = metrics_url.parse().map_err(|e| anyhow!("metrics URL {metrics_url}: {e}"))?;
    let response = tokio::time::timeout(Duration::from_secs(10), client.get(uri))
        .await
        .map_err(|_| anyhow!("{metrics_url} did not answer within 10 s"))?
        .map_err(|e| anyhow!("cannot read {metrics_url}: {e}"))?;
    if !response.status().is_success() {
        bail!("{metrics_url} answered {}", response.status());
    }
    // A node's whole exposition is tens of kilobytes; refuse to buffer more than a few MiB.
    let body = http_body_util::Limited::new(response.into_body(), 4 << 20)
        .collect()
        .await
        .map_err(|e| anyhow!("reading {metrics_url}: {e}"))?
        .to_bytes();
    metric_value(&String::from_utf8_lossy(&body), "process_cpu_seconds_total")
        .ok_or_else(|| anyhow!("{metrics_url} has no process_cpu_seconds_total"))
}

/// The value of an unlabelled sample `name` in a Prometheus text exposition.
fn metric_value(exposition: &str, name: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        (parts.next() == Some(name)).then(|| parts.next()?.parse().ok()).flatten()
    })
}

/// This process's CPU time (user and system), seconds.
fn own_cpu_seconds() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| {
        let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
        t(u.user_time()) + t(u.system_time())
    })
}

/// CPU of every node (from `urls`) and of this process, sampled together.
async fn cpu_sample(urls: &[String]) -> Result<(Vec<f64>, f64)> {
    let mut nodes = Vec::with_capacity(urls.len());
    for u in urls {
        nodes.push(node_cpu_seconds(u).await?);
    }
    Ok((nodes, own_cpu_seconds()))
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    // Nearest-rank: the smallest value with at least p % of the samples at or below it.
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// How long the bench's login lasts: just under the most a node accepts.
const BENCH_LOGIN_MS: u64 = scf_rpc_api::MAX_LOGIN_MS - 60_000;

/// Voucher transfers, each member waiting for its previous one's block (see the module comment).
/// Returns the latencies (ms) of the committed ones and the failed count.
#[allow(clippy::too_many_arguments)]
async fn closed_loop(
    env: &Arc<Env>,
    opts: &BenchOptions,
    keys: &[Keypair],
    names: &[String],
    ids: Vec<VoucherId>,
    started: Instant,
    bar: &ProgressBar,
    latencies: &Arc<Mutex<Vec<u64>>>,
) -> Result<u64> {
    let n = keys.len();
    let issued = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for i in 0..n {
        let env = env.clone();
        let key = keys[i].clone();
        let to = names[(i + 1) % n].clone();
        let (issued, failed, latencies, bar) =
            (issued.clone(), failed.clone(), latencies.clone(), bar.clone());
        let mut voucher = ids[i];
        let total = opts.txs;
        let deadline = opts.duration.map(|d| started + d);
        workers.push(tokio::spawn(async move {
            let mut nonce = 1u64;
            while issued.fetch_add(1, Ordering::Relaxed) < total
                && deadline.is_none_or(|d| Instant::now() < d)
            {
                let args = TransferArgs { id: voucher, to: to.clone(), amount: 1 };
                let (hash, hex) = env.sign(&key, nonce, api::receivables::TRANSFER, &args);
                let sent = Instant::now();
                let rx = env.submit(i + nonce as usize, &hash, hex).await?;
                let (seen, outcome) = tokio::time::timeout(Duration::from_secs(120), rx)
                    .await
                    .map_err(|_| anyhow!("transfer {hash} not committed within 120 s"))??;
                latencies.lock().expect("latencies lock").push(seen.duration_since(sent).as_millis() as u64);
                nonce += 1;
                match outcome {
                    Ok(data) => {
                        let r: TransferResult = borsh::from_slice(&data)?;
                        voucher = r.remainder.ok_or_else(|| anyhow!("voucher {voucher} is used up"))?;
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        bail!("transfer {hash} failed: {e}");
                    }
                }
                bar.inc(1);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for w in workers {
        w.await??;
    }
    Ok(failed.load(Ordering::Relaxed))
}

/// Pre-signed token transfers submitted at `rate` per second on schedule (see the module
/// comment). Returns the failed count and the offered rate achieved.
async fn open_loop(
    env: &Arc<Env>,
    rate: u64,
    transfers: Vec<(usize, String, String)>,
    bar: &ProgressBar,
    latencies: &Arc<Mutex<Vec<u64>>>,
) -> Result<(u64, f64)> {
    let failed = Arc::new(AtomicU64::new(0));
    let count = transfers.len();
    let started = tokio::time::Instant::now();
    let mut waiting = Vec::with_capacity(count);
    for (j, (sender, hash, hex)) in transfers.into_iter().enumerate() {
        // On schedule, whatever the chain does: the j-th transfer leaves at j / rate seconds.
        tokio::time::sleep_until(started + Duration::from_secs_f64(j as f64 / rate as f64)).await;
        let (env, failed, latencies, bar) = (env.clone(), failed.clone(), latencies.clone(), bar.clone());
        waiting.push(tokio::spawn(async move {
            let sent = Instant::now();
            // Each member's transfers go to one node, in nonce order.
            let outcome = match env.submit(sender, &hash, hex).await {
                Ok(rx) => match tokio::time::timeout(Duration::from_secs(120), rx).await {
                    Ok(Ok((seen, Ok(_)))) => Ok(seen),
                    Ok(Ok((_, Err(e)))) => Err(e),
                    Ok(Err(_)) | Err(_) => Err("not committed within 120 s".to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(seen) => {
                    latencies
                        .lock()
                        .expect("latencies lock")
                        .push(seen.duration_since(sent).as_millis() as u64);
                    bar.inc(1);
                }
                Err(_) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let offered = count as f64 / started.elapsed().as_secs_f64().max(1e-9);
    for w in waiting {
        let _ = w.await;
    }
    Ok((failed.load(Ordering::Relaxed), offered))
}

pub async fn run(opts: BenchOptions) -> Result<BenchReport> {
    if opts.nodes.is_empty() || opts.concurrency == 0 || opts.txs == 0 || opts.batch == 0 {
        bail!("--node, --txs, --concurrency and --batch must be non-empty and positive");
    }
    if opts.batch > scf_rpc_api::MAX_BATCH_LEN as usize {
        bail!("--batch may be at most {} (the nodes refuse longer batches)", scf_rpc_api::MAX_BATCH_LEN);
    }
    if opts.rate == Some(0) {
        bail!("--rate must be positive");
    }
    if !opts.metrics.is_empty() && opts.metrics.len() != opts.nodes.len() {
        bail!(
            "--metrics names {} endpoints for {} nodes: give one per node, in order",
            opts.metrics.len(),
            opts.nodes.len()
        );
    }
    // An unreachable metrics endpoint fails the run before the setup, not after it.
    cpu_sample(&opts.metrics).await?;
    let anonymous = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(30))
        .build(&opts.nodes[0])
        .map_err(|e| anyhow!("invalid node URL: {e}"))?;
    let head = anonymous.chain_head().await.map_err(|e| anyhow!("cannot reach {}: {e}", opts.nodes[0]))?;
    // The bench reads receipts of every account it drives: it signs in as the platform operator
    // member, which reads everything, for the longest a login may last (a run of more than
    // `BENCH_LOGIN_MS` would have to sign in again).
    let clients = opts
        .nodes
        .iter()
        .map(|u| crate::client::member_client(u, &head.chain_id, &opts.operator, BENCH_LOGIN_MS))
        .collect::<Result<Vec<_>>>()?;
    let mut outboxes = Vec::new();
    for client in clients.iter().filter(|_| opts.batch > 1) {
        let (outbox, waiting) = mpsc::unbounded_channel();
        let waiting = Arc::new(tokio::sync::Mutex::new(waiting));
        for _ in 0..BATCHES_IN_FLIGHT {
            tokio::spawn(send_batches(client.clone(), waiting.clone(), opts.batch));
        }
        outboxes.push(outbox);
    }
    let env =
        Arc::new(Env { clients, outboxes, chain_id: head.chain_id.clone(), waiters: Default::default() });
    let stop = Arc::new(AtomicU64::new(0));
    let blocks = Arc::new(AtomicU64::new(0));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    let login = scf_rpc_api::Credential::login(&opts.operator, &head.chain_id, now + BENCH_LOGIN_MS);
    let ws = crate::client::ws_client(&opts.nodes[0], Some(&login)).await.ok();
    let finality = if ws.is_some() { "subscription" } else { "polling" };
    let watcher = tokio::spawn(watch_blocks(
        env.clients[0].clone(),
        ws,
        env.waiters.clone(),
        stop.clone(),
        blocks.clone(),
    ));

    let say = |m: &str| {
        if !opts.quiet {
            eprintln!("{m}");
        }
    };
    let setup_started = Instant::now();
    let run_id: u32 = rand::random::<u32>() % 1_000_000;
    let n = opts.concurrency;
    let keys: Vec<Keypair> = (0..n)
        .map(|i| Keypair::from_seed(scf_primitives::sha256(format!("scf-bench/{run_id}/{i}").as_bytes()).0))
        .collect();
    let names: Vec<String> = (0..n).map(|i| format!("bench{run_id}-{i}")).collect();

    say(&format!("setup: registering {n} bench members"));
    let op_nonce = env.client(0).get_account(opts.operator.account_id().to_hex()).await?.nonce;
    let registrations = (0..n)
        .map(|i| {
            let args = RegisterArgs::supplier(
                names[i].clone(),
                format!("Benchmark supplier {i}"),
                keys[i].account_id(),
            );
            env.sign(&opts.operator, op_nonce + i as u64, api::registry::REGISTER, &args)
        })
        .collect();
    env.run_all(registrations, "registering bench members").await?;

    let mut ids = Vec::new();
    let mut transfers = Vec::new();
    match opts.rate {
        None => {
            say(&format!("setup: issuing and accepting {n} vouchers"));
            let today = (head.timestamp_ms / MS_PER_DAY) as u32;
            let core_nonce = env.client(0).get_account(opts.issuer.account_id().to_hex()).await?.nonce;
            let issues = (0..n)
                .map(|i| {
                    let args = IssueArgs {
                        to: names[i].clone(),
                        amount: VOUCHER_FACE,
                        currency: "CNY".into(),
                        maturity_day: today + 180,
                        trade_ref: None,
                    };
                    env.sign(&opts.issuer, core_nonce + i as u64, api::receivables::ISSUE, &args)
                })
                .collect();
            ids = env
                .run_all(issues, "issuing bench vouchers")
                .await?
                .iter()
                .map(|d| borsh::from_slice(d).map_err(|e| anyhow!("issue returned {e}")))
                .collect::<Result<_>>()?;
            let accepts = (0..n).map(|i| env.sign(&keys[i], 0, api::receivables::ACCEPT, &ids[i])).collect();
            env.run_all(accepts, "accepting bench vouchers").await?;
        }
        Some(rate) => {
            let count = match opts.duration {
                Some(d) => opts.txs.min((rate as f64 * d.as_secs_f64()).ceil() as u64),
                None => opts.txs,
            } as usize;
            let financier = env
                .client(0)
                .get_account(opts.financier.account_id().to_hex())
                .await?
                .member
                .ok_or_else(|| anyhow!("the financier key {} is no member", opts.financier.account_id()))?
                .name;
            say(&format!(
                "setup: {financier} mints deposit tokens to {n} members; signing {count} transfers"
            ));
            let token = TokenId { financier, currency: "CNY".into() };
            let fin_nonce = env.client(0).get_account(opts.financier.account_id().to_hex()).await?.nonce;
            let per_member = count.div_ceil(n) as u128;
            let mints = (0..n)
                .map(|i| {
                    let args = MintArgs { currency: "CNY".into(), to: names[i].clone(), amount: per_member };
                    env.sign(&opts.financier, fin_nonce + i as u64, api::deposit_token::MINT, &args)
                })
                .collect();
            env.run_all(mints, "minting bench tokens").await?;
            // Signed before the window: the measured phase only submits.
            transfers = (0..count)
                .map(|j| {
                    let i = j % n;
                    let args =
                        TokenTransferArgs { token: token.clone(), to: names[(i + 1) % n].clone(), amount: 1 };
                    let (hash, hex) = env.sign(&keys[i], (j / n) as u64, api::deposit_token::TRANSFER, &args);
                    (i, hash, hex)
                })
                .collect();
        }
    }
    let setup_seconds = setup_started.elapsed().as_secs_f64();

    let planned = if opts.rate.is_some() { transfers.len() as u64 } else { opts.txs };
    match opts.rate {
        None => {
            say(&format!("measuring: {planned} transfers, {n} in flight, over {} node(s)", env.clients.len()))
        }
        Some(r) => say(&format!(
            "measuring: {planned} transfers offered at {r}/s over {} node(s)",
            env.clients.len()
        )),
    }
    let bar = if opts.quiet { ProgressBar::hidden() } else { ProgressBar::new(planned) };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} transfers  {per_sec}  eta {eta}")
            .expect("static template"),
    );
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(planned as usize)));
    blocks.store(0, Ordering::Relaxed);
    let (cpu_before, own_before) = cpu_sample(&opts.metrics).await?;
    let started = Instant::now();
    let (failed, offered_tps) = match opts.rate {
        None => (closed_loop(&env, &opts, &keys, &names, ids, started, &bar, &latencies).await?, None),
        Some(rate) => {
            let (failed, offered) = open_loop(&env, rate, transfers, &bar, &latencies).await?;
            (failed, Some(offered))
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let (cpu_after, own_after) = cpu_sample(&opts.metrics).await?;
    bar.finish_and_clear();
    stop.store(1, Ordering::Relaxed);
    let _ = watcher.await;

    let mut lat = std::mem::take(&mut *latencies.lock().expect("latencies lock"));
    lat.sort_unstable();
    let committed = lat.len() as u64;
    let per_transfer = |seconds: f64| if committed == 0 { 0.0 } else { seconds * 1e6 / committed as f64 };
    Ok(BenchReport {
        nodes: env.clients.len(),
        concurrency: n,
        batch: opts.batch,
        committed,
        failed,
        seconds,
        tps: committed as f64 / seconds,
        latency_ms_p50: percentile(&lat, 50),
        latency_ms_p95: percentile(&lat, 95),
        latency_ms_p99: percentile(&lat, 99),
        latency_ms_max: lat.last().copied().unwrap_or(0),
        blocks: blocks.load(Ordering::Relaxed),
        setup_seconds,
        mode: if opts.rate.is_some() { "open" } else { "closed" },
        offered_tps,
        finality,
        node_cpu_us_per_transfer: cpu_before
            .iter()
            .zip(&cpu_after)
            .map(|(b, a)| per_transfer(a - b))
            .collect(),
        client_cpu_us_per_transfer: per_transfer(own_after - own_before),
    })
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 95), percentile(&v, 99)), (50, 95, 99));
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
        assert_eq!(percentile(&[1, 2, 3], 50), 2);
    }

    #[test]
    fn metric_values_are_read_from_a_prometheus_exposition() {
        let text = "# HELP process_cpu_seconds_total CPU.\n# TYPE process_cpu_seconds_total counter\n\
                    process_cpu_seconds_total_created 1.7e9\nprocess_cpu_seconds_total 12.5\n\
                    scf_height{node=\"a\"} 7\n";
        assert_eq!(super::metric_value(text, "process_cpu_seconds_total"), Some(12.5));
        assert_eq!(super::metric_value(text, "scf_height"), None, "labelled samples are not the plain one");
        assert_eq!(super::metric_value("", "x"), None);
    }
}
