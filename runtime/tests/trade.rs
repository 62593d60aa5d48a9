//! The trade contract on the real VM and the dev genesis: orders, documents by hash, letters of
//! credit that pay by themselves, deferred terms that become vouchers through a cross-contract
//! call, pre-shipment financing, privacy, and rollback of the whole call tree.
// Amounts are written as dollars_cents (e.g. 50_000_00 is 50,000.00 USD), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
mod common;
use common::*;
use scf_interface::{
    deposit_token::{ApproveArgs, BalanceArgs, MintArgs, TokenId},
    receivables::{parse_date, CreditKey, CreditLine, Day, Voucher, VoucherStatus},
    trade::{
        AcceptInvoiceArgs, ApproveLoanArgs, AttachArgs, CreateOrderArgs, Discrepancy, DisputeArgs, DocIndex,
        DocumentKind, Incoterm, InvoiceArgs, InvoiceOutcome, IssueLcArgs, LcId, LcStatus, LetterOfCredit,
        LoanStatus, Order, OrderId, OrderStatus, PaymentTerms, PreShipmentLoan, PresentationOutcome,
        RequestLoanArgs,
    },
};
use scf_primitives::{sha256, Amount, ContractAddress, Hash};

const SELLER: &str = "yiwu-crafts";
const BUYER: &str = "mx-retail";
const BUYER_BANK: &str = "mx-bank";
const CARRIER: &str = "carrier";

fn trade() -> ContractAddress {
    scf_interface::SystemContract::Trade.address()
}

fn tokens() -> ContractAddress {
    scf_interface::SystemContract::DepositToken.address()
}

fn today() -> Day {
    parse_date("2027-01-01").unwrap()
}

fn usd(financier: &str) -> TokenId {
    TokenId { financier: financier.into(), currency: "USD".into() }
}

fn balance(c: &Chain, token: &TokenId, member: &str) -> Amount {
    c.query(tokens(), "balance", enc(&BalanceArgs { token: token.clone(), member: member.into() }))
}

/// `financier` mints `amount` of its USD token to `to`, and `to` lets the trade contract spend it.
fn fund(c: &mut Chain, financier: &str, to: &str, amount: Amount) {
    ok::<()>(
        c,
        financier,
        tokens(),
        "mint",
        enc(&MintArgs { currency: "USD".into(), to: to.into(), amount }),
    );
    let approve = ApproveArgs { token: usd(financier), spender: trade(), amount };
    ok::<()>(c, to, tokens(), "approve", enc(&approve));
}

fn order_args(terms: PaymentTerms) -> CreateOrderArgs {
    CreateOrderArgs {
        buyer: BUYER.into(),
        seller: SELLER.into(),
        buyer_bank: Some(BUYER_BANK.into()),
        seller_bank: Some("bank".into()),
        carrier: Some(CARRIER.into()),
        currency: "USD".into(),
        amount: 50_000_00,
        goods_hash: sha256(b"2,000 LED string lights, model YW-2027"),
        incoterm: Incoterm::Fob,
        latest_shipment_day: today() + 30,
        terms,
    }
}

fn get(c: &Chain, id: OrderId) -> Order {
    c.query(trade(), "order", enc(&id))
}

fn get_lc(c: &Chain, id: LcId) -> LetterOfCredit {
    c.query(trade(), "lc", enc(&id))
}

/// An order drafted by the seller and accepted by the buyer.
fn accepted_order(c: &mut Chain, terms: PaymentTerms) -> OrderId {
    let id: OrderId = ok(c, SELLER, trade(), "create_order", enc(&order_args(terms)));
    ok::<()>(c, BUYER, trade(), "accept_order", enc(&id));
    id
}

fn doc(order: OrderId, kind: DocumentKind, content: &str) -> AttachArgs {
    AttachArgs { order, kind, sha256: sha256(content.as_bytes()), blob_ref: None, supersedes: None }
}

fn attach(c: &mut Chain, who: &str, order: OrderId, kind: DocumentKind, content: &str) -> DocIndex {
    ok(c, who, trade(), "attach_document", enc(&doc(order, kind, content)))
}

/// The carrier issues the bill of lading and the seller marks the goods shipped.
fn ship(c: &mut Chain, id: OrderId) {
    attach(c, CARRIER, id, DocumentKind::BillOfLading, &format!("B/L COSU{id}"));
    ok::<()>(c, SELLER, trade(), "mark_shipped", enc(&id));
}

