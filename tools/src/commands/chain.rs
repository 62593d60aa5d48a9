//! `scf chain`: the chain head.

use anyhow::Result;
use clap::Subcommand;
use scf_interface::receivables::{self as rc, format_date};
use scf_rpc_api::ScfApiClient;

use crate::client::{print_json, rpc_err, Ctx};

#[derive(Subcommand)]
pub enum ChainCmd {
    /// Height, hash and state root of the latest block.
    Status,
}

pub async fn run(ctx: &Ctx, cmd: ChainCmd) -> Result<()> {
    let ChainCmd::Status = cmd;
    let h = ctx.client.chain_head().await.map_err(rpc_err)?;
    if ctx.json {
        print_json(&serde_json::to_value(&h)?);
    } else {
        println!(
            "chain       {}\nheight      {}\nhash        {}\nstate root  {}\ntime        {} ({} ms)\ngenesis     {}",
            h.chain_id,
            h.height,
            h.hash,
            h.state_root,
            format_date((h.timestamp_ms / rc::MS_PER_DAY) as u32),
            h.timestamp_ms,
            h.genesis_hash
        );
    }
    Ok(())
}
