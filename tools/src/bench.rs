//! `scf bench`: a closed-loop load generator of voucher transfers.
//!
//! Setup registers `concurrency` fresh supplier members (one new key each), issues each a
//! voucher and has it accepted. Then every member runs a loop: sign a transfer of one minor unit
//! of its voucher to the next member, submit it (nodes taken in turn), wait until a block holds
//! it, read the remainder piece from the receipt, repeat. Throughput is committed transfers per
//! second over the measured phase; latency is submit → first observation in a finalized block
//! (the block watcher polls every `POLL` so figures are coarse by that much).
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
    /// Operator and core-enterprise keys used for the setup (dev keys by default).
    pub operator: Keypair,
    pub issuer: Keypair,
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

/// Follows finalized blocks on `client` and fires the waiter of every transaction in them with
/// its outcome (one receipts call per block, not one call per transaction).
async fn watch_blocks(client: HttpClient, waiters: Waiters, stop: Arc<AtomicU64>, blocks: Arc<AtomicU64>) {
    let mut next = match client.chain_head().await {
        Ok(h) => h.height + 1,
        Err(_) => 1,
    };
    while stop.load(Ordering::Relaxed) == 0 {
        let head = match client.chain_head().await {
            Ok(h) => h.height,
            Err(_) => {
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        while next <= head {
            let Ok(receipts) = client.get_block_receipts(BlockId::Height(next)).await else { break };
            let seen = Instant::now();
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
            blocks.fetch_add(1, Ordering::Relaxed);
            next += 1;
        }
        tokio::time::sleep(POLL).await;
    }
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

pub async fn run(opts: BenchOptions) -> Result<BenchReport> {
    if opts.nodes.is_empty() || opts.concurrency == 0 || opts.txs == 0 || opts.batch == 0 {
        bail!("--node, --txs, --concurrency and --batch must be non-empty and positive");
    }
    if opts.batch > scf_rpc_api::MAX_BATCH_LEN as usize {
        bail!("--batch may be at most {} (the nodes refuse longer batches)", scf_rpc_api::MAX_BATCH_LEN);
    }
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
    let watcher =
        tokio::spawn(watch_blocks(env.clients[0].clone(), env.waiters.clone(), stop.clone(), blocks.clone()));

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

    say(&format!("setup: registering {n} bench members, issuing and accepting {n} vouchers"));
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
    let ids: Vec<VoucherId> = env
        .run_all(issues, "issuing bench vouchers")
        .await?
        .iter()
        .map(|d| borsh::from_slice(d).map_err(|e| anyhow!("issue returned {e}")))
        .collect::<Result<_>>()?;
    let accepts = (0..n).map(|i| env.sign(&keys[i], 0, api::receivables::ACCEPT, &ids[i])).collect();
    env.run_all(accepts, "accepting bench vouchers").await?;
    let setup_seconds = setup_started.elapsed().as_secs_f64();

    say(&format!("measuring: {} transfers, {n} in flight, over {} node(s)", opts.txs, env.clients.len()));
    let bar = if opts.quiet { ProgressBar::hidden() } else { ProgressBar::new(opts.txs) };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} transfers  {per_sec}  eta {eta}")
            .expect("static template"),
    );
    let issued = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(opts.txs as usize)));
    blocks.store(0, Ordering::Relaxed);
    let started = Instant::now();
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
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    stop.store(1, Ordering::Relaxed);
    let _ = watcher.await;

    let mut lat = std::mem::take(&mut *latencies.lock().expect("latencies lock"));
    lat.sort_unstable();
    let committed = lat.len() as u64;
    Ok(BenchReport {
        nodes: env.clients.len(),
        concurrency: n,
        batch: opts.batch,
        committed,
        failed: failed.load(Ordering::Relaxed),
        seconds,
        tps: committed as f64 / seconds,
        latency_ms_p50: percentile(&lat, 50),
        latency_ms_p95: percentile(&lat, 95),
        latency_ms_p99: percentile(&lat, 99),
        latency_ms_max: lat.last().copied().unwrap_or(0),
        blocks: blocks.load(Ordering::Relaxed),
        setup_seconds,
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
}