fn lc_args(order: OrderId) -> IssueLcArgs {
    IssueLcArgs {
        order,
        amount: 50_000_00,
        expiry_day: today() + 60,
        required: vec![
            DocumentKind::BillOfLading,
            DocumentKind::CommercialInvoice,
            DocumentKind::PackingList,
            DocumentKind::CertificateOfOrigin,
        ],
    }
}

#[test]
fn letter_of_credit_honours_on_complying_documents_exactly_once_and_repays_preshipment_first() {
    let mut c = Chain::new();
    fund(&mut c, BUYER_BANK, BUYER_BANK, 200_000_00);
    fund(&mut c, "bank", "bank", 100_000_00);
    let id = accepted_order(&mut c, PaymentTerms::LetterOfCredit);

    // Only the buyer's bank issues the credit.
    let m = refused(&mut c, "bank", trade(), "issue_lc", enc(&lc_args(id)));
    assert!(m.contains("only the buyer's bank of order 1 (mx-bank)"), "{m}");
    let lc: LcId = ok(&mut c, BUYER_BANK, trade(), "issue_lc", enc(&lc_args(id)));
    let m = refused(&mut c, BUYER_BANK, trade(), "issue_lc", enc(&lc_args(id)));
    assert!(m.contains("letter of credit 1 for order 1 is still issued"), "{m}");
    let m = refused(&mut c, BUYER, trade(), "accept_lc", enc(&lc));
    assert!(m.contains("only the beneficiary"), "{m}");
    ok::<()>(&mut c, SELLER, trade(), "accept_lc", enc(&lc));

    // Pre-shipment financing: 20,000.00 at 6 % for 45 days, ACT/360:
    // 2,000,000 × 600 × 45 / 3,600,000 = 15,000 cents exactly; 20,150.00 due.
    let request = RequestLoanArgs { order: id, lender: "bank".into(), amount: 20_000_00 };
    ok::<()>(&mut c, SELLER, trade(), "request_preshipment", enc(&request));
    let approve = ApproveLoanArgs { order: id, rate_bps: 600, days: 45 };
    let m = refused(&mut c, BUYER_BANK, trade(), "approve_preshipment", enc(&approve));
    assert!(m.contains("made to bank, not mx-bank"), "{m}");
    let loan: PreShipmentLoan = ok(&mut c, "bank", trade(), "approve_preshipment", enc(&approve));
    assert_eq!((loan.due, loan.status), (20_150_00, LoanStatus::Disbursed));
    assert_eq!(balance(&c, &usd("bank"), SELLER), 20_000_00);

    // A named carrier issues the bill of lading, not the seller; shipping needs it.
    let m =
        refused(&mut c, SELLER, trade(), "attach_document", enc(&doc(id, DocumentKind::BillOfLading, "x")));
    assert!(m.contains("is attached by its carrier (carrier), not yiwu-crafts"), "{m}");
    let m = refused(&mut c, SELLER, trade(), "mark_shipped", enc(&id));
    assert!(m.contains("has no bill of lading"), "{m}");
    ship(&mut c, id);

    // First presentation lacks two documents: recorded as discrepancies, nothing paid.
    attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, "INV-2027-001 USD 50,000.00");
    let outcome: PresentationOutcome = ok(&mut c, SELLER, trade(), "present", enc(&lc));
    assert_eq!(
        outcome,
        PresentationOutcome::Discrepant(vec![
            Discrepancy::MissingDocument(DocumentKind::PackingList),
            Discrepancy::MissingDocument(DocumentKind::CertificateOfOrigin),
        ])
    );
    assert_eq!(get_lc(&c, lc).status, LcStatus::Discrepant);
    assert_eq!(balance(&c, &usd(BUYER_BANK), SELLER), 0);

    // Complete the set and present again: the credit honours in the same transaction.
    attach(&mut c, SELLER, id, DocumentKind::PackingList, "PL-2027-001");
    attach(&mut c, SELLER, id, DocumentKind::CertificateOfOrigin, "CO Zhejiang 2027-0001");
    let t = c.call(SELLER, trade(), "present", enc(&lc));
    let r = c.one(t);
    let PresentationOutcome::Honoured(payment) = return_value(&r) else { panic!("not honoured") };
    assert_eq!((payment.amount, payment.to_lender, payment.to_seller), (50_000_00, 20_150_00, 29_850_00));
    let topics: Vec<&str> = r.events.iter().map(|e| e.topic.as_str()).collect();
    assert!(topics.contains(&"lc_honoured") && topics.contains(&"order_paid"), "{topics:?}");
    assert_eq!(balance(&c, &usd(BUYER_BANK), SELLER), 29_850_00);
    assert_eq!(balance(&c, &usd(BUYER_BANK), "bank"), 20_150_00);
    assert_eq!(balance(&c, &usd(BUYER_BANK), BUYER_BANK), 150_000_00);
    let o = get(&c, id);
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(
        o.loan.as_ref().map(|l| (l.status, l.due, l.repaid)),
        Some((LoanStatus::Repaid, 0, 20_150_00))
    );

    // Exactly once: a second presentation and a waiver are refused and move nothing.
    let m = refused(&mut c, SELLER, trade(), "present", enc(&lc));
    assert!(m.contains("letter of credit 1 was already honoured"), "{m}");
    let m = refused(&mut c, BUYER, trade(), "waive_discrepancies", enc(&lc));
    assert!(m.contains("is honoured, not discrepant"), "{m}");
    assert_eq!(balance(&c, &usd(BUYER_BANK), SELLER), 29_850_00);
    let m =
        refused(&mut c, SELLER, trade(), "attach_document", enc(&doc(id, DocumentKind::Insurance, "late")));
    assert!(m.contains("order 1 is paid: its documents are closed"), "{m}");
}

