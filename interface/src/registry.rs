//! The member registry: which organisations belong to the consortium, in which role, and
//! which accounts (keys) act for each of them.
use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use scf_primitives::AccountId;

crate::methods! {
    crate::SystemContract::Registry;
    INIT = "init": InitArgs => ();
    /// Registers a member (operator only); it starts active.
    REGISTER = "register": RegisterArgs => ();
    /// Suspends or reactivates a member (operator only).
    SET_ACTIVE = "set_active": SetActiveArgs => ();
    ADD_ACCOUNT = "add_account": AccountArgs => ControlOutcome;
    REMOVE_ACCOUNT = "remove_account": AccountArgs => ControlOutcome;
    SET_MAKER_CHECKER = "set_maker_checker": SetMakerCheckerArgs => ControlOutcome;
    /// Approves or rejects a pending control request.
    DECIDE_CONTROL = "decide_control": ControlDecision => ControlRequest;
    CONTROL_REQUESTS = "control_requests": () => Vec<ControlRequest>;
    ADD_NODE = "add_node": NetworkNode => ();
    /// Removes a full node by name.
    REMOVE_NODE = "remove_node": String => ();
    /// Governance contract only.
    SET_VALIDATOR_NODE = "set_validator_node": SetValidatorNodeArgs => ();
    NODES = "nodes": () => Vec<NetworkNode>;
    /// The member an account acts for.
    GET = "get": AccountId => Option<Member>;
    GET_BY_NAME = "get_by_name": String => Option<Member>;
    LIST = "list": Page => MemberPage;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InitArgs {
    pub members: Vec<Member>,
    pub nodes: Vec<NetworkNode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SetValidatorNodeArgs {
    pub name: String,
    pub node_key: AccountId,
    pub present: bool,
}

/// Storage key of the `Vec<NetworkNode>` the node software reads to admit peers.
pub const NODES_KEY: &[u8] = b"nodes";

/// `register` input (operator only). The member starts active.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct AccountArgs {
    pub name: String,
    pub account: AccountId,
}

/// `set_maker_checker` input: switching it on applies at once (the member itself or an
/// operator); switching it off is an operator's request that the member must approve
/// (dual control must not end by a single key's decision).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SetMakerCheckerArgs {
    pub name: String,
    pub required: bool,
}

/// A change of who controls a member. No single operator key may make one: an operator's
/// request applies only when one of the member's own accounts approves it, or when operator
/// members approve it in a quorum of [`operator_quorum`] (never fewer than two).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ControlChange {
    AddAccount(AccountId),
    RemoveAccount(AccountId),
    MakerCheckerOff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ControlOutcome {
    Applied,
    /// An operator's request, waiting for the member's (or a quorum of operators') approval.
    Requested(ControlRequest),
}

/// `decide_control` input: approve or reject an open request (its member's account, or an
/// operator member adding its approval).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Page {
    pub from: u64,
    pub limit: u32,
}

/// `list` result.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// Index to ask for next, if there are more.
    pub next: Option<u64>,
}

/// Only with `std`: load generators and benchmarks need it, the contracts do not.
#[cfg(feature = "std")]
impl RegisterArgs {
    /// A supplier with one account and single-key control: what load generators and benchmarks
    /// register by the thousand.
    pub fn supplier(name: String, legal_name: String, account: scf_primitives::AccountId) -> RegisterArgs {
        RegisterArgs {
            name,
            legal_name,
            registration_id: String::new(),
            role: Role::Supplier,
            accounts: alloc::vec![account],
            maker_checker: false,
            parent: None,
        }
    }
}

// ---- events ------------------------------------------------------------------------------

/// Body of `member_account_added` and `member_account_removed`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct MemberAccountEvent {
    pub member: String,
    pub account: AccountId,
}

/// Body of `member_maker_checker`: whether the member now requires it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct MakerCheckerEvent {
    pub member: String,
    pub required: bool,
}

use crate::events::{named, numbered, subject};

crate::events::event_body!(Member, [subject::MEMBER], |m| alloc::vec![named(subject::MEMBER, &m.name)]);
crate::events::event_body!(MemberAccountEvent, [subject::MEMBER], |e| alloc::vec![named(
    subject::MEMBER,
    &e.member
)]);
crate::events::event_body!(MakerCheckerEvent, [subject::MEMBER], |e| alloc::vec![named(
    subject::MEMBER,
    &e.member
)]);
crate::events::event_body!(ControlRequest, [subject::CONTROL_REQUEST, subject::MEMBER], |r| alloc::vec![
    numbered(subject::CONTROL_REQUEST, r.id),
    named(subject::MEMBER, &r.member)
]);
crate::events::event_body!(NetworkNode, [subject::NODE], |n| alloc::vec![named(subject::NODE, &n.name)]);

crate::events::events! {
    crate::SystemContract::Registry;
    MEMBER_REGISTERED = "member_registered": Member, parties "the member";
    MEMBER_SUSPENDED = "member_suspended": Member, parties "the member";
    MEMBER_ACTIVATED = "member_activated": Member, parties "the member";
    MEMBER_ACCOUNT_ADDED = "member_account_added": MemberAccountEvent, parties "the member";
    MEMBER_ACCOUNT_REMOVED = "member_account_removed": MemberAccountEvent, parties "the member";
    MEMBER_MAKER_CHECKER = "member_maker_checker": MakerCheckerEvent, parties "the member";
    MEMBER_CONTROL_REQUESTED = "member_control_requested": ControlRequest, parties "the member";
    MEMBER_CONTROL_DECIDED = "member_control_decided": ControlRequest, parties "the member";
    /// A node joined the network membership (a full node, or a validator's node).
    NODE_ADDED = "node_added": NetworkNode, parties "the member that runs it (none for a validator's node)";
    NODE_REMOVED = "node_removed": NetworkNode, parties "the member that ran it (none for a validator's node)";
    /// A full node became a validator's node.
    NODE_PROMOTED = "node_promoted": NetworkNode, parties "none";
}
