//! # scf-trade
//!
//! Trade documents (Trusple style). A buyer or a seller drafts a purchase order naming the other
//! side, optionally both banks and a carrier; the other side accepts it. Parties attach the
//! order's documents as SHA-256 hashes (files stay off chain) and supersede them, never replace
//! them. The seller ships (with a bill of lading), the buyer confirms delivery, the seller
//! invoices, and the order is paid one of three ways: on delivery in deposit tokens, at sight
//! under a letter of credit that honours by itself when complying documents are presented, or
//! on deferred terms, where the buyer's acceptance of the invoice issues a payable voucher
//! through the receivables contract. A bank may finance an accepted order before shipment; it
//! is repaid first out of the order's payment.
//!
//! Invariants, after every call: a letter of credit is honoured at most once; a document hash is
//! attached at most once on the whole chain; every token movement is a `transfer_from` within an
//! allowance its owner granted; an order's payment equals what its lender and seller received.
//!
//! Must not: hold money (payments are deposit-token transfers), decide membership (it reads the
//! registry), issue vouchers itself (it asks the receivables contract), or store document
//! contents.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec::Vec};

use scf_sdk::{
    block_time_ms, call_at, caller, emit, ensure, fail,
    index::Index,
    interface::{
        deposit_token::{TokenId, TransferFromArgs},
        receivables::{discount, DayCount, IssueArgs, OrderIssueArgs, VoucherId, MS_PER_DAY},
        registry::{Member, Role},
        trade::{
            AcceptInvoiceArgs, ApproveLoanArgs, AttachArgs, CreateOrderArgs, Discrepancy, DisputeArgs,
            DocIndex, Document, DocumentEvent, DocumentKind, InitArgs, InvoiceArgs, InvoiceOutcome,
            IssueLcArgs, LcEvent, LcId, LcStatus, LetterOfCredit, LoanStatus, Order, OrderEvent, OrderId,
            OrderStatus, Payment, PaymentTerms, PreShipmentLoan, PresentationOutcome, RequestLoanArgs,
            MAX_BLOB_REF, MAX_DEFERRED_DAYS, MAX_DOCUMENTS, MAX_REASON,
        },
    },
    members, storage, tagged_key, today, Amount, ContractAddress, Event, Hash, Result,
};

use scf_sdk::interface::trade as api;

scf_sdk::entry_points! {
    api::INIT => init,
    api::CREATE_ORDER => create_order,
    api::ACCEPT_ORDER => accept_order,
    api::REJECT_ORDER => reject_order,
    api::WITHDRAW_ORDER => withdraw_order,
    api::ATTACH_DOCUMENT => attach_document,
    api::MARK_SHIPPED => mark_shipped,
    api::CONFIRM_DELIVERY => confirm_delivery,
    api::INVOICE => invoice,
    api::ACCEPT_INVOICE => accept_invoice,
    api::DISPUTE => dispute,
    api::WITHDRAW_DISPUTE => withdraw_dispute,
    api::CANCEL => cancel,
    api::ISSUE_LC => issue_lc,
    api::ACCEPT_LC => accept_lc,
    api::REJECT_LC => reject_lc,
    api::PRESENT => present,
    api::WAIVE_DISCREPANCIES => waive_discrepancies,
    api::CLOSE_LC => close_lc,
    api::REQUEST_PRESHIPMENT => request_preshipment,
    api::APPROVE_PRESHIPMENT => approve_preshipment,
    api::REJECT_PRESHIPMENT => reject_preshipment,
    api::REPAY_PRESHIPMENT => repay_preshipment,
    api::ORDER => order,
    api::LC => lc,
    api::ORDERS_OF => orders_of,
}

const REGISTRY_KEY: &[u8] = b"registry";
const TOKEN_KEY: &[u8] = b"deposit_token";
const RECEIVABLES_KEY: &[u8] = b"receivables";
const NEXT_ORDER_KEY: &[u8] = b"next_order";
const NEXT_LC_KEY: &[u8] = b"next_lc";

fn registry() -> ContractAddress {
    storage::get(REGISTRY_KEY).unwrap_or_default()
}

fn lc_key(id: LcId) -> Vec<u8> {
    tagged_key(b'l', &id.to_be_bytes())
}

/// Document hash → (order, index): a file backs one order only, which stops the same bill of
/// lading or invoice from being presented (and paid or financed) twice.
fn doc_hash_key(h: &Hash) -> Vec<u8> {
    tagged_key(b'h', &h.0)
}

/// Member → the orders it is party to.
const PARTIES: Index = Index { tag: b'p' };

fn load_order(id: OrderId) -> Result<Order> {
    match storage::get(&scf_sdk::interface::trade::order_key(id)) {
        Some(o) => Ok(o),
        None => fail!(NotFound, "order {id} does not exist"),
    }
}

fn save_order(o: &Order) {
    storage::set(&scf_sdk::interface::trade::order_key(o.id), o);
}

fn load_lc(id: LcId) -> Result<LetterOfCredit> {
    match storage::get(&lc_key(id)) {
        Some(l) => Ok(l),
        None => fail!(NotFound, "letter of credit {id} does not exist"),
    }
}

