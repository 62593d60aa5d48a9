//! Digital payable vouchers (双链通 style): issued by a core enterprise to a supplier under a
//! credit line, split and transferred upstream, discounted at financiers, settled at maturity.
//! Parties are member names (see [`crate::registry`]).
use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use scf_primitives::{AccountId, Amount, ContractAddress, Hash, TimestampMs};

crate::methods! {
    crate::SystemContract::Receivables;
    INIT = "init": InitArgs => ();
    GRANT_CREDIT = "grant_credit": GrantCreditArgs => ();
    /// Issues a voucher; returns its id.
    ISSUE = "issue": IssueArgs => VoucherId;
    /// The trade contract only: a voucher for an accepted invoice on deferred terms.
    ISSUE_FOR_ORDER = "issue_for_order": OrderIssueArgs => VoucherId;
    ACCEPT = "accept": VoucherId => ();
    REJECT = "reject": VoucherId => ();
    CANCEL = "cancel": VoucherId => ();
    /// Transfers all or part of a voucher; returns the new ids.
    TRANSFER = "transfer": TransferArgs => TransferResult;
    SET_DAY_COUNT = "set_day_count": SetDayCountArgs => ();
    APPLY_FINANCING = "apply_financing": ApplyArgs => Application;
    APPROVE_FINANCING = "approve_financing": ApproveArgs => Application;
    REJECT_FINANCING = "reject_financing": ApplicationId => ();
    WITHDRAW_FINANCING = "withdraw_financing": ApplicationId => ();
    /// Pays a matured voucher; returns the amount paid.
    SETTLE = "settle": SettleArgs => Amount;
    /// Marks a matured, unpaid voucher (and its lineage) overdue; returns the ids marked.
    MARK_OVERDUE = "mark_overdue": VoucherId => Vec<VoucherId>;
    FREEZE = "freeze": FreezeArgs => ();
    UNFREEZE = "unfreeze": VoucherId => ();
    GET = "get": VoucherId => Option<Voucher>;
    LIST_BY_HOLDER = "list_by_holder": String => Vec<Voucher>;
    LINEAGE = "lineage": VoucherId => Vec<Voucher>;
    CREDIT = "credit": CreditKey => Option<CreditLine>;
    APPLICATION = "application": ApplicationId => Option<Application>;
    SET_PARAMS = "set_params": Params => ();
    GET_PARAMS = "get_params": () => Params;
    /// Proposes an action under maker–checker.
    PROPOSE = "propose": ProposedAction => PendingAction;
    APPROVE_ACTION = "approve_action": ActionId => ActionOutcome;
    REJECT_ACTION = "reject_action": ActionId => ();
    ACTION = "action": ActionId => Option<PendingAction>;
    PENDING_ACTIONS = "pending_actions": String => Vec<PendingAction>;
}

/// Sequential, starting at 1, never reused.
pub type VoucherId = u64;
/// Sequential financing application number, starting at 1.
pub type ApplicationId = u64;
/// A calendar date as days since 1970-01-01 (so day counts are integer subtraction).
pub type Day = u32;

pub const MS_PER_DAY: u64 = 86_400_000;
/// Longest term a voucher may ever have (days): the 2025 PBoC notice caps terms at one year
/// (six months in principle). The chain's own limit, [`Params::max_term_days`], defaults to
/// this and an operator may lower it.
pub const MAX_TERM_DAYS: u32 = 365;

/// Chain parameters of the receivables contract, set by an operator (`set_params`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Params {
    /// Longest term of a new voucher, 1..=[`MAX_TERM_DAYS`] days.
    pub max_term_days: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params { max_term_days: MAX_TERM_DAYS }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum VoucherStatus {
    /// Issued, waiting for the first holder to accept or reject.
    PendingAcceptance,
    /// Accepted and live: can be transferred, split or financed.
    Active,
    /// The first holder refused it; never live.
    Rejected,
    /// The issuer withdrew it before acceptance; never live.
    Cancelled,
    /// Passed on in whole or in part; its children carry the amount on.
    Split,
    /// Under a financing application (locked).
    Financing,
    /// Paid at maturity.
    Settled,
    /// Matured and unpaid: the holder has recourse to the issuer.
    Overdue,
}

