//! Trade rules on the host: an order's parties act in turn, documents gate shipment and
//! invoicing, outsiders see nothing, and deferred terms turn the accepted invoice into a voucher
//! through a call into the receivables contract.
// Amounts are written as dollars_cents (100_00 is 100.00), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
use scf_contract_testkit::Consortium;
use scf_sdk::{
    interface::{
        receivables as rc,
        trade::{
            self as tr, AcceptInvoiceArgs, AttachArgs, CreateOrderArgs, DocumentKind, Incoterm, InvoiceArgs,
            InvoiceOutcome, OrderId, OrderStatus, PaymentTerms,
        },
    },
    ErrorCode, Hash,
};

fn deferred_order(c: &Consortium) -> OrderId {
    order_on(c, PaymentTerms::Deferred { days: 60 })
}

fn order_on(c: &Consortium, terms: PaymentTerms) -> OrderId {
    let args = CreateOrderArgs {
        buyer: "mx-retail".into(),
        seller: "yiwu-crafts".into(),
        buyer_bank: Some("mx-bank".into()),
        seller_bank: None,
        carrier: Some("carrier".into()),
        currency: "USD".into(),
        amount: 12_000_00,
        goods_hash: Hash([1; 32]),
        incoterm: Incoterm::Fob,
        latest_shipment_day: c.today() + 30,
        terms,
    };
    c.ok("yiwu-crafts", tr::CREATE_ORDER, &args)
}

fn attach(
    c: &Consortium,
    who: &str,
    order: OrderId,
    kind: DocumentKind,
    byte: u8,
) -> Result<u32, scf_sdk::testing::Refusal> {
    let args = AttachArgs { order, kind, sha256: Hash([byte; 32]), blob_ref: None, supersedes: None };
    c.call(who, tr::ATTACH_DOCUMENT, &args)
}

#[test]
fn an_order_on_deferred_terms_becomes_a_voucher() {
    let c = Consortium::new();
    let order = deferred_order(&c);
    assert_eq!(c.chain.events()[0].parties, ["carrier", "mx-bank", "mx-retail", "yiwu-crafts"]);
    let own = c.call("yiwu-crafts", tr::ACCEPT_ORDER, &order).unwrap_err();
    assert_eq!(own.error_code(), Some(ErrorCode::Unauthorized), "the drafter does not accept its own order");
    c.ok("mx-retail", tr::ACCEPT_ORDER, &order);

    let early = c.call("yiwu-crafts", tr::MARK_SHIPPED, &order).unwrap_err();
    assert_eq!(early.error_code(), Some(ErrorCode::InvalidState), "no bill of lading yet: {early:?}");
    attach(&c, "carrier", order, DocumentKind::BillOfLading, 2).unwrap();
    c.ok("carrier", tr::MARK_SHIPPED, &order);
    c.ok("mx-retail", tr::CONFIRM_DELIVERY, &order);
    attach(&c, "yiwu-crafts", order, DocumentKind::CommercialInvoice, 3).unwrap();
    let too_much = c.call("yiwu-crafts", tr::INVOICE, &InvoiceArgs { order, amount: 12_000_01 }).unwrap_err();
    assert_eq!(too_much.error_code(), Some(ErrorCode::ExceedsAmount));
    c.ok("yiwu-crafts", tr::INVOICE, &InvoiceArgs { order, amount: 11_500_00 });

    let accept = AcceptInvoiceArgs { order, token_financier: None };
    let InvoiceOutcome::VoucherIssued(voucher) = c.ok("mx-retail", tr::ACCEPT_INVOICE, &accept) else {
        panic!("deferred terms issue a voucher");
    };
    let v = c.query("yiwu-crafts", rc::GET, &voucher).unwrap().expect("the receivables contract holds it");
    assert_eq!((v.issuer.as_str(), v.holder.as_str(), v.amount), ("mx-retail", "yiwu-crafts", 11_500_00));
    assert_eq!(v.trade_ref, Some(Hash([3; 32])), "the voucher is backed by the accepted invoice");
    let o = c.query("yiwu-crafts", tr::ORDER, &order).unwrap();
    assert_eq!((o.status, o.voucher), (OrderStatus::Financed, Some(voucher)));
    let topics: Vec<_> = c.chain.events().iter().map(|e| e.topic.clone()).collect();
    assert!(
        topics.contains(&rc::VOUCHER_ISSUED.topic.to_string())
            && topics.contains(&tr::ORDER_FINANCED.topic.to_string()),
        "{topics:?}"
    );
}

#[test]
fn outsiders_neither_act_on_nor_see_an_order() {
    let c = Consortium::new();
    let order = deferred_order(&c);
    let hidden = c.query("supplier1", tr::ORDER, &order).unwrap_err();
    assert_eq!(hidden.error_code(), Some(ErrorCode::NotVisible), "{hidden:?}");
    let act = attach(&c, "supplier1", order, DocumentKind::PackingList, 4).unwrap_err();
    assert_eq!(act.error_code(), Some(ErrorCode::Unauthorized), "{act:?}");
    assert_eq!(
        c.query("mx-bank", tr::ORDER, &order).unwrap().status,
        OrderStatus::Drafted,
        "its bank sees it"
    );
    assert_eq!(
        c.call("mx-retail", tr::ACCEPT_ORDER, &999).unwrap_err().error_code(),
        Some(ErrorCode::NotFound)
    );
}

#[test]
fn a_lender_that_refused_hears_of_its_refusal_and_nothing_after() {
    use scf_sdk::interface::trade::RequestLoanArgs;
    let c = Consortium::new();
    let order = order_on(&c, PaymentTerms::OnDelivery);
    c.ok("mx-retail", tr::ACCEPT_ORDER, &order);
    c.ok(
        "yiwu-crafts",
        tr::REQUEST_PRESHIPMENT,
        &RequestLoanArgs { order, lender: "bank".into(), amount: 1_000_00 },
    );
    assert!(c.chain.events()[0].parties.contains(&"bank".to_string()), "the lender asked is a party");
    c.ok("bank", tr::REJECT_PRESHIPMENT, &order);
    assert!(c.chain.events()[0].parties.contains(&"bank".to_string()), "it learns of its own refusal");
    attach(&c, "carrier", order, DocumentKind::BillOfLading, 9).unwrap();
    assert!(!c.chain.events()[0].parties.contains(&"bank".to_string()), "and of nothing after");
    assert_eq!(c.query("bank", tr::ORDER, &order).unwrap_err().error_code(), Some(ErrorCode::NotVisible));
}