fn save_lc(l: &LetterOfCredit) {
    storage::set(&lc_key(l.id), l);
}

fn index_party(member: &str, id: OrderId) {
    PARTIES.add(member.as_bytes(), id);
}

/// An order's events concern all its parties, and the member that acted (a lender refusing a
/// request is no party any more, but learns of its own act).
fn order_event(event: Event<OrderEvent>, o: &Order, by: &str) {
    let mut parties = o.parties();
    parties.push(by);
    emit(event, &OrderEvent { order: o.id, status: o.status, by: String::from(by) }, &parties);
}

/// A letter of credit's events concern its applicant, beneficiary and issuing bank.
fn lc_event(event: Event<LcEvent>, l: &LetterOfCredit) {
    let parties = [l.applicant.as_str(), l.beneficiary.as_str(), l.issuing_bank.as_str()];
    emit(event, &LcEvent { lc: l.id, order: l.order, status: l.status }, &parties);
}

/// The active member acting in this call.
fn acting() -> Result<Member> {
    members::acting(&registry(), &[])
}

fn require_status(o: &Order, allowed: &[OrderStatus], doing: &str) -> Result<()> {
    if !allowed.contains(&o.status) {
        let wanted: Vec<&str> = allowed.iter().map(OrderStatus::as_str).collect();
        fail!(
            InvalidState,
            "order {} is {}; {doing} needs it to be {}",
            o.id,
            o.status.as_str(),
            wanted.join(" or ")
        );
    }
    Ok(())
}

fn require_party(who: &Member, party: &str, role_name: &str, o: &Order) -> Result<()> {
    ensure!(
        who.name == party,
        Unauthorized,
        "only the {role_name} of order {} ({party}) may do this, not {}",
        o.id,
        who.name
    );
    Ok(())
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(REGISTRY_KEY).is_none(), AlreadyExists, "trade is already initialised");
    storage::set(REGISTRY_KEY, &args.registry);
    storage::set(TOKEN_KEY, &args.deposit_token);
    storage::set(RECEIVABLES_KEY, &args.receivables);
    storage::set(NEXT_ORDER_KEY, &1u64);
    storage::set(NEXT_LC_KEY, &1u64);
    Ok(())
}

// ---- orders -------------------------------------------------------------------------------

fn create_order(a: CreateOrderArgs) -> Result<OrderId> {
    let me = acting()?;
    ensure!(
        me.name == a.buyer || me.name == a.seller,
        Unauthorized,
        "an order is drafted by its buyer or its seller; {} is neither",
        me.name
    );
    ensure!(a.buyer != a.seller, InvalidArgument, "buyer and seller must be different members");
    let reg = registry();
    let deferred = matches!(a.terms, PaymentTerms::Deferred { .. });
    // Deferred terms end in a voucher: its issuer must be a core enterprise and its first holder
    // a supplier, as for any voucher.
    let (buyer_roles, seller_roles): (&[Role], &[Role]) = if deferred {
        (&[Role::CoreEnterprise], &[Role::Supplier])
    } else {
        (&[Role::CoreEnterprise, Role::Supplier], &[Role::Supplier, Role::CoreEnterprise])
    };
    members::named(&reg, &a.buyer, buyer_roles).map_err(|e| with_context(e, "buyer", deferred))?;
    members::named(&reg, &a.seller, seller_roles).map_err(|e| with_context(e, "seller", deferred))?;
    for bank in [&a.buyer_bank, &a.seller_bank].into_iter().flatten() {
        members::named(&reg, bank, &[Role::Financier])?;
    }
    if let Some(carrier) = &a.carrier {
        members::named(&reg, carrier, &[Role::Logistics])?;
    }
    scf_sdk::validate_currency(&a.currency)?;
    ensure!(a.amount > 0, InvalidArgument, "amount must be positive");
    ensure!(a.latest_shipment_day >= today(), InvalidArgument, "the latest shipment date is in the past");
    match a.terms {
        PaymentTerms::LetterOfCredit => {
            ensure!(
                a.buyer_bank.is_some(),
                InvalidArgument,
                "payment under a letter of credit needs the buyer's bank"
            )
        }
        PaymentTerms::Deferred { days } => ensure!(
            (1..=MAX_DEFERRED_DAYS).contains(&days),
            InvalidArgument,
            "deferred terms must be 1 to {MAX_DEFERRED_DAYS} days"
        ),
        PaymentTerms::OnDelivery => {}
    }
    let id = storage::next_id(NEXT_ORDER_KEY);
    let o = Order {
        id,
        buyer: a.buyer,
        seller: a.seller,
        buyer_bank: a.buyer_bank,
        seller_bank: a.seller_bank,
        carrier: a.carrier,
        drafted_by: me.name.clone(),
        currency: a.currency,
        amount: a.amount,
        goods_hash: a.goods_hash,
        incoterm: a.incoterm,
        latest_shipment_day: a.latest_shipment_day,
        terms: a.terms,
        status: OrderStatus::Drafted,
        created_at_ms: block_time_ms(),
        shipped_at_ms: None,
        delivered_at_ms: None,
        invoiced: None,
        documents: Vec::new(),
        letters_of_credit: Vec::new(),
        loan: None,
        voucher: None,
        payment: None,
        dispute: None,
        cancel_requested_by: None,
        invoice_accepted_by: None,
    };
    for p in o.parties() {
        index_party(p, id);
    }
    save_order(&o);
    order_event(api::ORDER_CREATED, &o, &me.name);
    Ok(id)
}

