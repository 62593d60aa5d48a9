//! `scf demo discounting`: the whole receivables story on a running dev chain, step by step.
//!
//! core issues 1,000,000.00 CNY payable in 90 days to supplier1; supplier1 passes 300,000.00 to
//! supplier2; supplier2 discounts its piece at `bank` at 4.35 % a year and is paid in the same
//! transaction; the chain's clock moves 90 days forward; core settles and bank and supplier1 are
//! paid.
use anyhow::{bail, Result};
use scf_primitives::apps::{
    deposit_token::{ApproveArgs, BalanceArgs, MintArgs, TokenId},
    receivables::{
        format_date, Application, ApplyArgs, ApproveArgs as ApproveFinancing, IssueArgs, SettleArgs,
        TransferArgs, TransferResult, Voucher, VoucherId, MS_PER_DAY,
    },
};
use scf_primitives::{Amount, ContractAddress};
use scf_rpc_api::ScfApiClient;
use serde_json::json;

use crate::{
    amount::format,
    client::{returned, rpc_err, Ctx},
};

const CCY: &str = "CNY";

fn cny(units: Amount) -> String {
    format!("{} {CCY}", format(units, 2))
}

struct Story<'a> {
    ctx: &'a Ctx,
    step: u32,
}

impl Story<'_> {
    fn say(&mut self, what: impl AsRef<str>) {
        self.step += 1;
        if !self.ctx.json {
            println!("\n[{}] {}", self.step, what.as_ref());
        }
    }

    fn detail(&self, what: impl AsRef<str>) {
        if !self.ctx.json {
            println!("      {}", what.as_ref());
        }
    }

    async fn balance(&self, member: &str) -> Result<Amount> {
        let token = TokenId { financier: "bank".into(), currency: CCY.into() };
        // Each party reads its own balance with a query signed by its key (dev keys share the
        // members' names); nobody else may see it.
        let own = self.ctx.acting_as(member)?;
        own.query("deposit_token", "balance", &BalanceArgs { token, member: member.into() }).await
    }
}