impl VoucherStatus {
    /// Whether the piece currently carries part of its root's amount.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            VoucherStatus::PendingAcceptance
                | VoucherStatus::Active
                | VoucherStatus::Financing
                | VoucherStatus::Overdue
        )
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            VoucherStatus::PendingAcceptance => "pending_acceptance",
            VoucherStatus::Active => "active",
            VoucherStatus::Rejected => "rejected",
            VoucherStatus::Cancelled => "cancelled",
            VoucherStatus::Split => "split",
            VoucherStatus::Financing => "financing",
            VoucherStatus::Settled => "settled",
            VoucherStatus::Overdue => "overdue",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Voucher {
    pub id: VoucherId,
    /// The original issuance this piece descends from (itself for a root).
    pub root_id: VoucherId,
    pub parent_id: Option<VoucherId>,
    /// The obligor: the core enterprise (member name) that pays at maturity.
    pub issuer: String,
    /// The core enterprise whose credit line the voucher draws on: the issuer, or for a
    /// subsidiary without a line of its own, its parent.
    pub credit_line_of: String,
    /// Member holding the piece.
    pub holder: String,
    pub amount: Amount,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
    pub issued_at_ms: TimestampMs,
    /// Inherited by every piece split from the root.
    pub maturity_day: Day,
    /// Hash of the trade contract or invoice that backs the payable.
    pub trade_ref: Option<Hash>,
    pub status: VoucherStatus,
    /// Judicial or regulatory freeze, with its reason.
    pub frozen: Option<String>,
    /// The financing application that discounted this piece (or an ancestor): such a piece
    /// can never be financed again.
    pub financed_by: Option<ApplicationId>,
    /// The open financing application locking this piece.
    pub locked_by: Option<ApplicationId>,
}

/// A financier's limit on a core enterprise's outstanding (unsettled) vouchers.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct CreditLine {
    pub core: String,
    pub currency: String,
    pub limit: Amount,
    pub outstanding: Amount,
    pub granted_by: String,
}

/// `init` input.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InitArgs {
    pub registry: ContractAddress,
    pub deposit_token: ContractAddress,
    /// Credit lines granted at genesis (`granted_by` must be an operator or financier).
    pub credit_lines: Vec<CreditLine>,
}

/// `grant_credit` input (operator or financier): sets the limit, keeps the outstanding.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct GrantCreditArgs {
    pub core: String,
    pub currency: String,
    pub limit: Amount,
}

/// `credit` query input.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct CreditKey {
    pub core: String,
    pub currency: String,
}

/// `issue` input (core enterprise only). Returns the new `VoucherId`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct IssueArgs {
    pub to: String,
    pub amount: Amount,
    pub currency: String,
    pub maturity_day: Day,
    pub trade_ref: Option<Hash>,
}

/// `issue_for_order` input: only the trade contract calls it, when the buyer of an order on
/// deferred terms accepts the invoice. The voucher is issued by `issuer` (the buyer) under
/// exactly the rules of `issue`; the trade contract has already checked the buyer's consent.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct OrderIssueArgs {
    pub issuer: String,
    pub issue: IssueArgs,
}

/// `transfer` input (holder only). Returns `TransferResult`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TransferArgs {
    pub id: VoucherId,
    pub to: String,
    pub amount: Amount,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TransferResult {
    /// The piece now held by the recipient.
    pub transferred: VoucherId,
    /// The piece the sender keeps, if it sent only part.
    pub remainder: Option<VoucherId>,
}

/// How a financier counts a year when discounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum DayCount {
    /// Actual days / 360 (the default, as in Chinese bill discounting).
    Act360,
    /// Actual days / 365.
    Act365,
}

impl DayCount {
    pub fn basis(&self) -> u128 {
        match self {
            DayCount::Act360 => 360,
            DayCount::Act365 => 365,
        }
    }
}

/// `set_day_count` input (financier, for its own approvals).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SetDayCountArgs {
    pub day_count: DayCount,
}

/// `apply_financing` input (holder): discount `amount` of voucher `id` at `financier`; a
/// partial amount splits the voucher first. Returns `Application`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ApplyArgs {
    pub id: VoucherId,
    pub amount: Amount,
    pub financier: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl ApplicationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Application {
    pub id: ApplicationId,
    /// The (possibly split-off) piece under financing.
    pub voucher: VoucherId,
    pub applicant: String,
    pub financier: String,
    pub face: Amount,
    pub status: ApplicationStatus,
    /// Set on approval.
    pub terms: Option<FinancingTerms>,
}

/// What an approval fixed: the figures the supplier was paid on.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct FinancingTerms {
    pub rate_bps: u32,
    pub fee: Amount,
    pub day_count: DayCount,
    pub days: u32,
    pub discount: Amount,
    pub net: Amount,
    /// Registration number in the national movable-asset financing registry (中登网).
    pub registry_ref: String,
    pub approved_at_ms: TimestampMs,
}

