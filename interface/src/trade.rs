//! Trade documents (Trusple style): a purchase order shared by buyer, seller, their banks and
//! the carrier; its documents as SHA-256 hashes; letters of credit that pay the seller in
//! deposit tokens when the documents are presented; deferred terms that turn the invoice into
//! a payable voucher; pre-shipment financing repaid first out of the order's payment.
//! Parties are member names (see [`crate::registry`]).
use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{deposit_token::TokenId, receivables::Day, receivables::VoucherId};
use scf_primitives::{AccountId, Amount, ContractAddress, Hash, TimestampMs};

crate::methods! {
    crate::SystemContract::Trade;
    INIT = "init": InitArgs => ();
    /// Creates an order (the buyer); returns its id.
    CREATE_ORDER = "create_order": CreateOrderArgs => OrderId;
    ACCEPT_ORDER = "accept_order": OrderId => ();
    REJECT_ORDER = "reject_order": OrderId => ();
    WITHDRAW_ORDER = "withdraw_order": OrderId => ();
    /// Attaches a document hash; returns its index on the order.
    ATTACH_DOCUMENT = "attach_document": AttachArgs => DocIndex;
    MARK_SHIPPED = "mark_shipped": OrderId => ();
    CONFIRM_DELIVERY = "confirm_delivery": OrderId => ();
    INVOICE = "invoice": InvoiceArgs => ();
    ACCEPT_INVOICE = "accept_invoice": AcceptInvoiceArgs => InvoiceOutcome;
    DISPUTE = "dispute": DisputeArgs => ();
    WITHDRAW_DISPUTE = "withdraw_dispute": OrderId => ();
    /// Cancels an order; returns whether a letter of credit was released.
    CANCEL = "cancel": OrderId => bool;
    /// Issues a letter of credit (the buyer's bank); returns its id.
    ISSUE_LC = "issue_lc": IssueLcArgs => LcId;
    ACCEPT_LC = "accept_lc": LcId => ();
    REJECT_LC = "reject_lc": LcId => ();
    PRESENT = "present": LcId => PresentationOutcome;
    WAIVE_DISCREPANCIES = "waive_discrepancies": LcId => PresentationOutcome;
    CLOSE_LC = "close_lc": LcId => ();
    REQUEST_PRESHIPMENT = "request_preshipment": RequestLoanArgs => ();
    APPROVE_PRESHIPMENT = "approve_preshipment": ApproveLoanArgs => PreShipmentLoan;
    REJECT_PRESHIPMENT = "reject_preshipment": OrderId => ();
    REPAY_PRESHIPMENT = "repay_preshipment": OrderId => ();
    ORDER = "order": OrderId => Order;
    LC = "lc": LcId => LetterOfCredit;
    ORDERS_OF = "orders_of": String => Vec<Order>;
}

/// Sequential, starting at 1.
pub type OrderId = u64;
/// Sequential letter-of-credit number, starting at 1.
pub type LcId = u64;
/// Position of a document in its order's list, from 0; never reused.
pub type DocIndex = u32;

/// Most documents (including superseded ones) an order may carry.
pub const MAX_DOCUMENTS: usize = 32;
/// Longest off-chain reference to an encrypted copy of a document.
pub const MAX_BLOB_REF: usize = 256;
/// Longest dispute or rejection reason.
pub const MAX_REASON: usize = 256;
/// Longest deferred payment term (days); the voucher's own maximum term applies too.
pub const MAX_DEFERRED_DAYS: u32 = 365;

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum PaymentTerms {
    /// The buyer pays the invoiced amount in deposit tokens when it accepts the invoice.
    OnDelivery,
    /// At sight under a letter of credit issued by the buyer's bank.
    LetterOfCredit,
    /// The buyer's acceptance of the invoice issues a payable voucher maturing `days` later.
    Deferred { days: u32 },
}

impl PaymentTerms {
    pub fn describe(&self) -> String {
        match self {
            PaymentTerms::OnDelivery => "on_delivery".into(),
            PaymentTerms::LetterOfCredit => "letter_of_credit".into(),
            PaymentTerms::Deferred { days } => alloc::format!("deferred_{days}_days"),
        }
    }
}

