//! `scf dev`: development-chain helpers.

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use scf_interface::receivables::{self as rc, format_date};
use scf_rpc_api::ScfApiClient;

use crate::client::{print_json, rpc_err, Ctx};

#[derive(Subcommand)]
pub enum DevCmd {
    /// Move the dev chain's clock forward, e.g. `90d`, `12h`, `30m`, `45s` (dev chains only).
    AdvanceTime { duration: String },
}

pub(crate) fn parse_duration_secs(s: &str) -> Result<u64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| anyhow!("duration {s:?} must look like 90d, 12h, 30m or 45s"))?;
    let scale = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" | "" => 1,
        _ => bail!("duration {s:?}: unit must be d, h, m or s"),
    };
    n.checked_mul(scale).ok_or_else(|| anyhow!("duration {s:?} is too long"))
}

pub async fn run(ctx: &Ctx, cmd: DevCmd) -> Result<()> {
    let DevCmd::AdvanceTime { duration } = cmd;
    let secs = parse_duration_secs(&duration)?;
    let t = ctx.client.dev_advance_time(secs).await.map_err(rpc_err)?;
    if ctx.json {
        print_json(&serde_json::to_value(&t)?);
    } else {
        println!(
            "chain clock is now {} ({} days ahead of the wall clock); the next block carries it",
            format_date((t.chain_now_ms / rc::MS_PER_DAY) as u32),
            t.offset_ms / rc::MS_PER_DAY
        );
    }
    Ok(())
}