#[test]
fn deferred_terms_turn_the_accepted_invoice_into_a_voucher_through_receivables() {
    let mut c = Chain::new();
    let mut args = order_args(PaymentTerms::Deferred { days: 60 });
    args.buyer_bank = None;
    let id: OrderId = ok(&mut c, BUYER, trade(), "create_order", enc(&args));
    let m = refused(&mut c, BUYER, trade(), "accept_order", enc(&id));
    assert!(m.contains("only yiwu-crafts, the counterparty of order 1 drafted by mx-retail"), "{m}");
    ok::<()>(&mut c, SELLER, trade(), "accept_order", enc(&id));
    ship(&mut c, id);
    let m = refused(&mut c, SELLER, trade(), "confirm_delivery", enc(&id));
    assert!(m.contains("only the buyer (mx-retail) or the carrier"), "{m}");
    ok::<()>(&mut c, BUYER, trade(), "confirm_delivery", enc(&id));
    let m = refused(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 48_000_00 }));
    assert!(m.contains("has no commercial invoice"), "{m}");
    let invoice_doc = "INV-2027-002 USD 48,000.00";
    attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, invoice_doc);
    let m = refused(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 50_000_01 }));
    assert!(m.contains("exceeds the order's amount"), "{m}");
    ok::<()>(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 48_000_00 }));

    // Nobody but the trade contract may issue a voucher in another member's name.
    let direct = scf_interface::receivables::OrderIssueArgs {
        issuer: BUYER.into(),
        issue: scf_interface::receivables::IssueArgs {
            to: SELLER.into(),
            amount: 1,
            currency: "USD".into(),
            maturity_day: today() + 10,
            trade_ref: None,
        },
    };
    let m = refused(&mut c, SELLER, receivables(), "issue_for_order", enc(&direct));
    assert!(m.contains("only the trade contract issues vouchers for orders"), "{m}");

    let accept = AcceptInvoiceArgs { order: id, token_financier: None };
    let m = refused(&mut c, SELLER, trade(), "accept_invoice", enc(&accept));
    assert!(m.contains("only the buyer of order 1 (mx-retail)"), "{m}");
    let t = c.call(BUYER, trade(), "accept_invoice", enc(&accept));
    let r = c.one(t);
    let InvoiceOutcome::VoucherIssued(voucher_id) = return_value(&r) else { panic!("no voucher") };
    let topics: Vec<&str> = r.events.iter().map(|e| e.topic.as_str()).collect();
    assert_eq!(topics, ["voucher_issued", "order_financed"], "the callee's events come first");

    let v: Voucher = c.voucher(voucher_id);
    assert_eq!((v.issuer.as_str(), v.holder.as_str(), v.amount), (BUYER, SELLER, 48_000_00));
    assert_eq!(
        (v.maturity_day, v.trade_ref, v.status),
        (today() + 60, Some(sha256(invoice_doc.as_bytes())), VoucherStatus::PendingAcceptance)
    );
    let line: Option<CreditLine> =
        c.query(receivables(), "credit", enc(&CreditKey { core: BUYER.into(), currency: "USD".into() }));
    assert_eq!(line.unwrap().outstanding, 48_000_00);
    let o = get(&c, id);
    assert_eq!((o.status, o.voucher), (OrderStatus::Financed, Some(voucher_id)));
    // From here it is an ordinary voucher: the seller accepts it and may discount it.
    ok::<()>(&mut c, SELLER, receivables(), "accept", enc(&voucher_id));
    assert_eq!(c.voucher(voucher_id).status, VoucherStatus::Active);
}