/// Incoterms 2020.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum Incoterm {
    Exw,
    Fca,
    Fas,
    Fob,
    Cfr,
    Cif,
    Cpt,
    Cip,
    Dap,
    Dpu,
    Ddp,
}

impl Incoterm {
    pub const ALL: [Incoterm; 11] = [
        Incoterm::Exw,
        Incoterm::Fca,
        Incoterm::Fas,
        Incoterm::Fob,
        Incoterm::Cfr,
        Incoterm::Cif,
        Incoterm::Cpt,
        Incoterm::Cip,
        Incoterm::Dap,
        Incoterm::Dpu,
        Incoterm::Ddp,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Incoterm::Exw => "EXW",
            Incoterm::Fca => "FCA",
            Incoterm::Fas => "FAS",
            Incoterm::Fob => "FOB",
            Incoterm::Cfr => "CFR",
            Incoterm::Cif => "CIF",
            Incoterm::Cpt => "CPT",
            Incoterm::Cip => "CIP",
            Incoterm::Dap => "DAP",
            Incoterm::Dpu => "DPU",
            Incoterm::Ddp => "DDP",
        }
    }

    /// Case-insensitive.
    pub fn parse(s: &str) -> Option<Incoterm> {
        Incoterm::ALL.into_iter().find(|i| i.as_str().eq_ignore_ascii_case(s))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum DocumentKind {
    PurchaseContract,
    CommercialInvoice,
    PackingList,
    BillOfLading,
    CertificateOfOrigin,
    InspectionCertificate,
    Insurance,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::PurchaseContract,
        DocumentKind::CommercialInvoice,
        DocumentKind::PackingList,
        DocumentKind::BillOfLading,
        DocumentKind::CertificateOfOrigin,
        DocumentKind::InspectionCertificate,
        DocumentKind::Insurance,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::PurchaseContract => "purchase_contract",
            DocumentKind::CommercialInvoice => "commercial_invoice",
            DocumentKind::PackingList => "packing_list",
            DocumentKind::BillOfLading => "bill_of_lading",
            DocumentKind::CertificateOfOrigin => "certificate_of_origin",
            DocumentKind::InspectionCertificate => "inspection_certificate",
            DocumentKind::Insurance => "insurance",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A document attached to an order: only its hash is on chain.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Document {
    pub index: DocIndex,
    pub kind: DocumentKind,
    /// SHA-256 of the file.
    pub sha256: Hash,
    /// The member that issued it (the attaching account's member).
    pub issuer: String,
    pub attached_by: AccountId,
    pub attached_at_ms: TimestampMs,
    /// Where an encrypted copy may be fetched (off chain), if anywhere.
    pub blob_ref: Option<String>,
    /// The earlier document of the same kind this one replaces.
    pub supersedes: Option<DocIndex>,
    /// Set when a later document replaced this one; a superseded document no longer counts.
    pub superseded_by: Option<DocIndex>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum OrderStatus {
    /// Drafted by one side, waiting for the other.
    Drafted,
    Accepted,
    /// The counterparty refused the draft.
    Rejected,
    /// The drafter took the draft back before the counterparty decided.
    Withdrawn,
    Shipped,
    Delivered,
    Invoiced,
    /// The seller was paid in deposit tokens (on delivery or under the letter of credit).
    Paid,
    /// Deferred terms: the invoice became a payable voucher (see `Order::voucher`).
    Financed,
    /// One side raised a dispute; the order waits until it is withdrawn or both cancel.
    Disputed,
    /// Cancelled by both buyer and seller.
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Drafted => "drafted",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Withdrawn => "withdrawn",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Paid => "paid",
            OrderStatus::Financed => "financed",
            OrderStatus::Disputed => "disputed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// No further step is possible.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Rejected
                | OrderStatus::Withdrawn
                | OrderStatus::Paid
                | OrderStatus::Financed
                | OrderStatus::Cancelled
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Dispute {
    pub raised_by: String,
    pub reason: String,
    pub raised_at_ms: TimestampMs,
    /// Where the order goes back to when the dispute is withdrawn.
    pub resumes: OrderStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum LoanStatus {
    Requested,
    /// Paid out; `due` is still owed.
    Disbursed,
    Repaid,
    Rejected,
}

impl LoanStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LoanStatus::Requested => "requested",
            LoanStatus::Disbursed => "disbursed",
            LoanStatus::Repaid => "repaid",
            LoanStatus::Rejected => "rejected",
        }
    }
}

/// Pre-shipment financing of an accepted order: paid to the seller in the lender's deposit
/// tokens, repaid first out of the order's payment.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct PreShipmentLoan {
    pub lender: String,
    pub principal: Amount,
    /// Annual rate, basis points; set on approval.
    pub rate_bps: u32,
    /// Days of interest charged; set on approval.
    pub days: u32,
    /// Principal plus interest (ACT/360, rounded half up) still owed.
    pub due: Amount,
    /// Repaid so far.
    pub repaid: Amount,
    pub status: LoanStatus,
}

/// How the seller was paid in tokens.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Payment {
    pub token: TokenId,
    /// The member whose tokens paid (the buyer, or the bank under a letter of credit).
    pub payer: String,
    pub amount: Amount,
    /// Part of `amount` that repaid pre-shipment financing.
    pub to_lender: Amount,
    pub to_seller: Amount,
    pub paid_at_ms: TimestampMs,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Order {
    pub id: OrderId,
    pub buyer: String,
    pub seller: String,
    pub buyer_bank: Option<String>,
    pub seller_bank: Option<String>,
    pub carrier: Option<String>,
    /// The side that drafted it (the buyer or the seller); the other side accepts.
    pub drafted_by: String,
    /// ISO 4217 code.
    pub currency: String,
    pub amount: Amount,
    /// SHA-256 of the goods description (kept off chain).
    pub goods_hash: Hash,
    pub incoterm: Incoterm,
    pub latest_shipment_day: Day,
    pub terms: PaymentTerms,
    pub status: OrderStatus,
    pub created_at_ms: TimestampMs,
    pub shipped_at_ms: Option<TimestampMs>,
    pub delivered_at_ms: Option<TimestampMs>,
    /// The invoiced amount (at most `amount`), set by `invoice`.
    pub invoiced: Option<Amount>,
    pub documents: Vec<Document>,
    /// Letters of credit issued for this order, oldest first; at most one is open.
    pub letters_of_credit: Vec<LcId>,
    pub loan: Option<PreShipmentLoan>,
    /// The payable voucher a deferred order became.
    pub voucher: Option<VoucherId>,
    pub payment: Option<Payment>,
    pub dispute: Option<Dispute>,
    /// The side that asked to cancel; the other side's `cancel` completes it.
    pub cancel_requested_by: Option<String>,
    /// Maker–checker buyer: the account that accepted the invoice first; another account of
    /// the buyer completes the acceptance.
    pub invoice_accepted_by: Option<AccountId>,
}

impl Order {
    /// Every member with a part in the order (who may see it): a lender that refused its
    /// pre-shipment request has none.
    pub fn parties(&self) -> Vec<&str> {
        let mut p = alloc::vec![self.buyer.as_str(), self.seller.as_str()];
        for x in [&self.buyer_bank, &self.seller_bank, &self.carrier].into_iter().flatten() {
            p.push(x.as_str());
        }
        if let Some(l) = self.loan.as_ref().filter(|l| l.status != LoanStatus::Rejected) {
            p.push(l.lender.as_str());
        }
        p
    }

    /// The live (not superseded) document of `kind`, if any.
    pub fn live_document(&self, kind: DocumentKind) -> Option<&Document> {
        self.documents.iter().find(|d| d.kind == kind && d.superseded_by.is_none())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum LcStatus {
    /// Issued by the buyer's bank, waiting for the seller.
    Issued,
    /// Accepted by the seller: documents may be presented.
    Accepted,
    /// The seller refused it.
    Rejected,
    /// Presented with discrepancies; the buyer may waive them.
    Discrepant,
    /// Paid, exactly once.
    Honoured,
    /// Closed unpaid: expired, or its order was cancelled.
    Closed,
}

impl LcStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LcStatus::Issued => "issued",
            LcStatus::Accepted => "accepted",
            LcStatus::Rejected => "rejected",
            LcStatus::Discrepant => "discrepant",
            LcStatus::Honoured => "honoured",
            LcStatus::Closed => "closed",
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self, LcStatus::Issued | LcStatus::Accepted | LcStatus::Discrepant)
    }
}