fn with_context(e: scf_sdk::Error, party: &str, deferred: bool) -> scf_sdk::Error {
    let message = if deferred {
        alloc::format!("{}: deferred terms issue a payable voucher from buyer to seller ({party})", e.message)
    } else {
        alloc::format!("{} ({party})", e.message)
    };
    scf_sdk::Error { code: e.code, message }
}

/// The side that must answer a draft.
fn counterparty(o: &Order) -> &str {
    if o.drafted_by == o.buyer {
        &o.seller
    } else {
        &o.buyer
    }
}

fn answer_draft(id: OrderId, accept: bool) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    require_status(&o, &[OrderStatus::Drafted], if accept { "accepting" } else { "rejecting" })?;
    let other = String::from(counterparty(&o));
    ensure!(
        me.name == other,
        Unauthorized,
        "only {other}, the counterparty of order {id} drafted by {}, may accept or reject it",
        o.drafted_by
    );
    o.status = if accept { OrderStatus::Accepted } else { OrderStatus::Rejected };
    save_order(&o);
    order_event(if accept { api::ORDER_ACCEPTED } else { api::ORDER_REJECTED }, &o, &me.name);
    Ok(())
}

fn accept_order(id: OrderId) -> Result<()> {
    answer_draft(id, true)
}

fn reject_order(id: OrderId) -> Result<()> {
    answer_draft(id, false)
}

fn withdraw_order(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    require_status(&o, &[OrderStatus::Drafted], "withdrawing")?;
    let drafter = o.drafted_by.clone();
    require_party(&me, &drafter, "drafter", &o)?;
    o.status = OrderStatus::Withdrawn;
    save_order(&o);
    order_event(api::ORDER_WITHDRAWN, &o, &me.name);
    Ok(())
}

// ---- documents ----------------------------------------------------------------------------

/// Who may issue a document of `kind` for `o`: the parties that issue it in trade practice.
fn may_issue(o: &Order, kind: DocumentKind, member: &str) -> Result<()> {
    let seller = member == o.seller;
    let buyer = member == o.buyer;
    let ok = match kind {
        DocumentKind::PurchaseContract => buyer || seller,
        DocumentKind::BillOfLading => match &o.carrier {
            Some(c) => member == c,
            None => seller,
        },
        DocumentKind::Insurance => buyer || seller,
        DocumentKind::CommercialInvoice
        | DocumentKind::PackingList
        | DocumentKind::CertificateOfOrigin
        | DocumentKind::InspectionCertificate => seller,
    };
    if !ok {
        let who = match (kind, &o.carrier) {
            (DocumentKind::BillOfLading, Some(c)) => alloc::format!("its carrier ({c})"),
            (DocumentKind::PurchaseContract | DocumentKind::Insurance, _) => {
                alloc::format!("its buyer ({}) or seller ({})", o.buyer, o.seller)
            }
            _ => alloc::format!("its seller ({})", o.seller),
        };
        fail!(Unauthorized, "a {} for order {} is attached by {who}, not {member}", kind.as_str(), o.id);
    }
    Ok(())
}

fn attach_document(a: AttachArgs) -> Result<DocIndex> {
    let me = acting()?;
    let mut o = load_order(a.order)?;
    ensure!(
        !o.status.is_final(),
        InvalidState,
        "order {} is {}: its documents are closed",
        o.id,
        o.status.as_str()
    );
    ensure!(
        o.parties().contains(&me.name.as_str()),
        Unauthorized,
        "{} is not a party to order {}",
        me.name,
        o.id
    );
    may_issue(&o, a.kind, &me.name)?;
    ensure!(
        o.documents.len() < MAX_DOCUMENTS,
        LimitReached,
        "order {} already carries {MAX_DOCUMENTS} documents",
        o.id
    );
    if let Some(r) = &a.blob_ref {
        ensure!(r.len() <= MAX_BLOB_REF, InvalidArgument, "the blob reference exceeds {MAX_BLOB_REF} bytes");
    }
    if let Some((order, index)) = storage::get::<(OrderId, DocIndex)>(&doc_hash_key(&a.sha256)) {
        fail!(AlreadyExists, "document {} is already attached to order {order} as #{index}", a.sha256);
    }
    let index = o.documents.len() as DocIndex;
    match a.supersedes {
        Some(old) => {
            let Some(prev) = o.documents.get_mut(old as usize) else {
                fail!(NotFound, "order {} has no document #{old} to supersede", o.id);
            };
            ensure!(
                prev.kind == a.kind,
                InvalidArgument,
                "document #{old} is a {}, not a {}",
                prev.kind.as_str(),
                a.kind.as_str()
            );
            if let Some(by) = prev.superseded_by {
                fail!(InvalidState, "document #{old} was already superseded by #{by}");
            }
            ensure!(
                prev.issuer == me.name,
                Unauthorized,
                "only its issuer ({}) may supersede document #{old}",
                prev.issuer
            );
            prev.superseded_by = Some(index);
        }
        None => {
            if let Some(live) = o.live_document(a.kind) {
                fail!(
                    InvalidState,
                    "order {} already has a {} (#{}); a new one must say that it supersedes #{}",
                    o.id,
                    a.kind.as_str(),
                    live.index,
                    live.index
                );
            }
        }
    }
    o.documents.push(Document {
        index,
        kind: a.kind,
        sha256: a.sha256,
        issuer: me.name.clone(),
        attached_by: caller(),
        attached_at_ms: block_time_ms(),
        blob_ref: a.blob_ref,
        supersedes: a.supersedes,
        superseded_by: None,
    });
    storage::set(&doc_hash_key(&a.sha256), &(o.id, index));
    save_order(&o);
    let event =
        DocumentEvent { order: o.id, index, kind: a.kind, sha256: a.sha256, supersedes: a.supersedes };
    emit(api::DOCUMENT_ATTACHED, &event, &o.parties());
    Ok(index)
}

