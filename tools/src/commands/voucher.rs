//! `scf voucher`: payable vouchers.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::receivables::{self as rc, format_date, Voucher, VoucherId};
use scf_primitives::{Amount, Hash};
use serde_json::json;

use crate::{
    amount::{self, money},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum VoucherCmd {
    /// Issue a voucher (core enterprise).
    Issue {
        /// Recipient: member name.
        #[arg(long)]
        to: String,
        /// Decimal amount, e.g. 1000.00.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Maturity date: YYYY-MM-DD, or +DAYSd counted from the chain's current day (e.g. +90d).
        #[arg(long)]
        maturity: String,
        /// Hash of the trade contract or invoice backing it.
        #[arg(long = "ref")]
        trade_ref: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept a voucher issued to you.
    Accept {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a voucher issued to you.
    Reject {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Cancel a voucher you issued that is not yet accepted.
    Cancel {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Transfer all or part of a voucher to another member.
    Transfer {
        id: VoucherId,
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Pay every holder of a root voucher at maturity (issuer), in `--token`'s financier's tokens.
    Settle {
        root: VoucherId,
        /// Financier whose deposit tokens pay (the issuer must have approved the receivables contract).
        #[arg(long)]
        token: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Mark the unpaid pieces of a matured root overdue.
    MarkOverdue {
        root: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Freeze a voucher (auditor or operator).
    Freeze {
        id: VoucherId,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Lift a freeze (auditor or operator).
    Unfreeze {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show one voucher.
    Show { id: VoucherId },
    /// List the live vouchers a member holds.
    List {
        #[arg(long)]
        holder: String,
    },
    /// The full tree of pieces of a voucher's root (穿透).
    Lineage { id: VoucherId },
}

pub(crate) fn voucher_json(v: &Voucher) -> serde_json::Value {
    let d = amount::decimals(&v.currency);
    json!({
        "id": v.id, "root_id": v.root_id, "parent_id": v.parent_id,
        "issuer": v.issuer, "holder": v.holder,
        "amount": amount::format(v.amount, d), "amount_minor": v.amount.to_string(),
        "currency": v.currency, "maturity": format_date(v.maturity_day),
        "issued_at_ms": v.issued_at_ms,
        "trade_ref": v.trade_ref.map(|h| h.to_hex()), "status": v.status.as_str(), "frozen": v.frozen,
        "financed_by": v.financed_by, "locked_by": v.locked_by,
    })
}

pub(crate) fn print_vouchers(ctx: &Ctx, vouchers: &[Voucher], totals: bool) {
    if ctx.json {
        print_json(&json!(vouchers.iter().map(voucher_json).collect::<Vec<_>>()));
        return;
    }
    println!(
        "{:>6} {:>6} {:>6}  {:<12} {:<12} {:>18} {:<4} {:<10} {:<18}",
        "ID", "ROOT", "PARENT", "ISSUER", "HOLDER", "AMOUNT", "CCY", "MATURITY", "STATUS"
    );
    for v in vouchers {
        let mut status = v.status.as_str().to_string();
        if v.frozen.is_some() {
            status.push_str(" (frozen)");
        }
        println!(
            "{:>6} {:>6} {:>6}  {:<12} {:<12} {:>18} {:<4} {:<10} {:<18}",
            v.id,
            v.root_id,
            v.parent_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            v.issuer,
            v.holder,
            amount::format(v.amount, amount::decimals(&v.currency)),
            v.currency,
            format_date(v.maturity_day),
            status
        );
    }
    if totals {
        let mut sums: std::collections::BTreeMap<&str, u128> = Default::default();
        for v in vouchers.iter().filter(|v| v.status.is_live()) {
            *sums.entry(v.currency.as_str()).or_default() += v.amount;
        }
        for (ccy, total) in sums {
            println!("total live: {}", money(total, ccy));
        }
    }
}

pub async fn run(ctx: &Ctx, cmd: VoucherCmd) -> Result<()> {
    let load = |id: VoucherId| async move {
        let v: Option<Voucher> = ctx.query(api::receivables::GET, &id).await?;
        v.ok_or_else(|| anyhow!("voucher {id} does not exist"))
    };
    match cmd {
        VoucherCmd::Issue { to, amount: amt, currency, maturity, trade_ref, tx } => {
            let to = ctx.member_name(&to).await?;
            let amount = amount::parse(&amt, amount::decimals(&currency))?;
            let maturity_day = ctx.day(&maturity, "--maturity").await?;
            let trade_ref = trade_ref
                .map(|r| Hash::from_hex(&r).ok_or_else(|| anyhow!("--ref must be 32 bytes of hex")))
                .transpose()?;
            let args = rc::IssueArgs { to, amount, currency, maturity_day, trade_ref };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::Issue(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::ISSUE, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::ISSUE,
                |id| json!({ "voucher_id": id }),
                |id| format!("issued voucher {id}"),
            )?;
        }
        VoucherCmd::Accept { id, tx } => {
            ctx.send(&tx, api::receivables::ACCEPT, &id, |_| format!("accepted voucher {id}")).await?
        }
        VoucherCmd::Reject { id, tx } => {
            ctx.send(&tx, api::receivables::REJECT, &id, |_| format!("rejected voucher {id}")).await?
        }
        VoucherCmd::Cancel { id, tx } => {
            ctx.send(&tx, api::receivables::CANCEL, &id, |_| format!("cancelled voucher {id}")).await?
        }
        VoucherCmd::Unfreeze { id, tx } => {
            ctx.send(&tx, api::receivables::UNFREEZE, &id, |_| format!("unfroze voucher {id}")).await?
        }
        VoucherCmd::Freeze { id, reason, tx } => {
            ctx.send(&tx, api::receivables::FREEZE, &rc::FreezeArgs { id, reason }, |_| {
                format!("froze voucher {id}")
            })
            .await?
        }
        VoucherCmd::Transfer { id, to, amount: amt, tx } => {
            let v = load(id).await?;
            let to = ctx.member_name(&to).await?;
            let amount = amount::parse(&amt, amount::decimals(&v.currency))?;
            let args = rc::TransferArgs { id, to, amount };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::Transfer(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::TRANSFER, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::TRANSFER,
                |r| json!({ "transferred_id": r.transferred, "remainder_id": r.remainder }),
                |r| match r.remainder {
                    Some(rest) => {
                        format!("transferred as voucher {}; remainder is voucher {rest}", r.transferred)
                    }
                    None => format!("transferred as voucher {}", r.transferred),
                },
            )?;
        }
        VoucherCmd::Settle { root, token, tx } => {
            let v = load(root).await?;
            let args = rc::SettleArgs { root, token_financier: ctx.member_name(&token).await? };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::SETTLE, &args).await?;
            // One call pays at most 100 pieces; say when another is needed (in JSON too, so a
            // script knows whether to call again).
            let unpaid = if view.receipt.as_ref().is_some_and(|r| r.success) {
                let pieces: Vec<Voucher> = ctx.query(api::receivables::LINEAGE, &root).await?;
                Some(pieces.iter().filter(|p| p.status.is_live() && p.frozen.is_none()).count())
            } else {
                None
            };
            let mut extra = serde_json::Map::new();
            if let Some(left) = unpaid {
                extra.insert("unpaid_pieces".into(), left.into());
            }
            ctx.report_with(&view, extra, |data| match borsh::from_slice::<Amount>(data) {
                Ok(paid) => {
                    format!("settled voucher {root}: paid {} to its holders", money(paid, &v.currency))
                }
                Err(_) => "settled".into(),
            })?;
            if let (Some(left @ 1..), false) = (unpaid, ctx.json) {
                println!("  {left} live pieces are still unpaid (100 per call): run this command again");
            }
        }
        VoucherCmd::MarkOverdue { root, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::MARK_OVERDUE, &root).await?;
            ctx.report(&view, |data| match borsh::from_slice::<Vec<VoucherId>>(data) {
                Ok(ids) => format!("vouchers {ids:?} are overdue"),
                Err(_) => "marked overdue".into(),
            })?;
        }
        VoucherCmd::Show { id } => {
            let v = load(id).await?;
            if ctx.json {
                print_json(&voucher_json(&v));
            } else {
                print_vouchers(ctx, &[v], false);
            }
        }
        VoucherCmd::List { holder } => {
            let holder = ctx.member_name(&holder).await?;
            let vouchers: Vec<Voucher> = ctx.query(api::receivables::LIST_BY_HOLDER, &holder).await?;
            print_vouchers(ctx, &vouchers, true);
        }
        VoucherCmd::Lineage { id } => {
            let vouchers: Vec<Voucher> = ctx.query(api::receivables::LINEAGE, &id).await?;
            print_vouchers(ctx, &vouchers, true);
        }
    }
    Ok(())
}

/// Whether the `--as` key's member must propose its issuances, transfers and applications.
pub(crate) async fn requires_maker_checker(ctx: &Ctx) -> Result<bool> {
    Ok(ctx.member(ctx.signer()?).await?.maker_checker)
}

/// Maker: records the action for another account of the member to approve.
pub(crate) async fn propose(ctx: &Ctx, tx: &TxOpts, action: rc::ProposedAction) -> Result<()> {
    let what = action.as_str();
    let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::PROPOSE, &action).await?;
    ctx.report_value(
        &view,
        api::receivables::PROPOSE,
        |p| json!({ "action_id": p.id }),
        |p| {
            format!(
                "{} requires maker–checker: proposed {what} as action {}; another of its accounts approves it \
                 with `scf action approve {} --as KEY`",
                p.member, p.id, p.id
            )
        },
    )
}