/// Why a presentation did not comply.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum Discrepancy {
    /// A required document is not attached (or only in superseded form).
    MissingDocument(DocumentKind),
    /// Presented after the expiry day.
    PresentedAfterExpiry { presented_day: Day, expiry_day: Day },
    /// Shipped after the order's latest shipment date.
    LateShipment { shipped_day: Day, latest_day: Day },
    /// The invoice asks for more than the credit covers.
    InvoiceExceedsCredit { invoiced: Amount, credit: Amount },
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct LetterOfCredit {
    pub id: LcId,
    pub order: OrderId,
    /// The buyer's bank, which pays in its own deposit token.
    pub issuing_bank: String,
    pub applicant: String,
    pub beneficiary: String,
    pub amount: Amount,
    pub currency: String,
    /// Last day documents may be presented.
    pub expiry_day: Day,
    pub required: Vec<DocumentKind>,
    pub status: LcStatus,
    pub issued_at_ms: TimestampMs,
    /// From the latest presentation.
    pub discrepancies: Vec<Discrepancy>,
    pub presentations: u32,
    /// The buyer's account that waived the discrepancies, if it did.
    pub waived_by: Option<AccountId>,
    pub honoured_at_ms: Option<TimestampMs>,
}

/// `init` input.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InitArgs {
    pub registry: ContractAddress,
    pub deposit_token: ContractAddress,
    pub receivables: ContractAddress,
}