// ---- shipment, delivery, invoice ----------------------------------------------------------

fn mark_shipped(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    ensure!(
        me.name == o.seller || o.carrier.as_deref() == Some(me.name.as_str()),
        Unauthorized,
        "only the seller ({}) or the carrier of order {id} may mark it shipped",
        o.seller
    );
    require_status(&o, &[OrderStatus::Accepted], "shipping")?;
    ensure!(
        o.live_document(DocumentKind::BillOfLading).is_some(),
        InvalidState,
        "order {id} has no bill of lading: attach it before marking the goods shipped"
    );
    o.status = OrderStatus::Shipped;
    o.shipped_at_ms = Some(block_time_ms());
    save_order(&o);
    order_event(api::ORDER_SHIPPED, &o, &me.name);
    Ok(())
}

fn confirm_delivery(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    ensure!(
        me.name == o.buyer || o.carrier.as_deref() == Some(me.name.as_str()),
        Unauthorized,
        "only the buyer ({}) or the carrier of order {id} may confirm delivery",
        o.buyer
    );
    require_status(&o, &[OrderStatus::Shipped], "confirming delivery")?;
    o.status = OrderStatus::Delivered;
    o.delivered_at_ms = Some(block_time_ms());
    save_order(&o);
    order_event(api::ORDER_DELIVERED, &o, &me.name);
    Ok(())
}

fn invoice(a: InvoiceArgs) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(a.order)?;
    let seller = o.seller.clone();
    require_party(&me, &seller, "seller", &o)?;
    require_status(&o, &[OrderStatus::Delivered], "invoicing")?;
    ensure!(a.amount > 0, InvalidArgument, "amount must be positive");
    ensure!(
        a.amount <= o.amount,
        ExceedsAmount,
        "invoice of {} exceeds the order's amount of {}",
        a.amount,
        o.amount
    );
    ensure!(
        o.live_document(DocumentKind::CommercialInvoice).is_some(),
        InvalidState,
        "order {} has no commercial invoice: attach it before invoicing",
        o.id
    );
    o.invoiced = Some(a.amount);
    o.status = OrderStatus::Invoiced;
    save_order(&o);
    order_event(api::ORDER_INVOICED, &o, &me.name);
    Ok(())
}

