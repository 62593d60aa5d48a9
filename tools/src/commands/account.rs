//! `scf account`: an account's nonce and member.

use anyhow::Result;
use clap::Subcommand;
use scf_rpc_api::ScfApiClient;

use crate::client::{print_json, rpc_err, Ctx};

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Nonce and membership of an account (hex, key name or member name).
    Show { account: String },
}

pub async fn run(ctx: &Ctx, cmd: AccountCmd) -> Result<()> {
    let AccountCmd::Show { account } = cmd;
    let a = ctx.resolve_account(&account).await?;
    let v = ctx.client.get_account(a.to_hex()).await.map_err(rpc_err)?;
    if ctx.json {
        print_json(&serde_json::to_value(&v)?);
    } else {
        println!("account  {}\nnonce    {}", v.account, v.nonce);
        match v.member {
            Some(m) => {
                println!("member   {} ({}){}", m.name, m.role, if m.active { "" } else { ", SUSPENDED" })
            }
            None => println!("member   none"),
        }
    }
    Ok(())
}
