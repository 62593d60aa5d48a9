//! Borsh API of the system contracts: the arguments of their methods, their stored records and
//! their events. Shared by the contracts (wasm32), the node (genesis) and the CLI (decoding).

pub mod registry {
    //! The member registry: which organisations belong to the consortium, in which role, and
    //! which accounts (keys) act for each of them.
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::AccountId;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
    pub enum Role {
        /// Runs the platform: onboards and suspends members, grants credit lines.
        Operator,
        /// A large buyer whose payables become vouchers.
        CoreEnterprise,
        /// Holds, transfers and finances vouchers.
        Supplier,
        /// Bank or factor: discounts vouchers, issues deposit tokens, grants credit lines.
        Financier,
        /// Regulator or auditor: reads everything, may freeze.
        Auditor,
        /// Carrier or freight forwarder: issues bills of lading, records shipment and delivery.
        Logistics,
    }

    impl Role {
        pub const ALL: [Role; 6] = [
            Role::Operator,
            Role::CoreEnterprise,
            Role::Supplier,
            Role::Financier,
            Role::Auditor,
            Role::Logistics,
        ];

        pub fn as_str(&self) -> &'static str {
            match self {
                Role::Operator => "operator",
                Role::CoreEnterprise => "core_enterprise",
                Role::Supplier => "supplier",
                Role::Financier => "financier",
                Role::Auditor => "auditor",
                Role::Logistics => "logistics",
            }
        }

