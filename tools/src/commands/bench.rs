//! `scf bench`: the load generator.
use std::time::Duration;

use anyhow::Result;

use crate::{
    bench,
    client::{print_json, Ctx},
};

/// Load generator: transfers from many accounts; prints throughput, submit→finality latency and
/// the CPU each committed transfer cost each node and this client. Needs the dev members (dev
/// chain or `scf genesis new` localnet).
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Transfers to commit.
    #[arg(long, default_value_t = 10_000)]
    txs: u64,
    /// Stop starting transfers after this many seconds (a sustained run), even if fewer
    /// than `--txs` were committed.
    #[arg(long)]
    duration: Option<u64>,
    /// Accounts transferring at once (each waits for its previous transfer's block).
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Most transactions per JSON-RPC batch request to a node (1: one request each).
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Open loop: offer this many transfers per second, pre-signed and sent on schedule whatever
    /// the chain does (deposit-token transfers; `--duration` bounds the run). Without it: the
    /// closed loop of voucher transfers.
    #[arg(long)]
    rate: Option<u64>,
    /// Each node's Prometheus endpoint, in `--node` order (`http://127.0.0.1:9615/metrics`): the
    /// report gives each node's CPU per committed transfer over the measured window.
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// A localnet directory (`scf genesis new`): its validators are the nodes and their metrics
    /// endpoints are read, instead of `--node` and `--metrics`.
    #[arg(long)]
    localnet: Option<std::path::PathBuf>,
}

/// Runs the load against `nodes` (the `--node` URLs).
pub async fn run(ctx: &Ctx, args: BenchArgs, nodes: Vec<String>) -> Result<()> {
    let BenchArgs { txs, duration, concurrency, batch, rate, mut metrics, localnet } = args;
    let mut nodes = nodes;
    if let Some(dir) = localnet {
        let manifest = crate::localnet::load(&dir)?;
        let validators: Vec<_> = manifest.nodes.iter().filter(|n| n.role == "validator").collect();
        nodes = validators.iter().map(|n| format!("http://{}", n.rpc)).collect();
        metrics = validators
            .iter()
            .map(|n| {
                n.metrics.as_ref().map(|m| format!("http://{m}/metrics")).ok_or_else(|| {
                    anyhow::anyhow!("{} has no metrics address (a localnet from before metrics)", n.name)
                })
            })
            .collect::<Result<_>>()?;
    }
    let report = bench::run(bench::BenchOptions {
        nodes,
        txs,
        duration: duration.map(Duration::from_secs),
        concurrency,
        batch,
        rate,
        metrics,
        operator: ctx.keys.get("operator")?,
        issuer: ctx.keys.get("core")?,
        financier: ctx.keys.get("bank")?,
        quiet: ctx.json,
    })
    .await?;
    if ctx.json {
        print_json(&serde_json::to_value(&report)?);
    } else {
        println!(
            "committed {} transfers in {:.1} s over {} blocks: {:.0} tx/s ({} node(s), {} in flight, batches of up to {})",
            report.committed,
            report.seconds,
            report.blocks,
            report.tps,
            report.nodes,
            report.concurrency,
            report.batch
        );
        println!(
            "submit→finality latency: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
            report.latency_ms_p50, report.latency_ms_p95, report.latency_ms_p99, report.latency_ms_max
        );
        if let Some(offered) = report.offered_tps {
            println!("open loop: offered {offered:.0} transfers/s");
        }
        println!(
            "finality seen by {}; setup took {:.1} s; {} transfers failed",
            report.finality, report.setup_seconds, report.failed
        );
        let nodes: Vec<String> =
            report.node_cpu_us_per_transfer.iter().map(|us| format!("{us:.0}")).collect();
        if !nodes.is_empty() {
            println!("CPU per committed transfer, each node: {} µs", nodes.join(" / "));
        }
        println!("CPU per committed transfer, this client: {:.0} µs", report.client_cpu_us_per_transfer);
    }
    Ok(())
}