fn accept_invoice(a: AcceptInvoiceArgs) -> Result<InvoiceOutcome> {
    let me = acting()?;
    let mut o = load_order(a.order)?;
    let buyer = o.buyer.clone();
    require_party(&me, &buyer, "buyer", &o)?;
    require_status(&o, &[OrderStatus::Invoiced], "accepting the invoice")?;
    if o.terms == PaymentTerms::LetterOfCredit {
        fail!(
            InvalidState,
            "order {} is paid under its letter of credit: the seller presents the documents",
            o.id
        );
    }
    // Accepting an invoice pays or creates a payable: a maker–checker buyer needs two accounts.
    if me.maker_checker {
        match o.invoice_accepted_by {
            None => {
                o.invoice_accepted_by = Some(caller());
                save_order(&o);
                order_event(api::INVOICE_ACCEPTANCE_PROPOSED, &o, &me.name);
                return Ok(InvoiceOutcome::AwaitingSecondAccount);
            }
            Some(first) if first == caller() => {
                fail!(
                    MakerCheckerRequired,
                    "{} requires maker–checker: another of its accounts must accept this invoice",
                    me.name
                )
            }
            Some(_) => {}
        }
    }
    let invoiced = o.invoiced.unwrap_or(o.amount);
    match o.terms {
        PaymentTerms::Deferred { days } => {
            ensure!(
                a.token_financier.is_none(),
                InvalidArgument,
                "deferred terms issue a voucher; no token pays now"
            );
            let invoice_hash = o.live_document(DocumentKind::CommercialInvoice).map(|d| d.sha256);
            let receivables: ContractAddress = storage::get(RECEIVABLES_KEY).unwrap_or_default();
            let issue = IssueArgs {
                to: o.seller.clone(),
                amount: invoiced,
                currency: o.currency.clone(),
                maturity_day: today() + days,
                trade_ref: invoice_hash,
            };
            let voucher: VoucherId = call_at(
                &receivables,
                &scf_sdk::interface::receivables::ISSUE_FOR_ORDER,
                &OrderIssueArgs { issuer: o.buyer.clone(), issue },
            );
            o.voucher = Some(voucher);
            o.status = OrderStatus::Financed;
            save_order(&o);
            order_event(api::ORDER_FINANCED, &o, &me.name);
            Ok(InvoiceOutcome::VoucherIssued(voucher))
        }
        _ => {
            let Some(financier) = a.token_financier else {
                fail!(
                    InvalidArgument,
                    "name the deposit token (its financier) that pays the invoice on delivery"
                );
            };
            let token = TokenId { financier, currency: o.currency.clone() };
            let payment = pay_out(&mut o, token, buyer, invoiced)?;
            save_order(&o);
            order_event(api::ORDER_PAID, &o, &me.name);
            Ok(InvoiceOutcome::Paid(payment))
        }
    }
}

fn move_tokens(token: &TokenId, from: &str, to: &str, amount: Amount) {
    if amount == 0 || from == to {
        return;
    }
    let token_contract: ContractAddress = storage::get(TOKEN_KEY).unwrap_or_default();
    let args = TransferFromArgs { token: token.clone(), from: from.into(), to: to.into(), amount };
    call_at(&token_contract, &scf_sdk::interface::deposit_token::TRANSFER_FROM, &args);
}

/// Pays `amount` of `token` from `payer`: the pre-shipment lender first (up to what it is
/// owed), the seller the rest. Marks the order paid.
fn pay_out(o: &mut Order, token: TokenId, payer: String, amount: Amount) -> Result<Payment> {
    let mut to_lender = 0;
    if let Some(loan) = o.loan.as_mut().filter(|l| l.status == LoanStatus::Disbursed) {
        to_lender = loan.due.min(amount);
        move_tokens(&token, &payer, &loan.lender, to_lender);
        loan.due -= to_lender;
        loan.repaid += to_lender;
        if loan.due == 0 {
            loan.status = LoanStatus::Repaid;
        }
    }
    let to_seller = amount - to_lender;
    move_tokens(&token, &payer, &o.seller, to_seller);
    let payment = Payment { token, payer, amount, to_lender, to_seller, paid_at_ms: block_time_ms() };
    o.payment = Some(payment.clone());
    o.status = OrderStatus::Paid;
    Ok(payment)
}

// ---- disputes and cancellation --------------------------------------------------------------

fn buyer_or_seller(me: &Member, o: &Order) -> Result<()> {
    ensure!(
        me.name == o.buyer || me.name == o.seller,
        Unauthorized,
        "only the buyer ({}) or the seller ({}) of order {} may do this",
        o.buyer,
        o.seller,
        o.id
    );
    Ok(())
}

const IN_PROGRESS: &[OrderStatus] =
    &[OrderStatus::Accepted, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Invoiced];

fn dispute(a: DisputeArgs) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(a.order)?;
    buyer_or_seller(&me, &o)?;
    require_status(&o, IN_PROGRESS, "disputing")?;
    ensure!(
        !a.reason.is_empty() && a.reason.len() <= MAX_REASON,
        InvalidArgument,
        "a dispute needs a reason of 1 to {MAX_REASON} bytes"
    );
    o.dispute = Some(scf_sdk::interface::trade::Dispute {
        raised_by: me.name.clone(),
        reason: a.reason,
        raised_at_ms: block_time_ms(),
        resumes: o.status,
    });
    o.status = OrderStatus::Disputed;
    save_order(&o);
    order_event(api::ORDER_DISPUTED, &o, &me.name);
    Ok(())
}

fn withdraw_dispute(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    require_status(&o, &[OrderStatus::Disputed], "withdrawing a dispute")?;
    let Some(d) = o.dispute.take() else {
        fail!(NotFound, "order {id} records no dispute");
    };
    ensure!(
        d.raised_by == me.name,
        Unauthorized,
        "only {} , who raised the dispute, may withdraw it",
        d.raised_by
    );
    o.status = d.resumes;
    save_order(&o);
    order_event(api::DISPUTE_WITHDRAWN, &o, &me.name);
    Ok(())
}

