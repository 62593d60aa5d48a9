//! `scf credit`: core enterprises' credit lines.

use anyhow::{bail, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::receivables::{self as rc, CreditKey, CreditLine};
use serde_json::json;

use crate::{
    amount::{self, money},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum CreditCmd {
    /// Set a core enterprise's issuance limit (operator or financier).
    Grant {
        #[arg(long)]
        core: String,
        #[arg(long)]
        limit: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// A core enterprise's limit and outstanding vouchers.
    Show {
        #[arg(long)]
        core: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: CreditCmd) -> Result<()> {
    match cmd {
        CreditCmd::Grant { core, limit, currency, tx } => {
            let limit = amount::parse(&limit, amount::decimals(&currency))?;
            let core = ctx.member_name(&core).await?;
            let args = rc::GrantCreditArgs { core: core.clone(), currency: currency.clone(), limit };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::GRANT_CREDIT, &args).await?;
            ctx.report(&view, |_| {
                format!("{core} may now have up to {} outstanding", money(limit, &currency))
            })?;
        }
        CreditCmd::Show { core, currency } => {
            let core = ctx.member_name(&core).await?;
            let line: Option<CreditLine> = ctx
                .query(
                    api::receivables::CREDIT,
                    &CreditKey { core: core.clone(), currency: currency.clone() },
                )
                .await?;
            let Some(l) = line else { bail!("{core} has no credit line in {currency}") };
            let d = amount::decimals(&currency);
            if ctx.json {
                print_json(
                    &json!({"core": l.core, "currency": l.currency, "limit": amount::format(l.limit, d),
                    "outstanding": amount::format(l.outstanding, d),
                    "available": amount::format(l.limit.saturating_sub(l.outstanding), d), "granted_by": l.granted_by}),
                );
            } else {
                println!(
                    "{} {}: limit {}, outstanding {}, available {} (granted by {})",
                    l.core,
                    l.currency,
                    amount::format(l.limit, d),
                    amount::format(l.outstanding, d),
                    amount::format(l.limit.saturating_sub(l.outstanding), d),
                    l.granted_by
                );
            }
        }
    }
    Ok(())
}