#[test]
fn a_failing_callee_rolls_back_the_whole_call_tree() {
    let mut c = Chain::new();
    // The buyer's USD credit line is 1,000,000,000.00; an order beyond it fails in receivables.
    let mut args = order_args(PaymentTerms::Deferred { days: 30 });
    args.amount = 2_000_000_000_00;
    let id: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&args));
    ok::<()>(&mut c, BUYER, trade(), "accept_order", enc(&id));
    ship(&mut c, id);
    ok::<()>(&mut c, BUYER, trade(), "confirm_delivery", enc(&id));
    attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, "INV big");
    ok::<()>(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 2_000_000_000_00 }));
    let accept = AcceptInvoiceArgs { order: id, token_financier: None };
    let m = refused(&mut c, BUYER, trade(), "accept_invoice", enc(&accept));
    assert!(m.contains("in ") && m.contains("would exceed mx-retail's credit line"), "{m}");
    assert_eq!(get(&c, id).status, OrderStatus::Invoiced, "the trade contract's own writes are undone");
    let line: Option<CreditLine> =
        c.query(receivables(), "credit", enc(&CreditKey { core: BUYER.into(), currency: "USD".into() }));
    assert_eq!(line.unwrap().outstanding, 0, "the callee's writes are undone too");
    let none: Option<Voucher> = c.query(receivables(), "get", enc(&1u64));
    assert!(none.is_none());

    // An L/C whose bank never let the trade contract spend its tokens: presenting fails as a
    // whole, the credit stays open, and it honours once the allowance exists.
    let mut c = Chain::new();
    ok::<()>(
        &mut c,
        BUYER_BANK,
        tokens(),
        "mint",
        enc(&MintArgs { currency: "USD".into(), to: BUYER_BANK.into(), amount: 50_000_00 }),
    );
    let id = accepted_order(&mut c, PaymentTerms::LetterOfCredit);
    let lc: LcId = ok(
        &mut c,
        BUYER_BANK,
        trade(),
        "issue_lc",
        enc(&IssueLcArgs { required: vec![DocumentKind::BillOfLading], ..lc_args(id) }),
    );
    ok::<()>(&mut c, SELLER, trade(), "accept_lc", enc(&lc));
    ship(&mut c, id);
    let m = refused(&mut c, SELLER, trade(), "present", enc(&lc));
    assert!(m.contains("mx-bank allows contract") && m.contains("less than the 5000000 requested"), "{m}");
    assert_eq!(get_lc(&c, lc).status, LcStatus::Accepted);
    assert_eq!(get(&c, id).status, OrderStatus::Shipped);
    let approve = ApproveArgs { token: usd(BUYER_BANK), spender: trade(), amount: 50_000_00 };
    ok::<()>(&mut c, BUYER_BANK, tokens(), "approve", enc(&approve));
    let outcome: PresentationOutcome = ok(&mut c, SELLER, trade(), "present", enc(&lc));
    assert!(matches!(outcome, PresentationOutcome::Honoured(_)));
}