/// Both sides must ask: the first call records the request, the other side's call cancels.
/// Returns whether the order is now cancelled.
fn cancel(id: OrderId) -> Result<bool> {
    let me = acting()?;
    let mut o = load_order(id)?;
    buyer_or_seller(&me, &o)?;
    let mut allowed = IN_PROGRESS.to_vec();
    allowed.push(OrderStatus::Disputed);
    require_status(&o, &allowed, "cancelling")?;
    if let Some(loan) = o.loan.as_ref().filter(|l| l.status == LoanStatus::Disbursed) {
        fail!(
            InvalidState,
            "pre-shipment financing from {} is outstanding ({} due): the seller repays it first",
            loan.lender,
            loan.due
        );
    }
    match o.cancel_requested_by.clone() {
        Some(first) if first == me.name => {
            fail!(AlreadyExists, "{} already asked to cancel order {id}; the other side must agree", me.name)
        }
        None => {
            o.cancel_requested_by = Some(me.name.clone());
            save_order(&o);
            order_event(api::CANCEL_REQUESTED, &o, &me.name);
            return Ok(false);
        }
        Some(_) => {}
    }
    o.status = OrderStatus::Cancelled;
    for lc_id in o.letters_of_credit.clone() {
        let mut l = load_lc(lc_id)?;
        if l.status.is_open() {
            l.status = LcStatus::Closed;
            save_lc(&l);
            lc_event(api::LC_CLOSED, &l);
        }
    }
    if let Some(loan) = o.loan.as_mut().filter(|l| l.status == LoanStatus::Requested) {
        loan.status = LoanStatus::Rejected;
    }
    save_order(&o);
    order_event(api::ORDER_CANCELLED, &o, &me.name);
    Ok(true)
}

// ---- letters of credit ----------------------------------------------------------------------

fn issue_lc(a: IssueLcArgs) -> Result<LcId> {
    let me = members::acting(&registry(), &[Role::Financier])?;
    let mut o = load_order(a.order)?;
    let Some(bank) = o.buyer_bank.clone() else {
        fail!(NotFound, "order {} names no buyer's bank", o.id);
    };
    require_party(&me, &bank, "buyer's bank", &o)?;
    ensure!(
        o.terms == PaymentTerms::LetterOfCredit,
        InvalidState,
        "order {} is payable {}, not under a letter of credit",
        o.id,
        o.terms.describe()
    );
    require_status(&o, &[OrderStatus::Accepted], "issuing a letter of credit")?;
    for id in &o.letters_of_credit {
        let l = load_lc(*id)?;
        ensure!(
            !l.status.is_open(),
            InvalidState,
            "letter of credit {} for order {} is still {}",
            l.id,
            o.id,
            l.status.as_str()
        );
    }
    ensure!(a.amount > 0, InvalidArgument, "amount must be positive");
    ensure!(
        a.amount <= o.amount,
        ExceedsAmount,
        "a credit of {} exceeds the order's amount of {}",
        a.amount,
        o.amount
    );
    ensure!(a.expiry_day > today(), InvalidArgument, "the expiry date must be after today");
    ensure!(!a.required.is_empty(), InvalidArgument, "a letter of credit requires at least one document");
    for (i, k) in a.required.iter().enumerate() {
        ensure!(
            !a.required[..i].contains(k),
            AlreadyExists,
            "{} is listed twice among the required documents",
            k.as_str()
        );
    }
    let id = storage::next_id(NEXT_LC_KEY);
    let l = LetterOfCredit {
        id,
        order: o.id,
        issuing_bank: me.name,
        applicant: o.buyer.clone(),
        beneficiary: o.seller.clone(),
        amount: a.amount,
        currency: o.currency.clone(),
        expiry_day: a.expiry_day,
        required: a.required,
        status: LcStatus::Issued,
        issued_at_ms: block_time_ms(),
        discrepancies: Vec::new(),
        presentations: 0,
        waived_by: None,
        honoured_at_ms: None,
    };
    o.letters_of_credit.push(id);
    save_order(&o);
    save_lc(&l);
    lc_event(api::LC_ISSUED, &l);
    Ok(id)
}

fn answer_lc(id: LcId, accept: bool) -> Result<()> {
    let me = acting()?;
    let mut l = load_lc(id)?;
    ensure!(
        me.name == l.beneficiary,
        Unauthorized,
        "only the beneficiary of letter of credit {id} ({}) may answer it",
        l.beneficiary
    );
    ensure!(
        l.status == LcStatus::Issued,
        InvalidState,
        "letter of credit {id} is {}, not awaiting an answer",
        l.status.as_str()
    );
    l.status = if accept { LcStatus::Accepted } else { LcStatus::Rejected };
    save_lc(&l);
    lc_event(if accept { api::LC_ACCEPTED } else { api::LC_REJECTED }, &l);
    Ok(())
}

fn accept_lc(id: LcId) -> Result<()> {
    answer_lc(id, true)
}

fn reject_lc(id: LcId) -> Result<()> {
    answer_lc(id, false)
}