/// `approve_financing` input (the named financier).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ApproveArgs {
    pub application: ApplicationId,
    /// Annual discount rate in basis points (435 = 4.35 %).
    pub rate_bps: u32,
    pub fee: Amount,
    pub registry_ref: String,
}

/// `settle` input (the issuer, on or after maturity): pays the live pieces of `root`, at most
/// 100 per call (call again until none is left), in the deposit token of `token_financier`,
/// which the issuer must have approved for spending by the receivables contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SettleArgs {
    pub root: VoucherId,
    pub token_financier: String,
}

/// `freeze` input (auditor or operator).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct FreezeArgs {
    pub id: VoucherId,
    pub reason: String,
}

/// Sequential number of a proposed (maker–checker) action, starting at 1.
pub type ActionId = u64;

/// An operation that a maker–checker member proposes with one account and approves with
/// another. Approval runs it with exactly the rules of the direct call.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ProposedAction {
    Issue(IssueArgs),
    Transfer(TransferArgs),
    ApplyFinancing(ApplyArgs),
}

impl ProposedAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposedAction::Issue(_) => "issue",
            ProposedAction::Transfer(_) => "transfer",
            ProposedAction::ApplyFinancing(_) => "apply_financing",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ActionStatus {
    Pending,
    Executed,
    Rejected,
}

impl ActionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ActionStatus::Pending => "pending",
            ActionStatus::Executed => "executed",
            ActionStatus::Rejected => "rejected",
        }
    }
}

/// A proposed action and who proposed and decided it (returned by `propose`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct PendingAction {
    pub id: ActionId,
    /// The member acting.
    pub member: String,
    pub action: ProposedAction,
    pub status: ActionStatus,
    /// The maker's account.
    pub proposed_by: AccountId,
    pub proposed_at_ms: TimestampMs,
    /// The checker's account (approval or rejection).
    pub decided_by: Option<AccountId>,
}

/// What an approved action did (returned by `approve_action`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ActionOutcome {
    Issued(VoucherId),
    Transferred(TransferResult),
    FinancingRequested(Application),
}

/// Body of the `voucher_issued` event.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct IssuedEvent {
    pub id: VoucherId,
    pub issuer: String,
    pub holder: String,
    pub amount: Amount,
}

/// Body of the `voucher_transferred` event.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TransferredEvent {
    pub from_id: VoucherId,
    pub from: String,
    pub to: String,
    pub transferred: VoucherId,
    pub remainder: Option<VoucherId>,
    pub amount: Amount,
}

/// Body of the `voucher_settled` event: one per piece paid.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SettledEvent {
    pub id: VoucherId,
    pub root_id: VoucherId,
    pub holder: String,
    pub amount: Amount,
}

/// Why a discount cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscountError {
    /// `face × rate × days` does not fit in 128 bits.
    Overflow,
    /// Discount plus fee exceed the face amount.
    ExceedsFace,
}

/// Discount of `face` minor units at `rate_bps` a year for `days` days:
/// `face × rate_bps × days / (10 000 × basis)`, **rounded half up** to the minor unit.
/// Exact integer arithmetic; an intermediate product beyond `u128` is an error, never a wrap.
pub fn discount(
    face: Amount,
    rate_bps: u32,
    days: u32,
    day_count: DayCount,
) -> Result<Amount, DiscountError> {
    let numerator = face
        .checked_mul(rate_bps as u128)
        .and_then(|x| x.checked_mul(days as u128))
        .ok_or(DiscountError::Overflow)?;
    let denominator = 10_000 * day_count.basis();
    numerator.checked_add(denominator / 2).map(|x| x / denominator).ok_or(DiscountError::Overflow)
}

/// Net proceeds paid to the holder: `face − discount − fee`.
pub fn net_proceeds(face: Amount, discount: Amount, fee: Amount) -> Result<Amount, DiscountError> {
    face.checked_sub(discount).and_then(|x| x.checked_sub(fee)).ok_or(DiscountError::ExceedsFace)
}

/// Converts a civil date to days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's
/// `days_from_civil`). `None` for an impossible date or one before 1970.
pub fn day_from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Day::try_from(days).ok()
}

/// Inverse of [`day_from_ymd`].
pub fn ymd_from_day(day: Day) -> (i32, u32, u32) {
    let z = day as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Day> {
    let mut parts = s.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    day_from_ymd(y, m, d)
}

pub fn format_date(day: Day) -> String {
    let (y, m, d) = ymd_from_day(day);
    alloc::format!("{y:04}-{m:02}-{d:02}")
}

/// Storage key of a voucher.
pub fn voucher_key(id: VoucherId) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(b'v');
    k.extend_from_slice(&id.to_be_bytes());
    k
}