#[test]
fn documents_are_superseded_never_replaced_and_never_reused() {
    let mut c = Chain::new();
    let id = accepted_order(&mut c, PaymentTerms::OnDelivery);
    let other = accepted_order(&mut c, PaymentTerms::OnDelivery);
    let first = attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, "INV v1");

    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "attach_document",
        enc(&doc(id, DocumentKind::CommercialInvoice, "INV v2")),
    );
    assert!(
        m.contains("already has a commercial_invoice (#0); a new one must say that it supersedes #0"),
        "{m}"
    );
    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "attach_document",
        enc(&doc(other, DocumentKind::CommercialInvoice, "INV v1")),
    );
    assert!(m.contains("is already attached to order 1 as #0"), "{m}");
    let m =
        refused(&mut c, BUYER, trade(), "attach_document", enc(&doc(id, DocumentKind::PackingList, "PL")));
    assert!(
        m.contains("a packing_list for order 1 is attached by its seller (yiwu-crafts), not mx-retail"),
        "{m}"
    );
    let m = refused(
        &mut c,
        "supplier1",
        trade(),
        "attach_document",
        enc(&doc(id, DocumentKind::PurchaseContract, "PC")),
    );
    assert!(m.contains("supplier1 is not a party to order 1"), "{m}");

    let wrong_kind = AttachArgs { supersedes: Some(first), ..doc(id, DocumentKind::PackingList, "PL") };
    let m = refused(&mut c, SELLER, trade(), "attach_document", enc(&wrong_kind));
    assert!(m.contains("document #0 is a commercial_invoice, not a packing_list"), "{m}");
    let v2 = AttachArgs { supersedes: Some(first), ..doc(id, DocumentKind::CommercialInvoice, "INV v2") };
    let second: DocIndex = ok(&mut c, SELLER, trade(), "attach_document", enc(&v2));
    let again = AttachArgs { supersedes: Some(first), ..doc(id, DocumentKind::CommercialInvoice, "INV v3") };
    let m = refused(&mut c, SELLER, trade(), "attach_document", enc(&again));
    assert!(m.contains("document #0 was already superseded by #1"), "{m}");
    // Only the issuer supersedes its document.
    ok::<DocIndex>(
        &mut c,
        BUYER,
        trade(),
        "attach_document",
        enc(&doc(id, DocumentKind::PurchaseContract, "PC buyer")),
    );
    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "attach_document",
        enc(&AttachArgs { supersedes: Some(2), ..doc(id, DocumentKind::PurchaseContract, "PC seller") }),
    );
    assert!(m.contains("only its issuer (mx-retail) may supersede document #2"), "{m}");
    let long = AttachArgs { blob_ref: Some("x".repeat(257)), ..doc(id, DocumentKind::PackingList, "PL") };
    let m = refused(&mut c, SELLER, trade(), "attach_document", enc(&long));
    assert!(m.contains("blob reference exceeds 256 bytes"), "{m}");

    let o = get(&c, id);
    assert_eq!(o.documents.len(), 3);
    assert_eq!(o.documents[0].superseded_by, Some(second));
    assert_eq!(o.live_document(DocumentKind::CommercialInvoice).map(|d| d.index), Some(second));
    assert_eq!(o.documents[1].sha256, sha256(b"INV v2"));
}

#[test]
fn expiry_late_shipment_and_waivers() {
    let mut c = Chain::new();
    fund(&mut c, BUYER_BANK, BUYER_BANK, 100_000_00);
    let id = accepted_order(&mut c, PaymentTerms::LetterOfCredit);
    let past = IssueLcArgs { expiry_day: today(), ..lc_args(id) };
    let m = refused(&mut c, BUYER_BANK, trade(), "issue_lc", enc(&past));
    assert!(m.contains("expiry date must be after today"), "{m}");
    let dup =
        IssueLcArgs { required: vec![DocumentKind::BillOfLading, DocumentKind::BillOfLading], ..lc_args(id) };
    let m = refused(&mut c, BUYER_BANK, trade(), "issue_lc", enc(&dup));
    assert!(m.contains("bill_of_lading is listed twice"), "{m}");
    let lc: LcId = ok(
        &mut c,
        BUYER_BANK,
        trade(),
        "issue_lc",
        enc(&IssueLcArgs { required: vec![DocumentKind::BillOfLading], ..lc_args(id) }),
    );
    ok::<()>(&mut c, SELLER, trade(), "accept_lc", enc(&lc));
    let m = refused(&mut c, BUYER_BANK, trade(), "close_lc", enc(&lc));
    assert!(m.contains("runs until its expiry"), "{m}");
    let m = refused(&mut c, SELLER, trade(), "present", enc(&lc));
    assert!(
        m.contains(
            "order 1 is accepted; presenting documents needs it to be shipped or delivered or invoiced"
        ),
        "{m}"
    );

    // Ship 40 days on (latest shipment: day 30) and present 70 days on (expiry: day 60).
    c.days_ahead = 40;
    ship(&mut c, id);
    c.days_ahead = 70;
    let outcome: PresentationOutcome = ok(&mut c, SELLER, trade(), "present", enc(&lc));
    assert_eq!(
        outcome,
        PresentationOutcome::Discrepant(vec![
            Discrepancy::PresentedAfterExpiry { presented_day: today() + 70, expiry_day: today() + 60 },
            Discrepancy::LateShipment { shipped_day: today() + 40, latest_day: today() + 30 },
        ])
    );
    let m = refused(&mut c, SELLER, trade(), "waive_discrepancies", enc(&lc));
    assert!(m.contains("only the applicant of letter of credit 1 (mx-retail)"), "{m}");
    let outcome: PresentationOutcome = ok(&mut c, BUYER, trade(), "waive_discrepancies", enc(&lc));
    assert!(matches!(outcome, PresentationOutcome::Honoured(p) if p.to_seller == 50_000_00));
    let l = get_lc(&c, lc);
    assert_eq!((l.status, l.presentations), (LcStatus::Honoured, 1));
    assert!(l.waived_by.is_some());

    // An expired, unused credit may be closed by its bank.
    let later =
        CreateOrderArgs { latest_shipment_day: today() + 100, ..order_args(PaymentTerms::LetterOfCredit) };
    let id2: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&later));
    ok::<()>(&mut c, BUYER, trade(), "accept_order", enc(&id2));
    let lc2: LcId = ok(
        &mut c,
        BUYER_BANK,
        trade(),
        "issue_lc",
        enc(&IssueLcArgs { expiry_day: today() + 75, ..lc_args(id2) }),
    );
    ok::<()>(&mut c, SELLER, trade(), "accept_lc", enc(&lc2));
    c.days_ahead = 76;
    ok::<()>(&mut c, BUYER_BANK, trade(), "close_lc", enc(&lc2));
    let m = refused(&mut c, SELLER, trade(), "present", enc(&lc2));
    assert!(m.contains("letter of credit 2 is closed"), "{m}");
}