/// UCP 600-style examination of a presentation against the credit and the order.
fn examine(l: &LetterOfCredit, o: &Order) -> Vec<Discrepancy> {
    let mut found = Vec::new();
    for kind in &l.required {
        if o.live_document(*kind).is_none() {
            found.push(Discrepancy::MissingDocument(*kind));
        }
    }
    let presented_day = today();
    if presented_day > l.expiry_day {
        found.push(Discrepancy::PresentedAfterExpiry { presented_day, expiry_day: l.expiry_day });
    }
    if let Some(shipped) = o.shipped_at_ms {
        let shipped_day = (shipped / MS_PER_DAY) as u32;
        if shipped_day > o.latest_shipment_day {
            found.push(Discrepancy::LateShipment { shipped_day, latest_day: o.latest_shipment_day });
        }
    }
    if let Some(invoiced) = o.invoiced.filter(|i| *i > l.amount) {
        found.push(Discrepancy::InvoiceExceedsCredit { invoiced, credit: l.amount });
    }
    found
}

const PRESENTABLE: &[OrderStatus] = &[OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Invoiced];

fn present(id: LcId) -> Result<PresentationOutcome> {
    let me = acting()?;
    let mut l = load_lc(id)?;
    ensure!(
        me.name == l.beneficiary,
        Unauthorized,
        "only the beneficiary of letter of credit {id} ({}) presents documents",
        l.beneficiary
    );
    match l.status {
        LcStatus::Accepted | LcStatus::Discrepant => {}
        LcStatus::Honoured => fail!(InvalidState, "letter of credit {id} was already honoured"),
        other => {
            fail!(InvalidState, "letter of credit {id} is {}: documents cannot be presented", other.as_str())
        }
    }
    let mut o = load_order(l.order)?;
    require_status(&o, PRESENTABLE, "presenting documents")?;
    l.presentations += 1;
    l.discrepancies = examine(&l, &o);
    if !l.discrepancies.is_empty() {
        l.status = LcStatus::Discrepant;
        save_lc(&l);
        lc_event(api::LC_DISCREPANT, &l);
        return Ok(PresentationOutcome::Discrepant(l.discrepancies));
    }
    honour(&mut l, &mut o, &me.name)
}

fn waive_discrepancies(id: LcId) -> Result<PresentationOutcome> {
    let me = acting()?;
    let mut l = load_lc(id)?;
    ensure!(
        me.name == l.applicant,
        Unauthorized,
        "only the applicant of letter of credit {id} ({}) may waive discrepancies",
        l.applicant
    );
    ensure!(
        l.status == LcStatus::Discrepant,
        InvalidState,
        "letter of credit {id} is {}, not discrepant",
        l.status.as_str()
    );
    let mut o = load_order(l.order)?;
    require_status(&o, PRESENTABLE, "honouring")?;
    l.waived_by = Some(caller());
    lc_event(api::LC_DISCREPANCIES_WAIVED, &l);
    honour(&mut l, &mut o, &me.name)
}

/// Pays the beneficiary from the issuing bank's own deposit token, in this transaction.
fn honour(l: &mut LetterOfCredit, o: &mut Order, by: &str) -> Result<PresentationOutcome> {
    let amount = o.invoiced.unwrap_or(l.amount).min(l.amount);
    let token = TokenId { financier: l.issuing_bank.clone(), currency: l.currency.clone() };
    let payment = pay_out(o, token, l.issuing_bank.clone(), amount)?;
    l.status = LcStatus::Honoured;
    l.honoured_at_ms = Some(block_time_ms());
    save_lc(l);
    save_order(o);
    lc_event(api::LC_HONOURED, l);
    order_event(api::ORDER_PAID, o, by);
    Ok(PresentationOutcome::Honoured(payment))
}

fn close_lc(id: LcId) -> Result<()> {
    let me = acting()?;
    let mut l = load_lc(id)?;
    ensure!(
        me.name == l.issuing_bank,
        Unauthorized,
        "only the issuing bank of letter of credit {id} ({}) may close it",
        l.issuing_bank
    );
    ensure!(l.status.is_open(), InvalidState, "letter of credit {id} is already {}", l.status.as_str());
    ensure!(
        today() > l.expiry_day || l.status == LcStatus::Issued,
        InvalidState,
        "letter of credit {id} was accepted and runs until its expiry; it cannot be closed before"
    );
    l.status = LcStatus::Closed;
    save_lc(&l);
    lc_event(api::LC_CLOSED, &l);
    Ok(())
}

// ---- pre-shipment financing -----------------------------------------------------------------

fn request_preshipment(a: RequestLoanArgs) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(a.order)?;
    let seller = o.seller.clone();
    require_party(&me, &seller, "seller", &o)?;
    require_status(&o, &[OrderStatus::Accepted], "pre-shipment financing")?;
    if let PaymentTerms::Deferred { .. } = o.terms {
        fail!(
            InvalidState,
            "order {} is on deferred terms: its voucher is financed by discounting it instead",
            o.id
        );
    }
    if let Some(loan) = o.loan.as_ref().filter(|l| l.status != LoanStatus::Rejected) {
        fail!(
            InvalidState,
            "order {} already has pre-shipment financing from {} ({})",
            o.id,
            loan.lender,
            loan.status.as_str()
        );
    }
    members::named(&registry(), &a.lender, &[Role::Financier])?;
    ensure!(a.amount > 0, InvalidArgument, "amount must be positive");
    ensure!(
        a.amount <= o.amount,
        ExceedsAmount,
        "financing of {} exceeds the order's amount of {}",
        a.amount,
        o.amount
    );
    o.loan = Some(PreShipmentLoan {
        lender: a.lender.clone(),
        principal: a.amount,
        rate_bps: 0,
        days: 0,
        due: 0,
        repaid: 0,
        status: LoanStatus::Requested,
    });
    index_party(&a.lender, o.id);
    save_order(&o);
    order_event(api::PRESHIPMENT_REQUESTED, &o, &me.name);
    Ok(())
}