pub async fn discounting(ctx: &Ctx) -> Result<serde_json::Value> {
    let mut s = Story { ctx, step: 0 };
    let token = TokenId { financier: "bank".into(), currency: CCY.into() };
    let receivables = ContractAddress::system("receivables");

    s.say("bank mints deposit tokens: 1,000,000.00 CNY for itself and 1,000,000.00 CNY of core's deposits");
    for to in ["bank", "core"] {
        ctx.call(
            "bank",
            false,
            "deposit_token",
            "mint",
            &MintArgs { currency: CCY.into(), to: to.into(), amount: 100_000_000 },
        )
        .await?;
    }
    s.detail(format!(
        "bank holds {}, core holds {}",
        cny(s.balance("bank").await?),
        cny(s.balance("core").await?)
    ));

    s.say("core and bank let the receivables contract move their bank/CNY tokens (settlement, disbursement)");
    for who in ["core", "bank"] {
        let args = ApproveArgs { token: token.clone(), spender: receivables, amount: 100_000_000 };
        ctx.call(who, false, "deposit_token", "approve", &args).await?;
    }

    // Today is the date of the latest block, which the mints above just produced (the genesis
    // header's date may be long past).
    let head = ctx.client.chain_head().await.map_err(rpc_err)?;
    let today = (head.timestamp_ms / MS_PER_DAY) as u32;
    let maturity_day = today + 90;
    s.say(format!(
        "core issues 1,000,000.00 CNY to supplier1, maturing {} (90 days)",
        format_date(maturity_day)
    ));
    let issue = IssueArgs {
        to: "supplier1".into(),
        amount: 100_000_000,
        currency: CCY.into(),
        maturity_day,
        trade_ref: None,
    };
    let root: VoucherId = returned(&ctx.call("core", false, "receivables", "issue", &issue).await?)?;
    s.detail(format!("voucher {root} issued"));

    s.say(format!("supplier1 accepts voucher {root}"));
    ctx.call("supplier1", false, "receivables", "accept", &root).await?;

    s.say("supplier1 transfers 300,000.00 CNY of it to supplier2");
    let t = TransferArgs { id: root, to: "supplier2".into(), amount: 30_000_000 };
    let split: TransferResult =
        returned(&ctx.call("supplier1", false, "receivables", "transfer", &t).await?)?;
    let kept = split.remainder.unwrap_or(root);
    s.detail(format!("supplier2 holds voucher {}, supplier1 keeps voucher {kept}", split.transferred));

    s.say(format!("supplier2 applies to bank to discount voucher {}", split.transferred));
    let apply = ApplyArgs { id: split.transferred, amount: 30_000_000, financier: "bank".into() };
    let app: Application =
        returned(&ctx.call("supplier2", false, "receivables", "apply_financing", &apply).await?)?;
    s.detail(format!("application {} pending; the voucher is locked", app.id));

    let before = s.balance("supplier2").await?;
    s.say("bank approves at 4.35 % a year (ACT/360): the voucher passes to bank and supplier2 is paid, atomically");
    let approve =
        ApproveFinancing { application: app.id, rate_bps: 435, fee: 0, registry_ref: "ZDW-DEMO-0001".into() };
    let approved: Application =
        returned(&ctx.call("bank", false, "receivables", "approve_financing", &approve).await?)?;
    let Some(terms) = approved.terms.clone() else { bail!("approved application without terms") };
    let paid = s.balance("supplier2").await? - before;
    s.detail(format!(
        "face {}  days {}  discount {}  fee {}",
        cny(approved.face),
        terms.days,
        cny(terms.discount),
        cny(terms.fee)
    ));
    s.detail(format!(
        "net proceeds {} paid to supplier2 in the same block ({} received)",
        cny(terms.net),
        cny(paid)
    ));

    s.say("the dev chain's clock moves forward 90 days");
    let dev = ctx.client.dev_advance_time(90 * 86_400).await.map_err(rpc_err)?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while ctx.client.chain_head().await.map_err(rpc_err)?.timestamp_ms / MS_PER_DAY < maturity_day as u64 {
        if tokio::time::Instant::now() > deadline {
            bail!("the chain did not reach the maturity date");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    s.detail(format!("chain date is now {}", format_date((dev.chain_now_ms / MS_PER_DAY) as u32)));

    let (bank0, s1_0) = (s.balance("bank").await?, s.balance("supplier1").await?);
    s.say(format!("core settles voucher {root} at maturity: every current holder is paid in bank/CNY"));
    let settle = SettleArgs { root, token_financier: "bank".into() };
    let settled: Amount = returned(&ctx.call("core", false, "receivables", "settle", &settle).await?)?;
    let (bank1, s1_1) = (s.balance("bank").await?, s.balance("supplier1").await?);
    s.detail(format!(
        "settled {}: bank received {}, supplier1 received {}",
        cny(settled),
        cny(bank1 - bank0),
        cny(s1_1 - s1_0)
    ));

    // The issuer sees the whole tree of its voucher.
    let lineage: Vec<Voucher> = ctx.acting_as("core")?.query("receivables", "lineage", &root).await?;
    s.say(format!("lineage of voucher {root}"));
    for v in &lineage {
        s.detail(format!(
            "#{:<4} parent {:<6} {:<10} {:>16}  {}",
            v.id,
            v.parent_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            v.holder,
            cny(v.amount),
            v.status.as_str()
        ));
    }
    let balances = json!({
        "bank": format(s.balance("bank").await?, 2),
        "core": format(s.balance("core").await?, 2),
        "supplier1": format(s.balance("supplier1").await?, 2),
        "supplier2": format(s.balance("supplier2").await?, 2),
    });
    s.say("final deposit-token balances (bank/CNY)");
    for who in ["bank", "core", "supplier1", "supplier2"] {
        s.detail(format!("{who:<10} {}", balances[who].as_str().unwrap_or("")));
    }
    Ok(json!({
        "root": root,
        "supplier2_voucher": split.transferred,
        "application": approved.id,
        "discount": format(terms.discount, 2),
        "net_proceeds": format(terms.net, 2),
        "days": terms.days,
        "settled": format(settled, 2),
        "paid_to_bank_at_maturity": format(bank1 - bank0, 2),
        "paid_to_supplier1_at_maturity": format(s1_1 - s1_0, 2),
        "balances": balances,
    }))
}