// ---- events ------------------------------------------------------------------------------

/// Body of `voucher_accepted`, `voucher_rejected`, `voucher_cancelled` and `voucher_unfrozen`:
/// which voucher, and the member that acted.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct VoucherEvent {
    pub id: VoucherId,
    pub by: String,
}

/// Body of `voucher_split`: voucher `from_id` was split into `transferred` and `remainder`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SplitEvent {
    pub from_id: VoucherId,
    pub transferred: VoucherId,
    pub remainder: VoucherId,
}

/// Body of `voucher_overdue`: one unpaid piece at maturity.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct OverdueEvent {
    pub id: VoucherId,
    pub holder: String,
    pub amount: Amount,
}

/// Body of `voucher_frozen`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct FrozenEvent {
    pub id: VoucherId,
    pub by: String,
    pub reason: String,
}

use crate::events::{named, numbered, subject};

fn voucher(id: VoucherId) -> scf_primitives::Subject {
    numbered(subject::VOUCHER, id)
}

crate::events::event_body!(Params, [], |_p| alloc::vec![]);
crate::events::event_body!(CreditLine, [subject::CREDIT_LINE], |l| alloc::vec![named(
    subject::CREDIT_LINE,
    &alloc::format!("{}/{}", l.core, l.currency)
)]);
crate::events::event_body!(IssuedEvent, [subject::VOUCHER], |e| alloc::vec![voucher(e.id)]);
crate::events::event_body!(VoucherEvent, [subject::VOUCHER], |e| alloc::vec![voucher(e.id)]);
crate::events::event_body!(
    SplitEvent,
    [subject::VOUCHER, subject::VOUCHER, subject::VOUCHER],
    |e| alloc::vec![voucher(e.from_id), voucher(e.transferred), voucher(e.remainder)]
);
crate::events::event_body!(TransferredEvent, [subject::VOUCHER, subject::VOUCHER, subject::VOUCHER], |e| {
    let mut s = alloc::vec![voucher(e.from_id), voucher(e.transferred)];
    s.extend(e.remainder.map(voucher));
    s
});
crate::events::event_body!(Application, [subject::APPLICATION, subject::VOUCHER], |a| alloc::vec![
    numbered(subject::APPLICATION, a.id),
    voucher(a.voucher)
]);
crate::events::event_body!(SettledEvent, [subject::VOUCHER, subject::VOUCHER], |e| alloc::vec![
    voucher(e.id),
    voucher(e.root_id)
]);
crate::events::event_body!(OverdueEvent, [subject::VOUCHER], |e| alloc::vec![voucher(e.id)]);
crate::events::event_body!(FrozenEvent, [subject::VOUCHER], |e| alloc::vec![voucher(e.id)]);
crate::events::event_body!(PendingAction, [subject::ACTION], |a| alloc::vec![numbered(
    subject::ACTION,
    a.id
)]);