        pub fn parse(s: &str) -> Option<Role> {
            Role::ALL.into_iter().find(|r| r.as_str() == s)
        }
    }

    /// An organisation in the consortium. Its `name` is its identity on chain: vouchers and token
    /// balances belong to members, and any of the member's accounts acts for it.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Member {
        /// Short handle, unique in the registry (e.g. `supplier1`).
        pub name: String,
        pub legal_name: String,
        /// Unified social credit code or other registration number.
        pub registration_id: String,
        pub role: Role,
        /// Suspended members cannot act.
        pub active: bool,
        /// Keys that act for the member.
        pub accounts: Vec<AccountId>,
        /// Maker–checker: an issuance, outgoing transfer or financing application proposed by
        /// one account takes effect only when another account of the member approves it.
        pub maker_checker: bool,
        /// For a subsidiary of a core enterprise: the parent, under whose credit line it issues
        /// when it has no line of its own. Fixed at registration.
        pub parent: Option<String>,
    }

    /// `init` input: the founding members (at least one operator) and the network's nodes.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub members: Vec<Member>,
        pub nodes: Vec<NetworkNode>,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum NodeRole {
        /// Votes in consensus (its consensus key is in the validator set).
        Validator,
        /// Follows the chain, serves RPC and forwards transactions; never votes.
        FullNode,
    }

    impl NodeRole {
        pub fn as_str(&self) -> &'static str {
            match self {
                NodeRole::Validator => "validator",
                NodeRole::FullNode => "full_node",
            }
        }
    }

    /// A node admitted to the peer-to-peer network: nodes accept connections only from peers
    /// whose libp2p identity key is listed here. Full nodes are added and removed by operators
    /// (`add_node`, `remove_node`) and each is run by a member: while that member is suspended
    /// peers refuse the node. Validators change with the validator set (governance).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct NetworkNode {
        pub name: String,
        /// The node's ed25519 libp2p identity public key.
        pub node_key: AccountId,
        pub role: NodeRole,
        /// The member that runs a full node (`None` for validators).
        pub member: Option<String>,
    }

    /// `set_validator_node` input: only the governance contract calls it, when a validator is
    /// added (`present`) or removed by an approved proposal.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct SetValidatorNodeArgs {
        pub name: String,
        pub node_key: AccountId,
        pub present: bool,
    }

    /// Storage key of the `Vec<NetworkNode>` the node software reads to admit peers.
    pub const NODES_KEY: &[u8] = b"nodes";

    /// `register` input (operator only). The member starts active.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct RegisterArgs {
        pub name: String,
        pub legal_name: String,
        pub registration_id: String,
        pub role: Role,
        pub accounts: Vec<AccountId>,
        pub maker_checker: bool,
        /// Parent core enterprise (only for a core enterprise).
        pub parent: Option<String>,
    }

    /// `add_account` / `remove_account` input. A member keeps at least one account, and at
    /// least two while it requires maker–checker. The member itself applies the change at once;
    /// an operator only requests it (see [`ControlRequest`]).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct AccountArgs {
        pub name: String,
        pub account: AccountId,
    }

    /// `set_maker_checker` input: switching it on applies at once (the member itself or an
    /// operator); switching it off is an operator's request that the member must approve
    /// (dual control must not end by a single key's decision).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct SetMakerCheckerArgs {
        pub name: String,
        pub required: bool,
    }

    /// A change of who controls a member. No single operator key may make one: an operator's
    /// request applies only when one of the member's own accounts approves it, or when operator
    /// members approve it in a quorum of [`operator_quorum`] (never fewer than two).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum ControlChange {
        AddAccount(AccountId),
        RemoveAccount(AccountId),
        MakerCheckerOff,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum ControlStatus {
        Open,
        Applied,
        Rejected,
        /// Still open `CONTROL_REQUEST_LIFETIME_MS` after it was made.
        Expired,
    }

    /// How long a control request stays open (block time): a week.
    pub const CONTROL_REQUEST_LIFETIME_MS: u64 = 7 * 86_400_000;

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ControlRequest {
        pub id: u64,
        pub member: String,
        pub change: ControlChange,
        /// The operator member that asked.
        pub requested_by: String,
        /// Operator members that approved (the requester first).
        pub operator_approvals: Vec<String>,
        pub created_ms: u64,
        pub status: ControlStatus,
    }

    /// What `add_account`, `remove_account` and `set_maker_checker` did.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum ControlOutcome {
        Applied,
        /// An operator's request, waiting for the member's (or a quorum of operators') approval.
        Requested(ControlRequest),
    }

    /// `decide_control` input: approve or reject an open request (its member's account, or an
    /// operator member adding its approval).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ControlDecision {
        pub id: u64,
        pub approve: bool,
    }

    /// Operator members whose approvals apply a control request without the member: two
    /// thirds of the active operator members, rounded up, and never fewer than two (so with a
    /// single operator only the member itself can approve).
    pub fn operator_quorum(active_operators: usize) -> usize {
        (2 * active_operators).div_ceil(3).max(2)
    }

    /// `set_active` input (operator only): suspend or reactivate a member.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct SetActiveArgs {
        pub name: String,
        pub active: bool,
    }

    /// Storage key of a member record (by name). The registry's storage layout is public: other
    /// contracts read it through `foreign_storage_read` to check roles without a call.
    pub fn member_key(name: &str) -> Vec<u8> {
        let mut k = Vec::with_capacity(1 + name.len());
        k.push(b'm');
        k.extend_from_slice(name.as_bytes());
        k
    }

    /// Storage key of the account → member name index.
    pub fn account_key(account: &AccountId) -> Vec<u8> {
        let mut k = Vec::with_capacity(33);
        k.push(b'a');
        k.extend_from_slice(&account.0);
        k
    }

    /// Storage key of the number of members ever registered (a `u64`).
    pub const MEMBER_COUNT_KEY: &[u8] = b"count";

    /// Storage key of the name of the `index`-th member registered (from 0). One key per
    /// member, so registering is O(1) and the registry has no size limit.
    pub fn member_index_key(index: u64) -> Vec<u8> {
        let mut k = Vec::with_capacity(9);
        k.push(b'n');
        k.extend_from_slice(&index.to_be_bytes());
        k
    }

    /// Most members one `list` call returns.
    pub const MAX_PAGE: u32 = 500;

    /// `list` input: up to `limit` (at most [`MAX_PAGE`]) members in registration order,
    /// starting at index `from`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Page {
        pub from: u64,
        pub limit: u32,
    }

    /// `list` result.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct MemberPage {
        pub members: Vec<Member>,
        /// Index to ask for next, if there are more.
        pub next: Option<u64>,
    }
}

pub mod deposit_token {
    //! Deposit tokens: on-chain claims on bank deposits, one per financier and currency, minted
    //! by the financier against funds it holds and burned when the holder redeems them. They make
    //! financing disbursement and maturity settlement atomic with the voucher moves.
    use alloc::string::String;
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::{Amount, ContractAddress};

    /// A token: the deposits of `financier` in `currency`.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
    pub struct TokenId {
        pub financier: String,
        pub currency: String,
    }