#[test]
fn every_transition_has_its_party_and_its_order() {
    let mut c = Chain::new();
    let args = order_args(PaymentTerms::OnDelivery);
    let m = refused(&mut c, "supplier1", trade(), "create_order", enc(&args));
    assert!(m.contains("drafted by its buyer or its seller; supplier1 is neither"), "{m}");
    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "create_order",
        enc(&CreateOrderArgs { carrier: Some("bank".into()), ..args.clone() }),
    );
    assert!(m.contains("member bank has role financier, but this needs logistics"), "{m}");
    let deferred_supplier_buyer = CreateOrderArgs {
        buyer: "supplier1".into(),
        terms: PaymentTerms::Deferred { days: 30 },
        ..args.clone()
    };
    let m = refused(&mut c, SELLER, trade(), "create_order", enc(&deferred_supplier_buyer));
    assert!(m.contains("deferred terms issue a payable voucher from buyer to seller (buyer)"), "{m}");
    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "create_order",
        enc(&CreateOrderArgs { buyer_bank: None, terms: PaymentTerms::LetterOfCredit, ..args.clone() }),
    );
    assert!(m.contains("needs the buyer's bank"), "{m}");

    // Drafts: only the drafter withdraws, only the counterparty answers, once.
    let id: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&args));
    let m = refused(&mut c, BUYER, trade(), "withdraw_order", enc(&id));
    assert!(m.contains("only the drafter of order 1 (yiwu-crafts)"), "{m}");
    let m = refused(&mut c, SELLER, trade(), "mark_shipped", enc(&id));
    assert!(m.contains("order 1 is drafted; shipping needs it to be accepted"), "{m}");
    ok::<()>(&mut c, SELLER, trade(), "withdraw_order", enc(&id));
    let m = refused(&mut c, BUYER, trade(), "accept_order", enc(&id));
    assert!(m.contains("order 1 is withdrawn; accepting needs it to be drafted"), "{m}");
    let id: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&args));
    ok::<()>(&mut c, BUYER, trade(), "reject_order", enc(&id));
    assert_eq!(get(&c, id).status, OrderStatus::Rejected);

    // Disputes pause the order; only who raised one withdraws it.
    let id = accepted_order(&mut c, PaymentTerms::OnDelivery);
    ship(&mut c, id);
    let dispute = DisputeArgs { order: id, reason: "cartons damaged on arrival".into() };
    let m = refused(&mut c, CARRIER, trade(), "dispute", enc(&dispute));
    assert!(m.contains("only the buyer (mx-retail) or the seller (yiwu-crafts)"), "{m}");
    ok::<()>(&mut c, BUYER, trade(), "dispute", enc(&dispute));
    let m = refused(&mut c, BUYER, trade(), "confirm_delivery", enc(&id));
    assert!(m.contains("is disputed; confirming delivery needs it to be shipped"), "{m}");
    let m = refused(&mut c, SELLER, trade(), "withdraw_dispute", enc(&id));
    assert!(m.contains("only mx-retail"), "{m}");
    ok::<()>(&mut c, BUYER, trade(), "withdraw_dispute", enc(&id));
    assert_eq!(get(&c, id).status, OrderStatus::Shipped);

    // On-delivery terms: the carrier confirms delivery; the buyer pays on accepting the invoice.
    ok::<()>(&mut c, CARRIER, trade(), "confirm_delivery", enc(&id));
    attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, "INV od");
    let m = refused(&mut c, BUYER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 1 }));
    assert!(m.contains("only the seller of order"), "{m}");
    ok::<()>(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 45_000_00 }));
    let m = refused(
        &mut c,
        BUYER,
        trade(),
        "accept_invoice",
        enc(&AcceptInvoiceArgs { order: id, token_financier: None }),
    );
    assert!(m.contains("name the deposit token"), "{m}");
    fund(&mut c, "bank", BUYER, 45_000_00);
    let accept = AcceptInvoiceArgs { order: id, token_financier: Some("bank".into()) };
    let outcome: InvoiceOutcome = ok(&mut c, BUYER, trade(), "accept_invoice", enc(&accept));
    assert!(matches!(outcome, InvoiceOutcome::Paid(p) if p.to_seller == 45_000_00 && p.payer == BUYER));
    assert_eq!(balance(&c, &usd("bank"), SELLER), 45_000_00);
    let m = refused(&mut c, BUYER, trade(), "accept_invoice", enc(&accept));
    assert!(m.contains("order 3 is paid"), "{m}");

    // Cancelling needs both sides, and not while pre-shipment financing is outstanding.
    fund(&mut c, "bank", "bank", 10_000_00);
    let id = accepted_order(&mut c, PaymentTerms::OnDelivery);
    ok::<()>(
        &mut c,
        SELLER,
        trade(),
        "request_preshipment",
        enc(&RequestLoanArgs { order: id, lender: "bank".into(), amount: 10_000_00 }),
    );
    ok::<PreShipmentLoan>(
        &mut c,
        "bank",
        trade(),
        "approve_preshipment",
        enc(&ApproveLoanArgs { order: id, rate_bps: 500, days: 36 }),
    );
    let m = refused(&mut c, BUYER, trade(), "cancel", enc(&id));
    assert!(m.contains("pre-shipment financing from bank is outstanding (1005000 due)"), "{m}");
    // 10,000.00 × 5 % × 36/360 = 50.00 interest; the seller repays 10,050.00 itself.
    let approve = ApproveArgs { token: usd("bank"), spender: trade(), amount: 10_050_00 };
    ok::<()>(&mut c, SELLER, tokens(), "approve", enc(&approve));
    ok::<()>(&mut c, SELLER, trade(), "repay_preshipment", enc(&id));
    assert_eq!(balance(&c, &usd("bank"), SELLER), 45_000_00 - 50_00);
    assert!(!ok::<bool>(&mut c, BUYER, trade(), "cancel", enc(&id)));
    let m = refused(&mut c, BUYER, trade(), "cancel", enc(&id));
    assert!(m.contains("already asked to cancel"), "{m}");
    assert!(ok::<bool>(&mut c, SELLER, trade(), "cancel", enc(&id)));
    assert_eq!(get(&c, id).status, OrderStatus::Cancelled);

    // Deferred orders are financed through their voucher, not before shipment.
    let mut deferred = order_args(PaymentTerms::Deferred { days: 30 });
    deferred.buyer_bank = None;
    let id: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&deferred));
    ok::<()>(&mut c, BUYER, trade(), "accept_order", enc(&id));
    let m = refused(
        &mut c,
        SELLER,
        trade(),
        "request_preshipment",
        enc(&RequestLoanArgs { order: id, lender: "bank".into(), amount: 1 }),
    );
    assert!(m.contains("financed by discounting it instead"), "{m}");
}

