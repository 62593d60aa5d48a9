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

pub async fn run(ctx: &Ctx, cmd: TxCmd) -> Result<()> {
    let TxCmd::Show { hash } = cmd;
    let t = ctx.client.get_transaction(hash).await.map_err(rpc_err)?;
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
