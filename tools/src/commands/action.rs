//! `scf action`: maker–checker actions.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::receivables::{self as rc, format_date};
use serde_json::json;

use crate::{
    amount::{self},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum ActionCmd {
    /// Open actions of a member (default: the `--as` key's member).
    List {
        #[arg(long)]
        member: Option<String>,
    },
    /// One action.
    Show { id: u64 },
    /// Approve and run an action proposed by another account of your member (checker).
    Approve {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject (or, as its maker, withdraw) an open action.
    Reject {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub(crate) fn action_json(a: &rc::PendingAction) -> serde_json::Value {
    let details = match &a.action {
        rc::ProposedAction::Issue(i) => json!({"to": i.to, "amount_minor": i.amount.to_string(),
            "amount": amount::format(i.amount, amount::decimals(&i.currency)), "currency": i.currency,
            "maturity": format_date(i.maturity_day), "trade_ref": i.trade_ref.map(|h| h.to_hex())}),
        rc::ProposedAction::Transfer(t) => {
            json!({"voucher": t.id, "to": t.to, "amount_minor": t.amount.to_string()})
        }
        rc::ProposedAction::ApplyFinancing(f) => {
            json!({"voucher": f.id, "financier": f.financier, "amount_minor": f.amount.to_string()})
        }
    };
    json!({"id": a.id, "member": a.member, "kind": a.action.as_str(), "details": details,
           "status": a.status.as_str(), "proposed_by": a.proposed_by.to_hex(),
           "proposed_at_ms": a.proposed_at_ms, "decided_by": a.decided_by.map(|d| d.to_hex())})
}

pub(crate) fn print_action(ctx: &Ctx, a: &rc::PendingAction) {
    let j = action_json(a);
    if ctx.json {
        print_json(&j);
    } else {
        println!(
            "action {} by {} ({}): {} {}  [{}]",
            a.id, a.member, a.proposed_by, j["kind"], j["details"], j["status"]
        );
    }
}

pub async fn run(ctx: &Ctx, cmd: ActionCmd) -> Result<()> {
    match cmd {
        ActionCmd::List { member } => {
            let member = match member {
                Some(m) => ctx.member_name(&m).await?,
                None => ctx.member_name(ctx.signer()?).await?,
            };
            let open: Vec<rc::PendingAction> = ctx.query(api::receivables::PENDING_ACTIONS, &member).await?;
            if ctx.json {
                print_json(&json!(open.iter().map(action_json).collect::<Vec<_>>()));
            } else if open.is_empty() {
                println!("{member} has no open actions");
            } else {
                for a in &open {
                    print_action(ctx, a);
                }
            }
        }
        ActionCmd::Show { id } => {
            let a: Option<rc::PendingAction> = ctx.query(api::receivables::ACTION, &id).await?;
            print_action(ctx, &a.ok_or_else(|| anyhow!("action {id} does not exist"))?);
        }
        ActionCmd::Approve { id, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPROVE_ACTION, &id).await?;
            ctx.report(&view, |data| match borsh::from_slice::<rc::ActionOutcome>(data) {
                Ok(rc::ActionOutcome::Issued(v)) => format!("approved action {id}: issued voucher {v}"),
                Ok(rc::ActionOutcome::Transferred(r)) => match r.remainder {
                    Some(rest) => format!(
                        "approved action {id}: transferred as voucher {}; remainder is voucher {rest}",
                        r.transferred
                    ),
                    None => format!("approved action {id}: transferred as voucher {}", r.transferred),
                },
                Ok(rc::ActionOutcome::FinancingRequested(a)) => {
                    format!(
                        "approved action {id}: financing application {} for voucher {} is pending",
                        a.id, a.voucher
                    )
                }
                Err(_) => format!("approved action {id}"),
            })?;
        }
        ActionCmd::Reject { id, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::REJECT_ACTION, &id).await?;
            ctx.report(&view, |_| format!("rejected action {id}"))?;
        }
    }
    Ok(())
}
