//! `scf finance`: voucher financing (discounting).

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::receivables::{self as rc, Application, DayCount, Voucher, VoucherId};
use serde_json::json;

use super::voucher::{propose, requires_maker_checker};
use crate::{
    amount::{self, money},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum FinanceCmd {
    /// Apply to discount all or part of a voucher at a financier (holder).
    Apply {
        voucher: VoucherId,
        #[arg(long)]
        financier: String,
        /// Part to finance (default: the whole voucher).
        #[arg(long)]
        amount: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Approve an application: pays the net proceeds and takes the voucher (financier).
    Approve {
        application: u64,
        /// Annual discount rate in percent, e.g. 4.35.
        #[arg(long)]
        rate: String,
        #[arg(long, default_value = "0")]
        fee: String,
        /// Registration number in the movable-asset financing registry (中登网).
        #[arg(long)]
        registry_ref: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject an application (financier).
    Reject {
        application: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Withdraw your application before a decision (applicant).
    Withdraw {
        application: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show an application.
    Show { application: u64 },
    /// Choose your day-count basis: act360 (default) or act365 (financier).
    DayCount {
        basis: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub(crate) fn application_json(a: &Application, currency: &str) -> serde_json::Value {
    let d = amount::decimals(currency);
    json!({
        "id": a.id, "voucher": a.voucher, "applicant": a.applicant, "financier": a.financier,
        "face": amount::format(a.face, d), "status": a.status.as_str(),
        "terms": a.terms.as_ref().map(|t| json!({
            "rate_bps": t.rate_bps, "days": t.days,
            "day_count": match t.day_count { DayCount::Act360 => "act360", DayCount::Act365 => "act365" },
            "discount": amount::format(t.discount, d), "fee": amount::format(t.fee, d),
            "net": amount::format(t.net, d), "registry_ref": t.registry_ref,
        })),
    })
}

pub async fn run(ctx: &Ctx, cmd: FinanceCmd) -> Result<()> {
    let currency_of = |id: VoucherId| async move {
        let v: Option<Voucher> = ctx.query(api::receivables::GET, &id).await?;
        v.map(|v| v.currency).ok_or_else(|| anyhow!("voucher {id} does not exist"))
    };
    let application = |id: u64| async move {
        let a: Option<Application> = ctx.query(api::receivables::APPLICATION, &id).await?;
        a.ok_or_else(|| anyhow!("financing application {id} does not exist"))
    };
    match cmd {
        FinanceCmd::Apply { voucher, financier, amount: amt, tx } => {
            let v: Voucher = ctx
                .query::<_, Option<Voucher>>(api::receivables::GET, &voucher)
                .await?
                .ok_or_else(|| anyhow!("voucher {voucher} does not exist"))?;
            let amount = match amt {
                Some(a) => amount::parse(&a, amount::decimals(&v.currency))?,
                None => v.amount,
            };
            let args = rc::ApplyArgs { id: voucher, amount, financier: ctx.member_name(&financier).await? };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::ApplyFinancing(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPLY_FINANCING, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::APPLY_FINANCING,
                |a| json!({ "application_id": a.id }),
                |a| {
                    format!(
                        "application {} for voucher {} ({}) is pending",
                        a.id,
                        a.voucher,
                        money(a.face, &v.currency)
                    )
                },
            )?;
        }
        FinanceCmd::Approve { application: id, rate, fee, registry_ref, tx } => {
            let app = application(id).await?;
            let ccy = currency_of(app.voucher).await?;
            let rate_bps = u32::try_from(amount::parse(rate.trim_end_matches('%'), 2)?)
                .map_err(|_| anyhow!("rate {rate} is out of range"))?;
            let fee = amount::parse(&fee, amount::decimals(&ccy))?;
            let args = rc::ApproveArgs { application: id, rate_bps, fee, registry_ref };
            let view =
                ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPROVE_FINANCING, &args).await?;
            ctx.report(&view, |data| {
                match borsh::from_slice::<Application>(data)
                    .ok()
                    .and_then(|a| a.terms.clone().map(|t| (a, t)))
                {
                    Some((a, t)) => format!(
                        "approved application {}: discount {} over {} days, fee {}, paid {} to {}",
                        a.id,
                        money(t.discount, &ccy),
                        t.days,
                        money(t.fee, &ccy),
                        money(t.net, &ccy),
                        a.applicant
                    ),
                    None => "approved".into(),
                }
            })?;
        }
        FinanceCmd::Reject { application, tx } => {
            let view =
                ctx.call(ctx.signer()?, tx.no_wait, api::receivables::REJECT_FINANCING, &application).await?;
            ctx.report(&view, |_| format!("rejected application {application}"))?;
        }
        FinanceCmd::Withdraw { application, tx } => {
            let view = ctx
                .call(ctx.signer()?, tx.no_wait, api::receivables::WITHDRAW_FINANCING, &application)
                .await?;
            ctx.report(&view, |_| format!("withdrew application {application}"))?;
        }
        FinanceCmd::Show { application: id } => {
            let app = application(id).await?;
            let ccy = currency_of(app.voucher).await?;
            let j = application_json(&app, &ccy);
            if ctx.json {
                print_json(&j);
            } else {
                println!("{}", serde_json::to_string_pretty(&j)?);
            }
        }
        FinanceCmd::DayCount { basis, tx } => {
            let day_count = match basis.as_str() {
                "act360" => DayCount::Act360,
                "act365" => DayCount::Act365,
                other => bail!("day-count basis {other:?} must be act360 or act365"),
            };
            let view = ctx
                .call(
                    ctx.signer()?,
                    tx.no_wait,
                    api::receivables::SET_DAY_COUNT,
                    &rc::SetDayCountArgs { day_count },
                )
                .await?;
            ctx.report(&view, |_| format!("discounts now count days as {basis}"))?;
        }
    }
    Ok(())
}
