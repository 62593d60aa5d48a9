//! `scf demo discounting`: the whole receivables story on a running dev chain, step by step.
//!
//! core issues 1,000,000.00 CNY payable in 90 days to supplier1; supplier1 passes 300,000.00 to
//! supplier2; supplier2 discounts its piece at `bank` at 4.35 % a year and is paid in the same
//! transaction; the chain's clock moves 90 days forward; core settles and bank and supplier1 are
//! paid.
use anyhow::{bail, Result};
use scf_interface as api;
use scf_interface::{
    deposit_token::{ApproveArgs, BalanceArgs, MintArgs, TokenId},
    receivables::{
        format_date, Application, ApplyArgs, ApproveArgs as ApproveFinancing, IssueArgs, SettleArgs,
        TransferArgs, TransferResult, Voucher, VoucherId, MS_PER_DAY,
    },
};
use scf_primitives::Amount;
use scf_rpc_api::ScfApiClient;
use serde_json::json;

use crate::{
    amount::format,
    client::{rpc_err, Ctx},
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
        let own = self.ctx.acting_as(member).await?;
        own.query(api::deposit_token::BALANCE, &BalanceArgs { token, member: member.into() }).await
    }
}

pub async fn discounting(ctx: &Ctx) -> Result<serde_json::Value> {
    let mut s = Story { ctx, step: 0 };
    let token = TokenId { financier: "bank".into(), currency: CCY.into() };
    let receivables = scf_interface::SystemContract::Receivables.address();

    s.say("bank mints deposit tokens: 1,000,000.00 CNY for itself and 1,000,000.00 CNY of core's deposits");
    for to in ["bank", "core"] {
        let mint = MintArgs { currency: CCY.into(), to: to.into(), amount: 100_000_000 };
        ctx.call_value("bank", api::deposit_token::MINT, &mint).await?;
    }
    s.detail(format!(
        "bank holds {}, core holds {}",
        cny(s.balance("bank").await?),
        cny(s.balance("core").await?)
    ));

    s.say("core and bank let the receivables contract move their bank/CNY tokens (settlement, disbursement)");
    for who in ["core", "bank"] {
        let args = ApproveArgs { token: token.clone(), spender: receivables, amount: 100_000_000 };
        ctx.call_value(who, api::deposit_token::APPROVE, &args).await?;
    }

    // Today is the date of the latest block, which the mints above just produced (the genesis
    // header's date may be long past).
    let today = whole_day_ahead(ctx).await?;
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
    let root: VoucherId = ctx.call_value("core", api::receivables::ISSUE, &issue).await?;
    s.detail(format!("voucher {root} issued"));

    s.say(format!("supplier1 accepts voucher {root}"));
    ctx.call_value("supplier1", api::receivables::ACCEPT, &root).await?;

    s.say("supplier1 transfers 300,000.00 CNY of it to supplier2");
    let t = TransferArgs { id: root, to: "supplier2".into(), amount: 30_000_000 };
    let split: TransferResult = ctx.call_value("supplier1", api::receivables::TRANSFER, &t).await?;
    let kept = split.remainder.unwrap_or(root);
    s.detail(format!("supplier2 holds voucher {}, supplier1 keeps voucher {kept}", split.transferred));

    s.say(format!("supplier2 applies to bank to discount voucher {}", split.transferred));
    let apply = ApplyArgs { id: split.transferred, amount: 30_000_000, financier: "bank".into() };
    let app: Application = ctx.call_value("supplier2", api::receivables::APPLY_FINANCING, &apply).await?;
    s.detail(format!("application {} pending; the voucher is locked", app.id));

    let before = s.balance("supplier2").await?;
    s.say("bank approves at 4.35 % a year (ACT/360): the voucher passes to bank and supplier2 is paid, atomically");
    let approve =
        ApproveFinancing { application: app.id, rate_bps: 435, fee: 0, registry_ref: "ZDW-DEMO-0001".into() };
    let approved: Application = ctx.call_value("bank", api::receivables::APPROVE_FINANCING, &approve).await?;
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
    let settled: Amount = ctx.call_value("core", api::receivables::SETTLE, &settle).await?;
    let (bank1, s1_1) = (s.balance("bank").await?, s.balance("supplier1").await?);
    s.detail(format!(
        "settled {}: bank received {}, supplier1 received {}",
        cny(settled),
        cny(bank1 - bank0),
        cny(s1_1 - s1_0)
    ));

    // The issuer sees the whole tree of its voucher.
    let lineage: Vec<Voucher> = ctx.acting_as("core").await?.query(api::receivables::LINEAGE, &root).await?;
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

/// `scf demo trade`: the Trusple story on a running dev chain. yiwu-crafts (Yiwu, Zhejiang)
/// sells to mx-retail (Mexico City). Order one is paid at sight under mx-bank's letter of
/// credit the moment the documents comply; order two, on 60-day terms, becomes a payable voucher
/// on the buyer's acceptance of the invoice, which the seller discounts at `bank` at once.
/// Document files are written to a temporary directory: only their hashes go on chain.
pub async fn trade(ctx: &Ctx) -> Result<serde_json::Value> {
    use scf_interface::{
        receivables::{ApplyArgs, ApproveArgs as ApproveFinancing},
        trade::{
            AcceptInvoiceArgs, AttachArgs, CreateOrderArgs, DocumentKind, Incoterm, InvoiceArgs,
            InvoiceOutcome, IssueLcArgs, LcId, OrderId, PaymentTerms, PresentationOutcome,
        },
    };

    const USD: &str = "USD";
    let usd = |units: Amount| format!("{} {USD}", format(units, 2));
    let mut s = Story { ctx, step: 0 };
    let dir = std::env::temp_dir().join(format!("scf-trade-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let token = |f: &str| TokenId { financier: f.into(), currency: USD.into() };
    let balance = |who: &'static str, financier: &'static str| async move {
        let own = ctx.acting_as(who).await?;
        own.query::<_, Amount>(
            api::deposit_token::BALANCE,
            &BalanceArgs { token: token(financier), member: who.into() },
        )
        .await
    };
    // Writes a document file; its text names the order so every run's hashes are new (a hash
    // backs one order only, chain-wide).
    let write_doc = |name: &str, text: String| -> Result<std::path::PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        Ok(path)
    };
    let attach = |who: &'static str, order: OrderId, kind: DocumentKind, path: std::path::PathBuf| async move {
        let sha256 = crate::commands::trade::hash_file(&path)?;
        let args = AttachArgs { order, kind, sha256, blob_ref: None, supersedes: None };
        ctx.call_value(who, api::trade::ATTACH_DOCUMENT, &args).await
    };

    s.say("mx-bank (the buyer's bank) and bank (the seller's bank) fund their USD deposit tokens");
    for (bank, amount) in [("mx-bank", 100_000_000u128), ("bank", 50_000_000)] {
        let mint = MintArgs { currency: USD.into(), to: bank.into(), amount };
        ctx.call_value(bank, api::deposit_token::MINT, &mint).await?;
    }
    let today = whole_day_ahead(ctx).await?;

    // ---- Order one: letter of credit ------------------------------------------------------
    s.say("mx-retail drafts a purchase order: 50,000.00 USD of LED string lights, FOB Ningbo, at sight under a letter of credit");
    let goods =
        write_doc("goods-1.txt", format!("2,000 cartons LED string lights YW-2027, drafted {today}"))?;
    let order = CreateOrderArgs {
        buyer: "mx-retail".into(),
        seller: "yiwu-crafts".into(),
        buyer_bank: Some("mx-bank".into()),
        seller_bank: Some("bank".into()),
        carrier: Some("carrier".into()),
        currency: USD.into(),
        amount: 5_000_000,
        goods_hash: crate::commands::trade::hash_file(&goods)?,
        incoterm: Incoterm::Fob,
        latest_shipment_day: today + 30,
        terms: PaymentTerms::LetterOfCredit,
    };
    let lc_order: OrderId = ctx.call_value("mx-retail", api::trade::CREATE_ORDER, &order).await?;
    s.detail(format!("order {lc_order} drafted; goods description sha256 {}", order.goods_hash));
    s.say(format!("yiwu-crafts accepts order {lc_order}"));
    ctx.call_value("yiwu-crafts", api::trade::ACCEPT_ORDER, &lc_order).await?;

    s.say("mx-bank issues a letter of credit for 50,000.00 USD, requiring bill of lading, invoice, packing list and certificate of origin");
    crate::commands::trade::allow_trade_contract(
        &ctx.acting_as("mx-bank").await?,
        false,
        &token("mx-bank"),
        5_000_000,
    )
    .await?;
    let issue = IssueLcArgs {
        order: lc_order,
        amount: 5_000_000,
        expiry_day: today + 60,
        required: vec![
            DocumentKind::BillOfLading,
            DocumentKind::CommercialInvoice,
            DocumentKind::PackingList,
            DocumentKind::CertificateOfOrigin,
        ],
    };
    let lc: LcId = ctx.call_value("mx-bank", api::trade::ISSUE_LC, &issue).await?;
    s.detail(format!("letter of credit {lc}, expires {}", format_date(issue.expiry_day)));
    ctx.call_value("yiwu-crafts", api::trade::ACCEPT_LC, &lc).await?;
    s.detail("yiwu-crafts accepts it");

    s.say("carrier issues the bill of lading; yiwu-crafts ships and attaches its documents (hashes only)");
    let bl = write_doc(
        "bill-of-lading-1.txt",
        format!("B/L PRS{lc_order}-NGB-ZLO, 2,000 cartons, clean on board"),
    )?;
    attach("carrier", lc_order, DocumentKind::BillOfLading, bl.clone()).await?;
    ctx.call_value("yiwu-crafts", api::trade::MARK_SHIPPED, &lc_order).await?;
    for (kind, file, text) in [
        (DocumentKind::CommercialInvoice, "invoice-1.txt", "Commercial invoice YW-INV-{} USD 50,000.00"),
        (DocumentKind::PackingList, "packing-list-1.txt", "Packing list YW-PL-{}: 2,000 cartons, 18,400 kg"),
        (
            DocumentKind::CertificateOfOrigin,
            "origin-1.txt",
            "Certificate of origin CCPIT-ZJ-{}: made in Yiwu",
        ),
    ] {
        let path = write_doc(file, text.replace("{}", &lc_order.to_string()))?;
        let index = attach("yiwu-crafts", lc_order, kind, path).await?;
        s.detail(format!("document #{index}: {}", kind.as_str()));
    }

    s.say("mx-retail checks the bill of lading it received by courier against the chain");
    let seen = crate::commands::trade::load_order(&ctx.acting_as("mx-retail").await?, lc_order).await?;
    let bl_hash = crate::commands::trade::hash_file(&bl)?;
    let Some(doc) = seen.documents.iter().find(|d| d.sha256 == bl_hash) else {
        bail!("the bill of lading does not match the chain");
    };
    s.detail(format!("MATCH: document #{} ({}, issued by {})", doc.index, doc.kind.as_str(), doc.issuer));

    s.say(format!(
        "yiwu-crafts presents the documents under letter of credit {lc}: it honours in the same transaction"
    ));
    let before = balance("yiwu-crafts", "mx-bank").await?;
    let presented: PresentationOutcome = ctx.call_value("yiwu-crafts", api::trade::PRESENT, &lc).await?;
    let PresentationOutcome::Honoured(payment) = presented else {
        bail!("the presentation was discrepant: {presented:?}");
    };
    let received = balance("yiwu-crafts", "mx-bank").await? - before;
    s.detail(format!(
        "mx-bank paid {}; yiwu-crafts received {} in mx-bank/USD",
        usd(payment.amount),
        usd(received)
    ));

    // ---- Order two: deferred 60 days → voucher → discount ------------------------------------
    s.say("yiwu-crafts drafts a second order: 30,000.00 USD of ceramic tableware, CIF Manzanillo, payable 60 days after acceptance of the invoice");
    let goods = write_doc("goods-2.txt", format!("600 sets ceramic tableware YW-C12, drafted {today}"))?;
    let order = CreateOrderArgs {
        buyer: "mx-retail".into(),
        seller: "yiwu-crafts".into(),
        buyer_bank: None,
        seller_bank: Some("bank".into()),
        carrier: Some("carrier".into()),
        currency: USD.into(),
        amount: 3_000_000,
        goods_hash: crate::commands::trade::hash_file(&goods)?,
        incoterm: Incoterm::Cif,
        latest_shipment_day: today + 30,
        terms: PaymentTerms::Deferred { days: 60 },
    };
    let deferred: OrderId = ctx.call_value("yiwu-crafts", api::trade::CREATE_ORDER, &order).await?;
    ctx.call_value("mx-retail", api::trade::ACCEPT_ORDER, &deferred).await?;
    s.detail(format!("order {deferred} drafted by yiwu-crafts, accepted by mx-retail"));

    s.say("the goods are shipped, delivered, and invoiced");
    let bl =
        write_doc("bill-of-lading-2.txt", format!("B/L PRS{deferred}-NGB-ZLO, 600 sets, clean on board"))?;
    attach("carrier", deferred, DocumentKind::BillOfLading, bl).await?;
    ctx.call_value("yiwu-crafts", api::trade::MARK_SHIPPED, &deferred).await?;
    ctx.call_value("mx-retail", api::trade::CONFIRM_DELIVERY, &deferred).await?;
    let invoice = write_doc("invoice-2.txt", format!("Commercial invoice YW-INV-{deferred} USD 30,000.00"))?;
    attach("yiwu-crafts", deferred, DocumentKind::CommercialInvoice, invoice).await?;
    let inv = InvoiceArgs { order: deferred, amount: 3_000_000 };
    ctx.call_value("yiwu-crafts", api::trade::INVOICE, &inv).await?;

    s.say("mx-retail accepts the invoice: the trade contract has the receivables contract issue a voucher");
    let accept = AcceptInvoiceArgs { order: deferred, token_financier: None };
    let outcome: InvoiceOutcome = ctx.call_value("mx-retail", api::trade::ACCEPT_INVOICE, &accept).await?;
    let InvoiceOutcome::VoucherIssued(voucher) = outcome else { bail!("no voucher: {outcome:?}") };
    let v: Option<Voucher> =
        ctx.acting_as("yiwu-crafts").await?.query(api::receivables::GET, &voucher).await?;
    let Some(v) = v else { bail!("voucher {voucher} is not visible to its holder") };
    s.detail(format!(
        "voucher {voucher}: {} from {} to {}, maturing {}, backed by the invoice's hash",
        usd(v.amount),
        v.issuer,
        v.holder,
        format_date(v.maturity_day)
    ));
    ctx.call_value("yiwu-crafts", api::receivables::ACCEPT, &voucher).await?;

    s.say(format!(
        "yiwu-crafts discounts voucher {voucher} at bank at 5.50 % a year (ACT/360) and is paid at once"
    ));
    let approve = ApproveArgs {
        token: token("bank"),
        spender: scf_interface::SystemContract::Receivables.address(),
        amount: v.amount,
    };
    ctx.call_value("bank", api::deposit_token::APPROVE, &approve).await?;
    let apply = ApplyArgs { id: voucher, amount: v.amount, financier: "bank".into() };
    let app: Application = ctx.call_value("yiwu-crafts", api::receivables::APPLY_FINANCING, &apply).await?;
    let before = balance("yiwu-crafts", "bank").await?;
    let approve = ApproveFinancing {
        application: app.id,
        rate_bps: 550,
        fee: 0,
        registry_ref: format!("ZDW-TRADE-{voucher}"),
    };
    let approved: Application = ctx.call_value("bank", api::receivables::APPROVE_FINANCING, &approve).await?;
    let Some(terms) = approved.terms else { bail!("approved application without terms") };
    let paid = balance("yiwu-crafts", "bank").await? - before;
    s.detail(format!(
        "face {}  days {}  discount {}  net {} received in bank/USD",
        usd(approved.face),
        terms.days,
        usd(terms.discount),
        usd(paid)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "lc_order": lc_order,
        "letter_of_credit": lc,
        "lc_paid": format(payment.amount, 2),
        "lc_received_by_seller": format(received, 2),
        "deferred_order": deferred,
        "voucher": voucher,
        "voucher_amount": format(v.amount, 2),
        "maturity": format_date(v.maturity_day),
        "days": terms.days,
        "discount": format(terms.discount, 2),
        "net_proceeds": format(paid, 2),
    }))
}

/// Time a story needs at most, so that its day does not change under it.
const STORY_MARGIN_MS: u64 = 10 * 60 * 1000;

/// The chain's date, first moving the dev clock past midnight if the day ends within
/// `STORY_MARGIN_MS`: the stories' figures (days to maturity, discount) assume one calendar day
/// from issue to financing, and a run across UTC midnight would otherwise count one day less.
async fn whole_day_ahead(ctx: &Ctx) -> Result<u32> {
    let now = ctx.client.chain_head().await.map_err(rpc_err)?.timestamp_ms;
    let left = MS_PER_DAY - now % MS_PER_DAY;
    if left > STORY_MARGIN_MS {
        return Ok((now / MS_PER_DAY) as u32);
    }
    let target = now / MS_PER_DAY + 1;
    ctx.client.dev_advance_time(left.div_ceil(1000) + 1).await.map_err(rpc_err)?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let head = ctx.client.chain_head().await.map_err(rpc_err)?;
        if head.timestamp_ms / MS_PER_DAY >= target {
            return Ok((head.timestamp_ms / MS_PER_DAY) as u32);
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the chain's clock did not pass midnight");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
