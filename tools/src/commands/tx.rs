//! `scf tx`: transactions and their receipts.

use anyhow::Result;
use clap::Subcommand;
use scf_rpc_api::ScfApiClient;

use crate::client::{print_json, rpc_err, Ctx};

#[derive(Subcommand)]
pub enum TxCmd {
    /// A transaction's status and receipt.
    Show { hash: String },
}

/// What a transaction the node does not know means, and what to do.
const NOT_FOUND_HELP: &str = "\
this node has no such transaction, pending or committed, that you may see. If this node acknowledged \
it, it left the pool without executing: it waited behind a nonce gap longer than the pool keeps such \
transactions, it was evicted for a less busy sender, or another transaction used its nonce. Nothing of \
it executed. Send it again (a signed transaction executes at most once), or sign it anew with the \
sender's next nonce (`scf account show`). Acknowledged transactions survive a restart of the node.";

pub async fn run(ctx: &Ctx, cmd: TxCmd) -> Result<()> {
    let TxCmd::Show { hash } = cmd;
    let t = match ctx.client.get_transaction(hash.clone()).await {
        Ok(t) => t,
        Err(jsonrpsee::core::client::Error::Call(e)) if e.code() == scf_rpc_api::codes::NOT_FOUND => {
            anyhow::bail!("transaction {hash} not found [not_found]: {NOT_FOUND_HELP}")
        }
        Err(e) => return Err(rpc_err(e)),
    };
    if ctx.json {
        print_json(&serde_json::to_value(&t)?);
    } else {
        println!("hash     {}\nstatus   {:?}\nsender   {}\nnonce    {}", t.hash, t.status, t.sender, t.nonce);
        if let Some(r) = &t.receipt {
            println!(
                "block    {}\n{:<8} {} {}",
                t.block_height.unwrap_or(0),
                t.kind,
                t.contract.as_deref().unwrap_or(""),
                t.method.as_deref().unwrap_or("")
            );
            if r.success {
                println!("result   success, fuel {}", r.fuel_used);
            } else {
                println!(
                    "result   FAILED [{}]: {}",
                    r.error_kind.as_deref().unwrap_or(""),
                    r.error.as_deref().unwrap_or("")
                );
            }
            for e in &r.events {
                let subjects: Vec<String> =
                    e.subjects.iter().map(|s| format!("{} {}", s.kind, s.id)).collect();
                println!(
                    "event    {} [{}] ({}) {}",
                    e.topic,
                    subjects.join(", "),
                    e.parties.join(", "),
                    e.data
                );
            }
        }
    }
    Ok(())
}
