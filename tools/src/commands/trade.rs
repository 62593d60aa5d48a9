//! `scf trade`: purchase orders, their documents (hashed locally, never uploaded), letters of
//! credit and pre-shipment financing. Commands that make the trade contract move tokens first
//! raise the signer's allowance for it by exactly the amount about to move.
use std::{io::Read, path::Path};

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use scf_interface::{self as api};
use scf_interface::{
    deposit_token::{AllowanceArgs, ApproveArgs, TokenId},
    receivables::{format_date, MS_PER_DAY},
    trade::{
        AcceptInvoiceArgs, ApproveLoanArgs, AttachArgs, CreateOrderArgs, Discrepancy, DisputeArgs, DocIndex,
        Document, DocumentKind, Incoterm, InvoiceArgs, InvoiceOutcome, IssueLcArgs, LcId, LetterOfCredit,
        Order, OrderId, Payment, PaymentTerms, PreShipmentLoan, PresentationOutcome, RequestLoanArgs,
    },
};
use scf_primitives::{Amount, Hash};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    amount::{self, money},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum TradeCmd {
    /// Draft a purchase order (as its buyer or its seller); the other side accepts it.
    Create {
        #[arg(long)]
        buyer: String,
        #[arg(long)]
        seller: String,
        #[arg(long)]
        buyer_bank: Option<String>,
        #[arg(long)]
        seller_bank: Option<String>,
        /// Logistics member that issues the bill of lading.
        #[arg(long)]
        carrier: Option<String>,
        /// Decimal amount, e.g. 50000.00.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "USD")]
        currency: String,
        /// File describing the goods (only its SHA-256 goes on chain).
        #[arg(long, conflicts_with = "goods_hash")]
        goods: Option<std::path::PathBuf>,
        /// SHA-256 of the goods description, hex.
        #[arg(long)]
        goods_hash: Option<String>,
        /// Incoterms 2020 rule, e.g. FOB.
        #[arg(long)]
        incoterm: String,
        /// Latest shipment date: YYYY-MM-DD, or +DAYSd from the chain's current day.
        #[arg(long)]
        ship_by: String,
        /// `on-delivery`, `lc` (letter of credit) or `deferred:DAYS`.
        #[arg(long)]
        terms: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept a draft the other side made.
    Accept {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Refuse a draft the other side made.
    Reject {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Take back your own draft before the other side decides.
    Withdraw {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Attach a document: its SHA-256 is computed here; the file never leaves this machine.
    Attach {
        order: OrderId,
        /// purchase_contract, commercial_invoice, packing_list, bill_of_lading,
        /// certificate_of_origin, inspection_certificate or insurance.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        file: std::path::PathBuf,
        /// Where an encrypted copy can be fetched (off chain).
        #[arg(long)]
        blob_ref: Option<String>,
        /// Index of the document of the same kind this one replaces.
        #[arg(long)]
        supersedes: Option<DocIndex>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Check a file against the documents of an order (exit status 1 if none matches).
    VerifyDoc { order: OrderId, file: std::path::PathBuf },
    /// Mark the goods shipped (seller or carrier; needs a bill of lading).
    Ship {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Confirm delivery (buyer or carrier).
    Deliver {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Invoice a delivered order (seller; needs a commercial invoice document).
    Invoice {
        order: OrderId,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept the invoice (buyer): pays on-delivery orders in `--token`'s deposit tokens, turns
    /// deferred orders into a payable voucher.
    AcceptInvoice {
        order: OrderId,
        /// Financier whose deposit token pays (on-delivery terms).
        #[arg(long)]
        token: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Raise a dispute (buyer or seller); the order pauses.
    Dispute {
        order: OrderId,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Withdraw the dispute you raised.
    WithdrawDispute {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Ask to cancel (buyer or seller); the order is cancelled when the other side asks too.
    Cancel {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show an order with its documents and letters of credit.
    Show { order: OrderId },
    /// Orders a member is party to (default: the signer's member).
    List {
        #[arg(long)]
        member: Option<String>,
    },
    /// Letters of credit.
    #[command(subcommand)]
    Lc(LcCmd),
    /// Pre-shipment financing of an accepted order.
    #[command(subcommand)]
    Finance(LoanCmd),
}

#[derive(Subcommand)]
pub enum LcCmd {
    /// Issue a letter of credit for an order (the buyer's bank); pays in its own deposit token.
    Issue {
        order: OrderId,
        #[arg(long)]
        amount: String,
        /// Last day documents may be presented: YYYY-MM-DD, or +DAYSd from the chain's current day.
        #[arg(long)]
        expiry: String,
        /// Required documents, comma-separated kinds.
        #[arg(long, value_delimiter = ',')]
        require: Vec<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept a letter of credit (the seller).
    Accept {
        lc: LcId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Refuse a letter of credit (the seller).
    Reject {
        lc: LcId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Present the documents (the seller): honours and pays at once if they comply.
    Present {
        lc: LcId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Waive the discrepancies of a presentation (the buyer): honours and pays at once.
    Waive {
        lc: LcId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Close an unused letter of credit after its expiry (the issuing bank).
    Close {
        lc: LcId,
        #[command(flatten)]
        tx: TxOpts,
    },
    Show {
        lc: LcId,
    },
}

#[derive(Subcommand)]
pub enum LoanCmd {
    /// Ask a bank to finance an accepted order before shipment (the seller).
    Request {
        order: OrderId,
        #[arg(long)]
        lender: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Approve and pay out in your own deposit token (the lender). Interest: ACT/360, rounded
    /// half up.
    Approve {
        order: OrderId,
        /// Annual rate in basis points (600 = 6 %).
        #[arg(long)]
        rate_bps: u32,
        #[arg(long)]
        days: u32,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Refuse the request (the lender).
    Reject {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Repay what is due yourself, in the lender's token (the seller).
    Repay {
        order: OrderId,
        #[command(flatten)]
        tx: TxOpts,
    },
}

fn minor(units: Amount, currency: &str) -> String {
    amount::format(units, amount::decimals(currency))
}

/// SHA-256 of a file, streamed (scans of shipping documents can be large).
pub fn hash_file(path: &Path) -> Result<Hash> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Hash(h.finalize().into()))
}

pub fn parse_terms(s: &str) -> Result<PaymentTerms> {
    match s {
        "on-delivery" => Ok(PaymentTerms::OnDelivery),
        "lc" | "letter-of-credit" => Ok(PaymentTerms::LetterOfCredit),
        _ => match s.strip_prefix("deferred:").map(str::parse::<u32>) {
            Some(Ok(days)) => Ok(PaymentTerms::Deferred { days }),
            _ => bail!("--terms {s:?} must be on-delivery, lc or deferred:DAYS (e.g. deferred:60)"),
        },
    }
}

fn parse_kind(s: &str) -> Result<DocumentKind> {
    DocumentKind::parse(s).ok_or_else(|| {
        let all: Vec<&str> = DocumentKind::ALL.iter().map(DocumentKind::as_str).collect();
        anyhow!("document kind {s:?} must be one of {}", all.join(", "))
    })
}

fn payment_json(p: &Payment) -> Value {
    let c = &p.token.currency;
    json!({
        "token": format!("{}/{}", p.token.financier, c), "payer": p.payer,
        "amount": minor(p.amount, c), "to_lender": minor(p.to_lender, c), "to_seller": minor(p.to_seller, c),
        "paid_at_ms": p.paid_at_ms,
    })
}

fn document_json(d: &Document) -> Value {
    json!({
        "index": d.index, "kind": d.kind.as_str(), "sha256": d.sha256.to_hex(), "issuer": d.issuer,
        "attached_by": d.attached_by.to_hex(), "attached_at_ms": d.attached_at_ms, "blob_ref": d.blob_ref,
        "supersedes": d.supersedes, "superseded_by": d.superseded_by,
    })
}

fn loan_json(l: &PreShipmentLoan, c: &str) -> Value {
    json!({
        "lender": l.lender, "principal": minor(l.principal, c), "rate_bps": l.rate_bps, "days": l.days,
        "due": minor(l.due, c), "repaid": minor(l.repaid, c), "status": l.status.as_str(),
    })
}

pub fn order_json(o: &Order) -> Value {
    let c = &o.currency;
    json!({
        "id": o.id, "status": o.status.as_str(), "buyer": o.buyer, "seller": o.seller,
        "buyer_bank": o.buyer_bank, "seller_bank": o.seller_bank, "carrier": o.carrier,
        "drafted_by": o.drafted_by, "currency": c, "amount": minor(o.amount, c),
        "amount_minor": o.amount.to_string(), "goods_hash": o.goods_hash.to_hex(),
        "incoterm": o.incoterm.as_str(), "ship_by": format_date(o.latest_shipment_day),
        "terms": o.terms.describe(), "created_at_ms": o.created_at_ms, "shipped_at_ms": o.shipped_at_ms,
        "delivered_at_ms": o.delivered_at_ms, "invoiced": o.invoiced.map(|i| minor(i, c)),
        "documents": o.documents.iter().map(document_json).collect::<Vec<_>>(),
        "letters_of_credit": o.letters_of_credit, "loan": o.loan.as_ref().map(|l| loan_json(l, c)),
        "voucher": o.voucher, "payment": o.payment.as_ref().map(payment_json),
        "dispute": o.dispute.as_ref().map(|d| json!({"raised_by": d.raised_by, "reason": d.reason,
            "raised_at_ms": d.raised_at_ms, "resumes": d.resumes.as_str()})),
        "cancel_requested_by": o.cancel_requested_by,
    })
}

pub fn describe_discrepancy(d: &Discrepancy) -> String {
    match d {
        Discrepancy::MissingDocument(k) => format!("missing document: {}", k.as_str()),
        Discrepancy::PresentedAfterExpiry { presented_day, expiry_day } => {
            format!("presented {} after expiry {}", format_date(*presented_day), format_date(*expiry_day))
        }
        Discrepancy::LateShipment { shipped_day, latest_day } => {
            format!(
                "shipped {} after the latest date {}",
                format_date(*shipped_day),
                format_date(*latest_day)
            )
        }
        Discrepancy::InvoiceExceedsCredit { invoiced, credit } => {
            format!("invoice {invoiced} exceeds the credit {credit} (minor units)")
        }
    }
}

pub fn lc_json(l: &LetterOfCredit) -> Value {
    let c = &l.currency;
    json!({
        "id": l.id, "order": l.order, "status": l.status.as_str(), "issuing_bank": l.issuing_bank,
        "applicant": l.applicant, "beneficiary": l.beneficiary, "amount": minor(l.amount, c), "currency": c,
        "expiry": format_date(l.expiry_day),
        "required": l.required.iter().map(DocumentKind::as_str).collect::<Vec<_>>(),
        "discrepancies": l.discrepancies.iter().map(describe_discrepancy).collect::<Vec<_>>(),
        "presentations": l.presentations, "waived_by": l.waived_by.map(|a| a.to_hex()),
        "issued_at_ms": l.issued_at_ms, "honoured_at_ms": l.honoured_at_ms,
    })
}

fn print_order(o: &Order) {
    println!("order {}  {}  {} → {}", o.id, o.status.as_str(), o.seller, o.buyer);
    println!(
        "  {}  {}  ship by {}  terms {}",
        money(o.amount, &o.currency),
        o.incoterm.as_str(),
        format_date(o.latest_shipment_day),
        o.terms.describe()
    );
    let opt = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    println!(
        "  buyer's bank {}  seller's bank {}  carrier {}  drafted by {}",
        opt(&o.buyer_bank),
        opt(&o.seller_bank),
        opt(&o.carrier),
        o.drafted_by
    );
    println!("  goods sha256 {}", o.goods_hash);
    if let Some(i) = o.invoiced {
        println!("  invoiced {}", money(i, &o.currency));
    }
    for d in &o.documents {
        let state = match d.superseded_by {
            Some(by) => format!("superseded by #{by}"),
            None => "live".into(),
        };
        println!("  doc #{:<2} {:<22} {}  by {:<12} {state}", d.index, d.kind.as_str(), d.sha256, d.issuer);
    }
    for id in &o.letters_of_credit {
        println!("  letter of credit {id}");
    }
    if let Some(l) = &o.loan {
        println!(
            "  pre-shipment loan from {}: {} principal, {} due, {}",
            l.lender,
            money(l.principal, &o.currency),
            money(l.due, &o.currency),
            l.status.as_str()
        );
    }
    if let Some(v) = o.voucher {
        println!("  payable voucher {v}");
    }
    if let Some(p) = &o.payment {
        println!(
            "  paid {} in {}/{} by {}: {} to the lender, {} to the seller",
            money(p.amount, &o.currency),
            p.token.financier,
            p.token.currency,
            p.payer,
            money(p.to_lender, &o.currency),
            money(p.to_seller, &o.currency)
        );
    }
    if let Some(d) = &o.dispute {
        println!("  disputed by {}: {}", d.raised_by, d.reason);
    }
    if let Some(who) = &o.cancel_requested_by {
        println!("  {who} asked to cancel");
    }
}

pub async fn load_order(ctx: &Ctx, id: OrderId) -> Result<Order> {
    ctx.query(api::trade::ORDER, &id).await
}

/// Raises the signer member's allowance for the trade contract on `token` by `extra` (an
/// allowance is set, not added, so it reads the current one first).
pub async fn allow_trade_contract(ctx: &Ctx, no_wait: bool, token: &TokenId, extra: Amount) -> Result<()> {
    let signer = ctx.signer()?;
    let me = ctx.member_name(signer).await?;
    let trade = scf_interface::SystemContract::Trade.address();
    let current: Amount = ctx
        .query(
            api::deposit_token::ALLOWANCE,
            &AllowanceArgs { token: token.clone(), owner: me, spender: trade },
        )
        .await?;
    let amount = current.checked_add(extra).ok_or_else(|| anyhow!("allowance overflows"))?;
    let args = ApproveArgs { token: token.clone(), spender: trade, amount };
    let view = ctx.call(signer, no_wait, api::deposit_token::APPROVE, &args).await?;
    if let Some(r) = view.receipt.filter(|r| !r.success) {
        bail!("approving the trade contract failed: {}", r.error.unwrap_or_default());
    }
    Ok(())
}

fn presentation_line(data: &[u8], currency: &str) -> String {
    match borsh::from_slice::<PresentationOutcome>(data) {
        Ok(PresentationOutcome::Honoured(p)) => format!(
            "honoured: {} paid by {} ({} to the lender, {} to the seller)",
            money(p.amount, currency),
            p.payer,
            money(p.to_lender, currency),
            money(p.to_seller, currency)
        ),
        Ok(PresentationOutcome::Discrepant(list)) => {
            let lines: Vec<String> = list.iter().map(describe_discrepancy).collect();
            format!("discrepant, nothing paid: {}", lines.join("; "))
        }
        Err(_) => "presented".into(),
    }
}

pub async fn run(ctx: &Ctx, cmd: TradeCmd) -> Result<()> {
    match cmd {
        TradeCmd::Create {
            buyer,
            seller,
            buyer_bank,
            seller_bank,
            carrier,
            amount: amt,
            currency,
            goods,
            goods_hash,
            incoterm,
            ship_by,
            terms,
            tx,
        } => {
            let goods_hash = match (goods, goods_hash) {
                (Some(path), _) => hash_file(&path)?,
                (None, Some(h)) => {
                    Hash::from_hex(&h).ok_or_else(|| anyhow!("--goods-hash must be 32 bytes of hex"))?
                }
                (None, None) => bail!("describe the goods with --goods FILE or --goods-hash HEX"),
            };
            let args = CreateOrderArgs {
                buyer: ctx.member_name(&buyer).await?,
                seller: ctx.member_name(&seller).await?,
                buyer_bank,
                seller_bank,
                carrier,
                amount: amount::parse(&amt, amount::decimals(&currency))?,
                currency,
                goods_hash,
                incoterm: Incoterm::parse(&incoterm).ok_or_else(|| {
                    anyhow!("--incoterm {incoterm:?} is not an Incoterms 2020 rule (e.g. FOB)")
                })?,
                latest_shipment_day: ctx.day(&ship_by, "--ship-by").await?,
                terms: parse_terms(&terms)?,
            };
            ctx.send_value(
                &tx,
                api::trade::CREATE_ORDER,
                &args,
                |id| json!({ "order_id": id }),
                |id| format!("drafted order {id}; the other side accepts it with `scf trade accept {id}`"),
            )
            .await?
        }
        TradeCmd::Accept { order, tx } => {
            ctx.send(&tx, api::trade::ACCEPT_ORDER, &order, |_| format!("accepted order {order}")).await?
        }
        TradeCmd::Reject { order, tx } => {
            ctx.send(&tx, api::trade::REJECT_ORDER, &order, |_| format!("rejected order {order}")).await?
        }
        TradeCmd::Withdraw { order, tx } => {
            ctx.send(&tx, api::trade::WITHDRAW_ORDER, &order, |_| format!("withdrew order {order}")).await?
        }
        TradeCmd::Attach { order, kind, file, blob_ref, supersedes, tx } => {
            let kind = parse_kind(&kind)?;
            let sha256 = hash_file(&file)?;
            let args = AttachArgs { order, kind, sha256, blob_ref, supersedes };
            ctx.send_value(
                &tx,
                api::trade::ATTACH_DOCUMENT,
                &args,
                |i| json!({ "document_index": i, "sha256": sha256.to_hex() }),
                |i| format!("attached {} as document #{i} of order {order} (sha256 {sha256})", kind.as_str()),
            )
            .await?
        }
        TradeCmd::VerifyDoc { order, file } => verify_doc(ctx, order, &file).await?,
        TradeCmd::Ship { order, tx } => {
            ctx.send(&tx, api::trade::MARK_SHIPPED, &order, |_| format!("order {order} shipped")).await?
        }
        TradeCmd::Deliver { order, tx } => {
            ctx.send(&tx, api::trade::CONFIRM_DELIVERY, &order, |_| format!("order {order} delivered"))
                .await?
        }
        TradeCmd::Invoice { order, amount: amt, tx } => {
            let o = load_order(ctx, order).await?;
            let amount = amount::parse(&amt, amount::decimals(&o.currency))?;
            let line = format!("invoiced {} on order {order}", money(amount, &o.currency));
            ctx.send(&tx, api::trade::INVOICE, &InvoiceArgs { order, amount }, |_| line).await?
        }
        TradeCmd::AcceptInvoice { order, token, tx } => {
            let o = load_order(ctx, order).await?;
            let token_financier = match token {
                Some(t) => Some(ctx.member_name(&t).await?),
                None => None,
            };
            if let (Some(f), Some(invoiced)) = (&token_financier, o.invoiced) {
                let token = TokenId { financier: f.clone(), currency: o.currency.clone() };
                allow_trade_contract(ctx, false, &token, invoiced).await?;
            }
            let currency = o.currency.clone();
            let args = AcceptInvoiceArgs { order, token_financier };
            ctx.send(&tx, api::trade::ACCEPT_INVOICE, &args, |d| match borsh::from_slice::<InvoiceOutcome>(d) {
                Ok(InvoiceOutcome::AwaitingSecondAccount) => format!(
                    "acceptance of the invoice on order {order} recorded; the buyer requires maker–checker: \
                     another of its accounts runs the same command"
                ),
                Ok(InvoiceOutcome::Paid(p)) => format!(
                    "paid {} for order {order} ({} to the lender, {} to the seller)",
                    money(p.amount, &currency),
                    money(p.to_lender, &currency),
                    money(p.to_seller, &currency)
                ),
                Ok(InvoiceOutcome::VoucherIssued(v)) => {
                    format!("order {order} became payable voucher {v}; the seller accepts it with `scf voucher accept {v}`")
                }
                Err(_) => "accepted".into(),
            })
            .await?
        }
        TradeCmd::Dispute { order, reason, tx } => {
            ctx.send(&tx, api::trade::DISPUTE, &DisputeArgs { order, reason }, |_| {
                format!("order {order} disputed")
            })
            .await?
        }
        TradeCmd::WithdrawDispute { order, tx } => {
            ctx.send(&tx, api::trade::WITHDRAW_DISPUTE, &order, |_| {
                format!("dispute on order {order} withdrawn")
            })
            .await?
        }
        TradeCmd::Cancel { order, tx } => {
            ctx.send(&tx, api::trade::CANCEL, &order, |d| match borsh::from_slice::<bool>(d) {
                Ok(true) => format!("order {order} cancelled"),
                Ok(false) => {
                    format!("asked to cancel order {order}; it is cancelled when the other side asks too")
                }
                Err(_) => "cancel".into(),
            })
            .await?
        }
        TradeCmd::Show { order } => {
            let o = load_order(ctx, order).await?;
            if ctx.json {
                print_json(&order_json(&o));
            } else {
                print_order(&o);
            }
        }
        TradeCmd::List { member } => {
            let member = match member {
                Some(m) => ctx.member_name(&m).await?,
                None => ctx.member_name(ctx.signer()?).await?,
            };
            let orders: Vec<Order> = ctx.query(api::trade::ORDERS_OF, &member).await?;
            if ctx.json {
                print_json(&json!(orders.iter().map(order_json).collect::<Vec<_>>()));
            } else if orders.is_empty() {
                println!("{member} is party to no orders");
            } else {
                for o in &orders {
                    println!(
                        "{:<5} {:<10} {:<12} → {:<12} {:>22}  {}",
                        o.id,
                        o.status.as_str(),
                        o.seller,
                        o.buyer,
                        money(o.amount, &o.currency),
                        o.terms.describe()
                    );
                }
            }
        }
        TradeCmd::Lc(cmd) => lc(ctx, cmd).await?,
        TradeCmd::Finance(cmd) => finance(ctx, cmd).await?,
    }
    Ok(())
}

async fn lc(ctx: &Ctx, cmd: LcCmd) -> Result<()> {
    let load = |id: LcId| async move { ctx.query::<_, LetterOfCredit>(api::trade::LC, &id).await };
    match cmd {
        LcCmd::Issue { order, amount: amt, expiry, require, tx } => {
            let o = load_order(ctx, order).await?;
            let amount = amount::parse(&amt, amount::decimals(&o.currency))?;
            let required = require.iter().map(|k| parse_kind(k)).collect::<Result<Vec<_>>>()?;
            let bank = ctx.member_name(ctx.signer()?).await?;
            allow_trade_contract(
                ctx,
                false,
                &TokenId { financier: bank, currency: o.currency.clone() },
                amount,
            )
            .await?;
            let args =
                IssueLcArgs { order, amount, expiry_day: ctx.day(&expiry, "--expiry").await?, required };
            ctx.send_value(
                &tx,
                api::trade::ISSUE_LC,
                &args,
                |id| json!({ "lc_id": id }),
                |id| {
                    format!("issued letter of credit {id} for order {order} ({})", money(amount, &o.currency))
                },
            )
            .await?
        }
        LcCmd::Accept { lc, tx } => {
            ctx.send(&tx, api::trade::ACCEPT_LC, &lc, |_| format!("accepted letter of credit {lc}")).await?
        }
        LcCmd::Reject { lc, tx } => {
            ctx.send(&tx, api::trade::REJECT_LC, &lc, |_| format!("rejected letter of credit {lc}")).await?
        }
        LcCmd::Present { lc, tx } => {
            let currency = load(lc).await?.currency;
            ctx.send(&tx, api::trade::PRESENT, &lc, |d| presentation_line(d, &currency)).await?
        }
        LcCmd::Waive { lc, tx } => {
            let currency = load(lc).await?.currency;
            ctx.send(&tx, api::trade::WAIVE_DISCREPANCIES, &lc, |d| presentation_line(d, &currency)).await?
        }
        LcCmd::Close { lc, tx } => {
            ctx.send(&tx, api::trade::CLOSE_LC, &lc, |_| format!("closed letter of credit {lc}")).await?
        }
        LcCmd::Show { lc } => {
            let l = load(lc).await?;
            if ctx.json {
                print_json(&lc_json(&l));
            } else {
                println!("letter of credit {}  {}  order {}", l.id, l.status.as_str(), l.order);
                println!(
                    "  {} issued by {} for {} (applicant {}), expires {}",
                    money(l.amount, &l.currency),
                    l.issuing_bank,
                    l.beneficiary,
                    l.applicant,
                    format_date(l.expiry_day)
                );
                let req: Vec<&str> = l.required.iter().map(DocumentKind::as_str).collect();
                println!("  requires {}", req.join(", "));
                println!("  presentations {}", l.presentations);
                for d in &l.discrepancies {
                    println!("  discrepancy: {}", describe_discrepancy(d));
                }
            }
        }
    }
    Ok(())
}

async fn finance(ctx: &Ctx, cmd: LoanCmd) -> Result<()> {
    match cmd {
        LoanCmd::Request { order, lender, amount: amt, tx } => {
            let o = load_order(ctx, order).await?;
            let amount = amount::parse(&amt, amount::decimals(&o.currency))?;
            let args = RequestLoanArgs { order, lender: ctx.member_name(&lender).await?, amount };
            let line =
                format!("asked {} to finance {} of order {order}", args.lender, money(amount, &o.currency));
            ctx.send(&tx, api::trade::REQUEST_PRESHIPMENT, &args, |_| line).await?
        }
        LoanCmd::Approve { order, rate_bps, days, tx } => {
            let o = load_order(ctx, order).await?;
            let Some(loan) = &o.loan else { bail!("order {order} has no financing request") };
            let token = TokenId { financier: loan.lender.clone(), currency: o.currency.clone() };
            allow_trade_contract(ctx, false, &token, loan.principal).await?;
            let currency = o.currency.clone();
            let args = ApproveLoanArgs { order, rate_bps, days };
            ctx.send(&tx, api::trade::APPROVE_PRESHIPMENT, &args, |d| match borsh::from_slice::<PreShipmentLoan>(d) {
                Ok(l) => format!(
                    "paid {} to the seller; {} due (ACT/360 at {} bps for {} days), repaid first out of the order's payment",
                    money(l.principal, &currency),
                    money(l.due, &currency),
                    l.rate_bps,
                    l.days
                ),
                Err(_) => "approved".into(),
            })
            .await?
        }
        LoanCmd::Reject { order, tx } => {
            ctx.send(&tx, api::trade::REJECT_PRESHIPMENT, &order, |_| {
                format!("refused to finance order {order}")
            })
            .await?
        }
        LoanCmd::Repay { order, tx } => {
            let o = load_order(ctx, order).await?;
            let Some(loan) = &o.loan else { bail!("order {order} has no pre-shipment financing") };
            let token = TokenId { financier: loan.lender.clone(), currency: o.currency.clone() };
            allow_trade_contract(ctx, false, &token, loan.due).await?;
            let line = format!("repaid {} to {}", money(loan.due, &o.currency), loan.lender);
            ctx.send(&tx, api::trade::REPAY_PRESHIPMENT, &order, |_| line).await?
        }
    }
    Ok(())
}

/// Which document of `order`, if any, `file` is.
pub async fn verify_doc(ctx: &Ctx, order: OrderId, file: &Path) -> Result<()> {
    let o = load_order(ctx, order).await?;
    let sha256 = hash_file(file)?;
    let found = o.documents.iter().find(|d| d.sha256 == sha256);
    if ctx.json {
        print_json(&json!({
            "order": order, "file": file.display().to_string(), "sha256": sha256.to_hex(),
            "matches": found.is_some(), "document": found.map(document_json),
        }));
    } else {
        match found {
            Some(d) => {
                let state = match d.superseded_by {
                    Some(by) => format!("SUPERSEDED by #{by}"),
                    None => "live".into(),
                };
                println!(
                    "MATCH: {} is document #{} of order {order} ({}, issued by {}, attached {}), {state}",
                    file.display(),
                    d.index,
                    d.kind.as_str(),
                    d.issuer,
                    format_date((d.attached_at_ms / MS_PER_DAY) as u32)
                );
            }
            None => {
                println!("NO MATCH: {} (sha256 {sha256}) is not a document of order {order}", file.display())
            }
        }
    }
    if found.is_none() {
        bail!("{} does not match any document of order {order}", file.display());
    }
    Ok(())
}