crate::events::events! {
    crate::SystemContract::Receivables;
    PARAMS_SET = "params_set": Params, parties "none (the rules concern everyone)";
    CREDIT_GRANTED = "credit_granted": CreditLine, parties "the core enterprise, the grantor and any previous grantor of the line";
    VOUCHER_ISSUED = "voucher_issued": IssuedEvent, parties "the issuer and the holder";
    VOUCHER_ACCEPTED = "voucher_accepted": VoucherEvent, parties "the issuer and the holder";
    VOUCHER_REJECTED = "voucher_rejected": VoucherEvent, parties "the issuer and the holder";
    VOUCHER_CANCELLED = "voucher_cancelled": VoucherEvent, parties "the issuer and the holder";
    VOUCHER_SPLIT = "voucher_split": SplitEvent, parties "the issuer, the holder and the receiver";
    VOUCHER_TRANSFERRED = "voucher_transferred": TransferredEvent, parties "the issuer, the sender and the receiver";
    FINANCING_REQUESTED = "financing_requested": Application, parties "the applicant and the financier";
    FINANCING_APPROVED = "financing_approved": Application, parties "the applicant, the financier and the voucher's issuer";
    FINANCING_REJECTED = "financing_rejected": Application, parties "the applicant and the financier";
    FINANCING_WITHDRAWN = "financing_withdrawn": Application, parties "the applicant and the financier";
    VOUCHER_SETTLED = "voucher_settled": SettledEvent, parties "the issuer and the holder paid";
    VOUCHER_OVERDUE = "voucher_overdue": OverdueEvent, parties "the issuer and the holder";
    VOUCHER_FROZEN = "voucher_frozen": FrozenEvent, parties "the issuer, the holder and the member that froze it";
    VOUCHER_UNFROZEN = "voucher_unfrozen": VoucherEvent, parties "the issuer, the holder and the member that unfroze it";
    ACTION_PROPOSED = "action_proposed": PendingAction, parties "the proposing member";
    ACTION_APPROVED = "action_approved": PendingAction, parties "the proposing member";
    ACTION_REJECTED = "action_rejected": PendingAction, parties "the proposing member";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(day_from_ymd(1970, 1, 1), Some(0));
        assert_eq!(day_from_ymd(2000, 3, 1), Some(11_017));
        assert_eq!(parse_date("2027-03-31").map(format_date).as_deref(), Some("2027-03-31"));
        for day in [0u32, 59, 60, 365, 11_016, 20_000, 50_000] {
            let (y, m, d) = ymd_from_day(day);
            assert_eq!(day_from_ymd(y, m, d), Some(day));
        }
    }

    #[test]
    fn bad_dates_are_rejected() {
        assert_eq!(parse_date("2027-02-29"), None);
        assert!(parse_date("2028-02-29").is_some(), "leap day");
        assert_eq!(parse_date("2027-13-01"), None);
        assert_eq!(parse_date("1969-12-31"), None);
        assert_eq!(parse_date("2027-03"), None);
        assert_eq!(parse_date("2027-03-01-1"), None);
        assert_eq!(parse_date("abc"), None);
    }

    /// Figures computed by hand (exact fractions shown), then rounded half up.
    #[test]
    fn discount_golden_figures() {
        // 300,000.00 CNY at 4.35 %, 90 days, ACT/360: 30,000,000 × 435 × 90 / 3,600,000
        // = 326,250 fen exactly = 3,262.50 CNY; net 296,737.50.
        assert_eq!(discount(30_000_000, 435, 90, DayCount::Act360), Ok(326_250));
        assert_eq!(net_proceeds(30_000_000, 326_250, 0), Ok(29_673_750));
        // Same under ACT/365: 1,174,500,000,000 / 3,650,000 = 321,780.82… → 321,781.
        assert_eq!(discount(30_000_000, 435, 90, DayCount::Act365), Ok(321_781));
        // One day, 1,000.00 at 4.35 %, ACT/360: 100,000 × 435 / 3,600,000 = 12.083… → 12.
        assert_eq!(discount(100_000, 435, 1, DayCount::Act360), Ok(12));
        // One day, ACT/365: 43,500,000 / 3,650,000 = 11.917… → 12.
        assert_eq!(discount(100_000, 435, 1, DayCount::Act365), Ok(12));
        // 365 days, 1,000,000.00 at 5 %, ACT/365: exactly 5 % = 5,000,000 fen.
        assert_eq!(discount(100_000_000, 500, 365, DayCount::Act365), Ok(5_000_000));
        // 365 days under ACT/360 costs more: 100,000,000 × 500 × 365 / 3,600,000
        // = 5,069,444.44… → 5,069,444.
        assert_eq!(discount(100_000_000, 500, 365, DayCount::Act360), Ok(5_069_444));
        // Exactly half a minor unit rounds up: 18 × 10,000 × 1 / 3,600,000 = 0.05 → 0;
        // 180 × 10,000 × 1 / 3,600,000 = 0.5 → 1.
        assert_eq!(discount(18, 10_000, 1, DayCount::Act360), Ok(0));
        assert_eq!(discount(180, 10_000, 1, DayCount::Act360), Ok(1));
        // A fee on top, and a fee that would make proceeds negative.
        assert_eq!(net_proceeds(100_000, 12, 500), Ok(99_488));
        assert_eq!(net_proceeds(100, 12, 500), Err(DiscountError::ExceedsFace));
    }

    #[test]
    fn discount_near_u128_limits_errors_instead_of_wrapping() {
        assert_eq!(discount(u128::MAX, 1, 1, DayCount::Act360), Err(DiscountError::Overflow));
        assert_eq!(discount(u128::MAX / 435, 435, 2, DayCount::Act360), Err(DiscountError::Overflow));
        // The largest face that still works at 4.35 % for 365 days (the rounding term, half
        // the denominator, is added before dividing), and one more that does not.
        let max_face = (u128::MAX - 10_000 * 365 / 2) / (435 * 365);
        assert!(discount(max_face, 435, 365, DayCount::Act365).is_ok());
        assert_eq!(discount(max_face + 1, 435, 365, DayCount::Act365), Err(DiscountError::Overflow));
        assert_eq!(discount(0, 435, 365, DayCount::Act360), Ok(0));
    }
}