    /// `init` input.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub registry: ContractAddress,
    }

    /// `mint` (financier only, its own token): credit `to` against funds received off chain.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct MintArgs {
        pub currency: String,
        pub to: String,
        pub amount: Amount,
    }

    /// `burn`: the caller's member redeems `amount` of `token` (paid out off chain).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct BurnArgs {
        pub token: TokenId,
        pub amount: Amount,
    }

    /// `transfer`: from the caller's member to another member.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferArgs {
        pub token: TokenId,
        pub to: String,
        pub amount: Amount,
    }

    /// `approve`: lets contract `spender` move up to `amount` of the caller member's `token`
    /// (the allowance is set, not added).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ApproveArgs {
        pub token: TokenId,
        pub spender: ContractAddress,
        pub amount: Amount,
    }

    /// `transfer_from` (called by a contract): moves `from`'s tokens within its allowance.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferFromArgs {
        pub token: TokenId,
        pub from: String,
        pub to: String,
        pub amount: Amount,
    }

    /// `balance` query input.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct BalanceArgs {
        pub token: TokenId,
        pub member: String,
    }

    /// `supply` query result. `minted - burned == outstanding == sum of balances`, always.
    #[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Supply {
        pub minted: Amount,
        pub burned: Amount,
        pub outstanding: Amount,
    }

    /// Body of `token_minted`, `token_burned` and `token_transferred` events.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TokenEvent {
        pub token: TokenId,
        pub from: Option<String>,
        pub to: Option<String>,
        pub amount: Amount,
    }
}

pub mod receivables {
    //! Digital payable vouchers (双链通 style): issued by a core enterprise to a supplier under a
    //! credit line, split and transferred upstream, discounted at financiers, settled at maturity.
    //! Parties are member names (see [`super::registry`]).
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::{AccountId, Amount, ContractAddress, Hash, TimestampMs};

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
    pub struct CreditLine {
        pub core: String,
        pub currency: String,
        pub limit: Amount,
        pub outstanding: Amount,
        pub granted_by: String,
    }

    /// `init` input.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub registry: ContractAddress,
        pub deposit_token: ContractAddress,
        /// Credit lines granted at genesis (`granted_by` must be an operator or financier).
        pub credit_lines: Vec<CreditLine>,
    }

    /// `grant_credit` input (operator or financier): sets the limit, keeps the outstanding.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct GrantCreditArgs {
        pub core: String,
        pub currency: String,
        pub limit: Amount,
    }

    /// `credit` query input.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct CreditKey {
        pub core: String,
        pub currency: String,
    }

    /// `issue` input (core enterprise only). Returns the new `VoucherId`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    pub struct OrderIssueArgs {
        pub issuer: String,
        pub issue: IssueArgs,
    }

    /// `transfer` input (holder only). Returns `TransferResult`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferArgs {
        pub id: VoucherId,
        pub to: String,
        pub amount: Amount,
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferResult {
        /// The piece now held by the recipient.
        pub transferred: VoucherId,
        /// The piece the sender keeps, if it sent only part.
        pub remainder: Option<VoucherId>,
    }

    /// How a financier counts a year when discounting.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    pub struct SetDayCountArgs {
        pub day_count: DayCount,
    }

    /// `apply_financing` input (holder): discount `amount` of voucher `id` at `financier`; a
    /// partial amount splits the voucher first. Returns `Application`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ApplyArgs {
        pub id: VoucherId,
        pub amount: Amount,
        pub financier: String,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    pub struct SettleArgs {
        pub root: VoucherId,
        pub token_financier: String,
    }

    /// `freeze` input (auditor or operator).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct FreezeArgs {
        pub id: VoucherId,
        pub reason: String,
    }

    /// Sequential number of a proposed (maker–checker) action, starting at 1.
    pub type ActionId = u64;

    /// An operation that a maker–checker member proposes with one account and approves with
    /// another. Approval runs it with exactly the rules of the direct call.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    pub enum ActionOutcome {
        Issued(VoucherId),
        Transferred(TransferResult),
        FinancingRequested(Application),
    }

    /// Body of the `voucher_issued` event.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct IssuedEvent {
        pub id: VoucherId,
        pub issuer: String,
        pub holder: String,
        pub amount: Amount,
    }

    /// Body of the `voucher_transferred` event.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
}

pub mod governance {
    //! Governance by the validators: they propose adding or removing a validator, changing its
    //! voting power, or installing contract code (a new contract, or an upgrade of an existing
    //! one), and vote; a change approved by more than two thirds of the voting power passes.
    //! A validator-set change takes effect `ACTIVATION_DELAY` blocks after the block that
    //! approved it, on every node identically (nodes read the schedule from committed state). A
    //! code change leaves a [`CodeApproval`] that the runtime consumes when the code is
    //! installed (ADR 0007). Proposals expire `PROPOSAL_LIFETIME_MS` of block time after they
    //! are made.
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::{AccountId, ContractAddress, Hash, Height, TimestampMs};