fn requested_loan<'a>(o: &'a mut Order, me: &Member) -> Result<&'a mut PreShipmentLoan> {
    let id = o.id;
    let Some(loan) = o.loan.as_mut() else {
        fail!(NotFound, "order {id} has no pre-shipment financing request");
    };
    ensure!(
        loan.lender == me.name,
        Unauthorized,
        "the request on order {id} was made to {}, not {}",
        loan.lender,
        me.name
    );
    ensure!(
        loan.status == LoanStatus::Requested,
        InvalidState,
        "the financing of order {id} is already {}",
        loan.status.as_str()
    );
    Ok(loan)
}

fn approve_preshipment(a: ApproveLoanArgs) -> Result<PreShipmentLoan> {
    let me = members::acting(&registry(), &[Role::Financier])?;
    let mut o = load_order(a.order)?;
    require_status(&o, &[OrderStatus::Accepted], "disbursing pre-shipment financing")?;
    let seller = o.seller.clone();
    let currency = o.currency.clone();
    let loan = requested_loan(&mut o, &me)?;
    ensure!(a.rate_bps <= 10_000, InvalidArgument, "a rate of {} bps exceeds 100 %", a.rate_bps);
    ensure!((1..=365).contains(&a.days), InvalidArgument, "the financing term must be 1 to 365 days");
    // Interest: principal × rate × days / (10 000 × 360), rounded half up (ACT/360).
    let Ok(interest) = discount(loan.principal, a.rate_bps, a.days, DayCount::Act360) else {
        fail!(Overflow, "interest on {} overflows 128-bit arithmetic", loan.principal);
    };
    let Some(due) = loan.principal.checked_add(interest) else {
        fail!(Overflow, "principal plus interest overflows 128-bit arithmetic");
    };
    loan.rate_bps = a.rate_bps;
    loan.days = a.days;
    loan.due = due;
    loan.status = LoanStatus::Disbursed;
    let principal = loan.principal;
    let result = loan.clone();
    move_tokens(&TokenId { financier: me.name.clone(), currency }, &me.name, &seller, principal);
    save_order(&o);
    order_event(api::PRESHIPMENT_DISBURSED, &o, &me.name);
    Ok(result)
}

fn reject_preshipment(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    requested_loan(&mut o, &me)?.status = LoanStatus::Rejected;
    save_order(&o);
    order_event(api::PRESHIPMENT_REJECTED, &o, &me.name);
    Ok(())
}

/// The seller repays what is due itself, in the lender's token (e.g. before a cancellation).
fn repay_preshipment(id: OrderId) -> Result<()> {
    let me = acting()?;
    let mut o = load_order(id)?;
    let seller = o.seller.clone();
    require_party(&me, &seller, "seller", &o)?;
    let currency = o.currency.clone();
    let Some(loan) = o.loan.as_mut().filter(|l| l.status == LoanStatus::Disbursed) else {
        fail!(NotFound, "order {id} has no outstanding pre-shipment financing");
    };
    let token = TokenId { financier: loan.lender.clone(), currency };
    move_tokens(&token, &seller, &loan.lender, loan.due);
    loan.repaid += loan.due;
    loan.due = 0;
    loan.status = LoanStatus::Repaid;
    save_order(&o);
    order_event(api::PRESHIPMENT_REPAID, &o, &me.name);
    Ok(())
}

// ---- queries: parties see their orders, auditors and operators see all ----------------------

fn may_see(m: &Member, o: &Order) -> Result<()> {
    ensure!(
        members::oversees(m) || o.parties().contains(&m.name.as_str()),
        NotVisible,
        "order {} is visible to its parties, auditors and operators; {} is not a party",
        o.id,
        m.name
    );
    Ok(())
}

fn order(id: OrderId) -> Result<Order> {
    let m = members::viewer(&registry(), "trade")?;
    let o = load_order(id)?;
    may_see(&m, &o)?;
    Ok(o)
}

fn lc(id: LcId) -> Result<LetterOfCredit> {
    let m = members::viewer(&registry(), "trade")?;
    let l = load_lc(id)?;
    may_see(&m, &load_order(l.order)?)?;
    Ok(l)
}

fn orders_of(member: String) -> Result<Vec<Order>> {
    let m = members::viewer(&registry(), "trade")?;
    ensure!(
        members::oversees(&m) || m.name == member,
        NotVisible,
        "the orders of {member} are visible to {member}, auditors and operators"
    );
    PARTIES.list(member.as_bytes()).into_iter().map(load_order).collect()
}