#[test]
fn a_maker_checker_buyer_accepts_an_invoice_with_two_accounts() {
    let mut c = Chain::new();
    // supplier3 (maker–checker) buys from yiwu-crafts, paying on delivery.
    let args = CreateOrderArgs {
        buyer: "supplier3".into(),
        buyer_bank: None,
        ..order_args(PaymentTerms::OnDelivery)
    };
    let id: OrderId = ok(&mut c, SELLER, trade(), "create_order", enc(&args));
    ok::<()>(&mut c, "supplier3-maker", trade(), "accept_order", enc(&id));
    ship(&mut c, id);
    ok::<()>(&mut c, "supplier3-checker", trade(), "confirm_delivery", enc(&id));
    attach(&mut c, SELLER, id, DocumentKind::CommercialInvoice, "INV mc");
    ok::<()>(&mut c, SELLER, trade(), "invoice", enc(&InvoiceArgs { order: id, amount: 10_00 }));
    ok::<()>(
        &mut c,
        "bank",
        tokens(),
        "mint",
        enc(&MintArgs { currency: "USD".into(), to: "supplier3".into(), amount: 10_00 }),
    );
    let approve = ApproveArgs { token: usd("bank"), spender: trade(), amount: 10_00 };
    ok::<()>(&mut c, "supplier3-maker", tokens(), "approve", enc(&approve));

    let accept = AcceptInvoiceArgs { order: id, token_financier: Some("bank".into()) };
    let first: InvoiceOutcome = ok(&mut c, "supplier3-maker", trade(), "accept_invoice", enc(&accept));
    assert_eq!(first, InvoiceOutcome::AwaitingSecondAccount);
    assert_eq!(balance(&c, &usd("bank"), SELLER), 0);
    let m = refused(&mut c, "supplier3-maker", trade(), "accept_invoice", enc(&accept));
    assert!(m.contains("another of its accounts must accept this invoice"), "{m}");
    let second: InvoiceOutcome = ok(&mut c, "supplier3-checker", trade(), "accept_invoice", enc(&accept));
    assert!(matches!(second, InvoiceOutcome::Paid(_)));
    assert_eq!(balance(&c, &usd("bank"), SELLER), 10_00);
}

