//! `scf block`: finalized blocks.

use anyhow::Result;
use clap::Subcommand;
use scf_rpc_api::{BlockId, ScfApiClient};

use crate::client::{print_json, rpc_err, Ctx};

#[derive(Subcommand)]
pub enum BlockCmd {
    /// A block by height or hash.
    Show { id: String },
}

pub async fn run(ctx: &Ctx, cmd: BlockCmd) -> Result<()> {
    let BlockCmd::Show { id } = cmd;
    let id = match id.parse::<u64>() {
        Ok(h) => BlockId::Height(h),
        Err(_) => BlockId::Hash(id),
    };
    let b = ctx.client.get_block(id).await.map_err(rpc_err)?;
    if ctx.json {
        print_json(&serde_json::to_value(&b)?);
    } else {
        println!(
            "height        {}\nhash          {}\nparent        {}\ntime          {} ms\nproposer      {}\ntx root       {}\nstate root    {}\nreceipts root {}\ntransactions  {}",
            b.height, b.hash, b.parent_hash, b.timestamp_ms, b.proposer, b.tx_root, b.state_root, b.receipts_root, b.transactions.len()
        );
        for t in &b.transactions {
            println!("  {t}");
        }
    }
    Ok(())
}