/// `create_order` input: the caller's member is the buyer or the seller. Returns `OrderId`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct CreateOrderArgs {
    pub buyer: String,
    pub seller: String,
    pub buyer_bank: Option<String>,
    pub seller_bank: Option<String>,
    pub carrier: Option<String>,
    pub currency: String,
    pub amount: Amount,
    pub goods_hash: Hash,
    pub incoterm: Incoterm,
    pub latest_shipment_day: Day,
    pub terms: PaymentTerms,
}

/// `attach_document` input. Returns the new `DocIndex`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct AttachArgs {
    pub order: OrderId,
    pub kind: DocumentKind,
    pub sha256: Hash,
    pub blob_ref: Option<String>,
    /// Required when a live document of this kind exists: documents are superseded, never
    /// silently replaced.
    pub supersedes: Option<DocIndex>,
}

/// `invoice` input (seller, after delivery): needs a live commercial invoice.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InvoiceArgs {
    pub order: OrderId,
    pub amount: Amount,
}

/// `accept_invoice` input (buyer). On-delivery terms pay at once in the deposit token of
/// `token_financier` (which the buyer let the trade contract spend); deferred terms issue a
/// voucher and take no token.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct AcceptInvoiceArgs {
    pub order: OrderId,
    pub token_financier: Option<String>,
}

/// What `accept_invoice` did.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum InvoiceOutcome {
    /// Maker–checker buyer: recorded; another of its accounts must accept too.
    AwaitingSecondAccount,
    Paid(Payment),
    VoucherIssued(VoucherId),
}

/// `dispute` input (buyer or seller).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct DisputeArgs {
    pub order: OrderId,
    pub reason: String,
}

/// `issue_lc` input (the order's buyer bank). Returns `LcId`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct IssueLcArgs {
    pub order: OrderId,
    pub amount: Amount,
    pub expiry_day: Day,
    pub required: Vec<DocumentKind>,
}

/// What a presentation (or a waiver) did.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum PresentationOutcome {
    Honoured(Payment),
    Discrepant(Vec<Discrepancy>),
}

/// `request_preshipment` input (seller of an accepted order paid in tokens).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct RequestLoanArgs {
    pub order: OrderId,
    pub lender: String,
    pub amount: Amount,
}