    /// How long a proposal stays open (block time): a week.
    pub const PROPOSAL_LIFETIME_MS: TimestampMs = 7 * 86_400_000;
    /// How long passed code may wait to be installed (block time): a week.
    pub const CODE_APPROVAL_LIFETIME_MS: TimestampMs = 7 * 86_400_000;

    /// What approved code may do once installed.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum CodeAction {
        /// Become a new contract (`Payload::Deploy`).
        Deploy,
        /// Replace the code of `contract`, which keeps its address and storage
        /// (`Payload::Upgrade`; its `migrate` export runs if present).
        Upgrade { contract: ContractAddress },
    }

    /// Code the validators approved, stored under [`code_approval_key`] of its SHA-256 until
    /// installed (the runtime then removes it) or expired.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct CodeApproval {
        pub proposal: ProposalId,
        pub action: CodeAction,
        /// Consensus keys of the validators that approved it.
        pub approvers: Vec<AccountId>,
        /// Last block time at which the code may be installed.
        pub expires_at_ms: TimestampMs,
    }

    /// Governance storage key of the [`CodeApproval`] for code with SHA-256 `code_hash`.
    pub fn code_approval_key(code_hash: &Hash) -> Vec<u8> {
        let mut k = Vec::from(&b"code/"[..]);
        k.extend_from_slice(&code_hash.0);
        k
    }

    /// Blocks between the approving block and the first height the new set decides.
    pub const ACTIVATION_DELAY: Height = 5;
    /// Most validators a set may have.
    pub const MAX_VALIDATORS: usize = 100;

    pub type ProposalId = u64;

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ValidatorEntry {
        pub name: String,
        /// Signs votes and proposals; as an account it signs governance transactions.
        pub consensus_key: AccountId,
        /// The validator's libp2p identity (network admission).
        pub node_key: AccountId,
        pub power: u64,
    }

    /// The validator set that decides every height from `from_height` on (until the next entry).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ScheduledSet {
        pub from_height: Height,
        pub validators: Vec<ValidatorEntry>,
    }

    /// Storage key of the `Vec<ScheduledSet>` (ascending `from_height`) the node reads.
    pub const SCHEDULE_KEY: &[u8] = b"schedule";

    /// The set deciding `height` in `schedule`.
    pub fn set_at(schedule: &[ScheduledSet], height: Height) -> Option<&ScheduledSet> {
        schedule.iter().rev().find(|s| s.from_height <= height)
    }

    /// What a proposal changes.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum Change {
        Add(ValidatorEntry),
        Remove {
            consensus_key: AccountId,
        },
        SetPower {
            consensus_key: AccountId,
            power: u64,
        },
        /// Allow the code with this SHA-256 to be installed once, as `action` says.
        Code {
            code_hash: Hash,
            action: CodeAction,
        },
    }

    impl Change {
        /// Whether it changes the validator set (otherwise it approves code).
        pub fn is_validator_change(&self) -> bool {
            !matches!(self, Change::Code { .. })
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum ProposalStatus {
        Open,
        /// Approved; the new set decides from `activation_height`.
        Passed {
            activation_height: Height,
        },
        /// More than a third of the voting power voted no: it can never pass.
        Rejected,
        /// Still open `PROPOSAL_LIFETIME_MS` after it was made.
        Expired,
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Proposal {
        pub id: ProposalId,
        pub change: Change,
        pub proposer: AccountId,
        pub created_height: Height,
        /// Block time of the proposal; it expires `PROPOSAL_LIFETIME_MS` later.
        pub created_ms: TimestampMs,
        /// Consensus keys of the validators that voted yes / no (the proposer votes yes).
        pub yes: Vec<AccountId>,
        pub no: Vec<AccountId>,
        pub status: ProposalStatus,
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub validators: Vec<ValidatorEntry>,
        pub registry: ContractAddress,
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct VoteArgs {
        pub proposal: ProposalId,
        pub approve: bool,
    }

    /// Whether `part` of `total` voting power is more than two thirds (integer arithmetic).
    pub fn supermajority(part: u64, total: u64) -> bool {
        3 * part as u128 > 2 * total as u128
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn supermajority_is_strictly_more_than_two_thirds() {
            assert!(!supermajority(2, 3));
            assert!(supermajority(3, 4));
            assert!(!supermajority(2, 4));
            assert!(supermajority(3, 3));
            assert!(!supermajority(6, 9));
            assert!(supermajority(7, 9));
            assert!(supermajority(u64::MAX, u64::MAX));
        }

        #[test]
        fn set_at_picks_the_latest_started_entry() {
            let s = |h| ScheduledSet { from_height: h, validators: Vec::new() };
            let schedule = [s(1), s(10), s(20)];
            assert_eq!(set_at(&schedule, 0), None);
            assert_eq!(set_at(&schedule, 1).unwrap().from_height, 1);
            assert_eq!(set_at(&schedule, 19).unwrap().from_height, 10);
            assert_eq!(set_at(&schedule, 20).unwrap().from_height, 20);
        }
    }
}

pub mod trade {
    //! Trade documents (Trusple style): a purchase order shared by buyer, seller, their banks and
    //! the carrier; its documents as SHA-256 hashes; letters of credit that pay the seller in
    //! deposit tokens when the documents are presented; deferred terms that turn the invoice into
    //! a payable voucher; pre-shipment financing repaid first out of the order's payment.
    //! Parties are member names (see [`super::registry`]).
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use super::{deposit_token::TokenId, receivables::Day, receivables::VoucherId};
    use crate::{AccountId, Amount, ContractAddress, Hash, TimestampMs};

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
    pub struct Dispute {
        pub raised_by: String,
        pub reason: String,
        pub raised_at_ms: TimestampMs,
        /// Where the order goes back to when the dispute is withdrawn.
        pub resumes: OrderStatus,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
        /// Every member with a part in the order (who may see it).
        pub fn parties(&self) -> Vec<&str> {
            let mut p = alloc::vec![self.buyer.as_str(), self.seller.as_str()];
            for x in [&self.buyer_bank, &self.seller_bank, &self.carrier].into_iter().flatten() {
                p.push(x.as_str());
            }
            if let Some(l) = &self.loan {
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
    pub struct InitArgs {
        pub registry: ContractAddress,
        pub deposit_token: ContractAddress,
        pub receivables: ContractAddress,
    }

    /// `create_order` input: the caller's member is the buyer or the seller. Returns `OrderId`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    pub struct InvoiceArgs {
        pub order: OrderId,
        pub amount: Amount,
    }

    /// `accept_invoice` input (buyer). On-delivery terms pay at once in the deposit token of
    /// `token_financier` (which the buyer let the trade contract spend); deferred terms issue a
    /// voucher and take no token.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct AcceptInvoiceArgs {
        pub order: OrderId,
        pub token_financier: Option<String>,
    }

    /// What `accept_invoice` did.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum InvoiceOutcome {
        /// Maker–checker buyer: recorded; another of its accounts must accept too.
        AwaitingSecondAccount,
        Paid(Payment),
        VoucherIssued(VoucherId),
    }

    /// `dispute` input (buyer or seller).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct DisputeArgs {
        pub order: OrderId,
        pub reason: String,
    }

    /// `issue_lc` input (the order's buyer bank). Returns `LcId`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct IssueLcArgs {
        pub order: OrderId,
        pub amount: Amount,
        pub expiry_day: Day,
        pub required: Vec<DocumentKind>,
    }

    /// What a presentation (or a waiver) did.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum PresentationOutcome {
        Honoured(Payment),
        Discrepant(Vec<Discrepancy>),
    }

    /// `request_preshipment` input (seller of an accepted order paid in tokens).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct RequestLoanArgs {
        pub order: OrderId,
        pub lender: String,
        pub amount: Amount,
    }

    /// `approve_preshipment` input (the named lender): pays the principal in its own token.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct ApproveLoanArgs {
        pub order: OrderId,
        pub rate_bps: u32,
        pub days: u32,
    }

    /// Body of most order events: the order and its new status.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct OrderEvent {
        pub order: OrderId,
        pub status: OrderStatus,
        pub by: String,
    }

    /// Body of `document_attached`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct DocumentEvent {
        pub order: OrderId,
        pub index: DocIndex,
        pub kind: DocumentKind,
        pub sha256: Hash,
        pub supersedes: Option<DocIndex>,
    }

    /// Body of letter-of-credit events.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
}

/// Only with `std`: load generators and benchmarks need it, the contracts do not.
#[cfg(feature = "std")]
impl registry::RegisterArgs {
    /// A supplier with one account and single-key control: what load generators and benchmarks
    /// register by the thousand.
    pub fn supplier(name: String, legal_name: String, account: crate::AccountId) -> registry::RegisterArgs {
        registry::RegisterArgs {
            name,
            legal_name,
            registration_id: String::new(),
            role: registry::Role::Supplier,
            accounts: alloc::vec![account],
            maker_checker: false,
            parent: None,
        }
    }
}