#[test]
fn parties_see_their_orders_auditors_see_all_others_nothing() {
    let mut c = Chain::new();
    let id = accepted_order(&mut c, PaymentTerms::OnDelivery);
    for party in [SELLER, BUYER, BUYER_BANK, "bank", CARRIER, "auditor", "operator"] {
        let o: Order =
            borsh::from_slice(&c.query_as(Some(party), trade(), "order", enc(&id)).unwrap()).unwrap();
        assert_eq!(o.id, id, "{party}");
    }
    for outsider in [Some("supplier1"), Some("core"), None] {
        let err = c.query_as(outsider, trade(), "order", enc(&id)).unwrap_err();
        assert!(matches!(err, scf_primitives::TxError::ContractError { .. }), "{outsider:?}: {err:?}");
    }
    let mine: Vec<Order> = borsh::from_slice(
        &c.query_as(Some(CARRIER), trade(), "orders_of", enc(&CARRIER.to_string())).unwrap(),
    )
    .unwrap();
    assert_eq!(mine.len(), 1);
    assert!(c.query_as(Some(CARRIER), trade(), "orders_of", enc(&SELLER.to_string())).is_err());
    let all: Vec<Order> = c.query(trade(), "orders_of", enc(&SELLER.to_string()));
    assert_eq!(all.len(), 1);
    // Only hashes are stored: the goods description itself is nowhere in state.
    assert_eq!(get(&c, id).goods_hash, sha256(b"2,000 LED string lights, model YW-2027"));
    let _: Hash = get(&c, id).goods_hash;
}

#[test]
fn hostile_arguments_get_typed_errors_and_change_nothing() {
    let mut c = Chain::new();
    let id = accepted_order(&mut c, PaymentTerms::OnDelivery);
    let before = get(&c, id);
    let methods = [
        "create_order",
        "accept_order",
        "reject_order",
        "withdraw_order",
        "attach_document",
        "mark_shipped",
        "confirm_delivery",
        "invoice",
        "accept_invoice",
        "dispute",
        "withdraw_dispute",
        "cancel",
        "issue_lc",
        "accept_lc",
        "reject_lc",
        "present",
        "waive_discrepancies",
        "close_lc",
        "request_preshipment",
        "approve_preshipment",
        "reject_preshipment",
        "repay_preshipment",
    ];
    let garbage: [&[u8]; 3] = [&[], &[0xff; 3], &[7; 4096]];
    for method in methods {
        for args in garbage {
            let t = c.call(BUYER, trade(), method, args.to_vec());
            let r = c.one(t);
            match failure(&r) {
                scf_primitives::TxError::ContractError { message, .. } => {
                    assert!(
                        message.contains("invalid arguments") || message.contains("does not exist"),
                        "{method}: {message}"
                    )
                }
                other => panic!("{method}: {other:?}"),
            }
        }
    }
    let m =
        refused(&mut c, BUYER, trade(), "dispute", enc(&DisputeArgs { order: id, reason: "x".repeat(257) }));
    assert!(m.contains("reason of 1 to 256 bytes"), "{m}");
    let m = refused(&mut c, BUYER, trade(), "accept_order", enc(&999u64));
    assert!(m.contains("order 999 does not exist"), "{m}");
    assert_eq!(get(&c, id), before);
}