/// `approve_preshipment` input (the named lender): pays the principal in its own token.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ApproveLoanArgs {
    pub order: OrderId,
    pub rate_bps: u32,
    pub days: u32,
}

/// Body of most order events: the order and its new status.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct OrderEvent {
    pub order: OrderId,
    pub status: OrderStatus,
    pub by: String,
}

/// Body of `document_attached`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct DocumentEvent {
    pub order: OrderId,
    pub index: DocIndex,
    pub kind: DocumentKind,
    pub sha256: Hash,
    pub supersedes: Option<DocIndex>,
}

/// Body of letter-of-credit events.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct LcEvent {
    pub lc: LcId,
    pub order: OrderId,
    pub status: LcStatus,
}

/// Storage key of an order.
pub fn order_key(id: OrderId) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(b'o');
    k.extend_from_slice(&id.to_be_bytes());
    k
}

// ---- events ------------------------------------------------------------------------------

use crate::events::{named, numbered, subject};

crate::events::event_body!(OrderEvent, [subject::ORDER], |e| alloc::vec![numbered(subject::ORDER, e.order)]);
crate::events::event_body!(DocumentEvent, [subject::ORDER, subject::DOCUMENT], |e| alloc::vec![
    numbered(subject::ORDER, e.order),
    named(subject::DOCUMENT, &e.sha256.to_hex())
]);
crate::events::event_body!(LcEvent, [subject::LETTER_OF_CREDIT, subject::ORDER], |e| alloc::vec![
    numbered(subject::LETTER_OF_CREDIT, e.lc),
    numbered(subject::ORDER, e.order)
]);

crate::events::events! {
    crate::SystemContract::Trade;
    ORDER_CREATED = "order_created": OrderEvent, parties "the order's parties (buyer, seller, their banks, the carrier)";
    ORDER_ACCEPTED = "order_accepted": OrderEvent, parties "the order's parties";
    ORDER_REJECTED = "order_rejected": OrderEvent, parties "the order's parties";
    ORDER_WITHDRAWN = "order_withdrawn": OrderEvent, parties "the order's parties";
    ORDER_SHIPPED = "order_shipped": OrderEvent, parties "the order's parties";
    ORDER_DELIVERED = "order_delivered": OrderEvent, parties "the order's parties";
    ORDER_INVOICED = "order_invoiced": OrderEvent, parties "the order's parties";
    INVOICE_ACCEPTANCE_PROPOSED = "invoice_acceptance_proposed": OrderEvent, parties "the order's parties";
    ORDER_FINANCED = "order_financed": OrderEvent, parties "the order's parties";
    ORDER_PAID = "order_paid": OrderEvent, parties "the order's parties";
    ORDER_DISPUTED = "order_disputed": OrderEvent, parties "the order's parties";
    DISPUTE_WITHDRAWN = "dispute_withdrawn": OrderEvent, parties "the order's parties";
    CANCEL_REQUESTED = "cancel_requested": OrderEvent, parties "the order's parties";
    ORDER_CANCELLED = "order_cancelled": OrderEvent, parties "the order's parties";
    PRESHIPMENT_REQUESTED = "preshipment_requested": OrderEvent, parties "the order's parties and the lender";
    PRESHIPMENT_DISBURSED = "preshipment_disbursed": OrderEvent, parties "the order's parties and the lender";
    PRESHIPMENT_REJECTED = "preshipment_rejected": OrderEvent, parties "the order's parties and the lender";
    PRESHIPMENT_REPAID = "preshipment_repaid": OrderEvent, parties "the order's parties and the lender";
    DOCUMENT_ATTACHED = "document_attached": DocumentEvent, parties "the order's parties";
    LC_ISSUED = "lc_issued": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_ACCEPTED = "lc_accepted": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_REJECTED = "lc_rejected": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_DISCREPANT = "lc_discrepant": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_DISCREPANCIES_WAIVED = "lc_discrepancies_waived": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_HONOURED = "lc_honoured": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
    LC_CLOSED = "lc_closed": LcEvent, parties "the applicant, the beneficiary and the issuing bank";
}
