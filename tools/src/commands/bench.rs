//! `scf bench`: the load generator.
use std::time::Duration;

use anyhow::Result;

use crate::{
    bench,
    client::{print_json, Ctx},
};

/// Load generator: voucher transfers from many accounts; prints throughput and submit→finality
/// latency. Needs the dev members (dev chain or `scf genesis new` localnet).
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
}

/// Runs the load against `nodes` (the `--node` URLs).
pub async fn run(ctx: &Ctx, args: BenchArgs, nodes: Vec<String>) -> Result<()> {
    let BenchArgs { txs, duration, concurrency, batch } = args;
    let report = bench::run(bench::BenchOptions {
        nodes,
        txs,
        duration: duration.map(Duration::from_secs),
        concurrency,
        batch,
        operator: ctx.keys.get("operator")?,
        issuer: ctx.keys.get("core")?,
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
        println!("setup took {:.1} s; {} transfers failed", report.setup_seconds, report.failed);
    }
    Ok(())
}
