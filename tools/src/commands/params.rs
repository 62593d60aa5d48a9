//! `scf params`: the receivables contract's chain parameters.

use anyhow::Result;
use clap::Subcommand;
use scf_interface as api;
use scf_interface::receivables::{self as rc};
use serde_json::json;

use crate::client::{print_json, Ctx, TxOpts};

#[derive(Subcommand)]
pub enum ParamsCmd {
    /// Current parameters.
    Show,
    /// Set the longest term of new vouchers, 1-365 days (operator).
    SetMaxTerm {
        days: u32,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub async fn run(ctx: &Ctx, cmd: ParamsCmd) -> Result<()> {
    match cmd {
        ParamsCmd::Show => {
            let p: rc::Params = ctx.query(api::receivables::GET_PARAMS, &()).await?;
            if ctx.json {
                print_json(&json!({"max_term_days": p.max_term_days}));
            } else {
                println!("max term  {} days", p.max_term_days);
            }
        }
        ParamsCmd::SetMaxTerm { days, tx } => {
            let args = rc::Params { max_term_days: days };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::SET_PARAMS, &args).await?;
            ctx.report(&view, |_| format!("new vouchers may run at most {days} days"))?;
        }
    }
    Ok(())
}
