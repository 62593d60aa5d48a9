//! # scf-rpc-api
//!
//! The JSON-RPC interface of an scf-chain node: method names, parameter and result types, and
//! the stable error codes. The node implements the generated `ScfApiServer` trait; the `scf` CLI
//! and other Rust clients use the generated `ScfApiClient`.
//!
//! Owns: the wire shape of the public API (serde/JSON). Binary payloads (transactions, contract
//! arguments and return data) travel as `0x`-prefixed hex of their borsh bytes.
//!
//! Must not: contain node logic or depend on node internals; anything here is a public contract
//! with explorers and applications, so fields are only ever added.
use jsonrpsee::{core::RpcResult, proc_macros::rpc};

#[cfg(feature = "schema")]
pub mod openrpc;
use serde::{Deserialize, Serialize};

/// Stable JSON-RPC error codes (besides the standard -32700..-32603).
pub mod codes {
    /// The transaction was refused before execution (`data.kind` says why: bad_signature,
    /// wrong_chain_id, bad_nonce, payload_too_large, malformed).
    pub const INVALID_TRANSACTION: i32 = 1001;
    /// The node's transaction pool is full; retry later.
    pub const POOL_FULL: i32 = 1002;
    /// The same transaction (or another with the same sender and nonce) is already pending.
    pub const ALREADY_PENDING: i32 = 1003;
    /// A read-only contract query failed (`data.kind` and message from the contract).
    pub const QUERY_FAILED: i32 = 1004;
    /// The requested block, transaction or account does not exist.
    pub const NOT_FOUND: i32 = 1005;
    /// A parameter was well-formed JSON but not a valid value (bad hex, bad address).
    pub const INVALID_PARAMS: i32 = -32602;
    /// The node failed internally (storage); the request may be retried.
    pub const INTERNAL: i32 = -32603;
    /// The method exists only on development chains.
    pub const DEV_ONLY: i32 = 1006;
    /// A signed query's authorization is invalid (`data.kind`: bad_signature, expired,
    /// expiry_too_far).
    pub const UNAUTHORIZED: i32 = 1007;
    /// The request's credential does not allow this (`data.kind`: `login_required` for an
    /// anonymous request to a member method, `bad_credential`, `expired`, `expiry_too_far`,
    /// `bad_signature`, `not_a_member`, `member_suspended`, `anonymous_refused`).
    pub const FORBIDDEN: i32 = 1008;
    /// The sender already has as many transactions pending at this node as one sender may
    /// (count or bytes); wait for some to be committed.
    pub const SENDER_QUOTA: i32 = 1009;
    /// This address made more calls than the node allows per second; slow down.
    pub const RATE_LIMITED: i32 = 1010;
}

/// Longest validity a signed query may claim: a leaked signature is useless after this.
pub const MAX_QUERY_AUTH_MS: u64 = 10 * 60 * 1000;

/// Most calls in one JSON-RPC batch; a longer batch is refused whole (`scf bench` sends 256).
pub const MAX_BATCH_LEN: u32 = 1024;

/// Longest validity a member login may claim (see [`Credential`]).
pub const MAX_LOGIN_MS: u64 = 10 * 60 * 1000;

/// Name of the file, in a node's data directory, holding its operator credential (written at
/// start, mode 0600, new at every start).
pub const OPERATOR_COOKIE_FILE: &str = "rpc.cookie";

/// Who a request speaks for, as its HTTP `Authorization` header says (`Bearer <credential>`):
///
/// - `operator.<cookie>`: the node's operator, with the secret of the node's cookie file;
/// - `scf1.<account hex>.<expires_at_ms>.<signature hex>`: a member's account, with its signature
///   over a `scf_primitives::LoginAuthorization` for this chain (a short-lived bearer credential:
///   send it over TLS or loopback only).
///
/// Without the header a request is anonymous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    Operator { cookie: String },
    Member { account: scf_primitives::AccountId, expires_at_ms: u64, signature: [u8; 64] },
}

impl Credential {
    /// A member login: `key`'s signature over a `LoginAuthorization` for `chain_id`, valid until
    /// `expires_at_ms` (at most `MAX_LOGIN_MS` from the node's clock).
    pub fn login(key: &scf_primitives::crypto::Keypair, chain_id: &str, expires_at_ms: u64) -> Credential {
        let login = scf_primitives::LoginAuthorization {
            chain_id: chain_id.to_string(),
            account: key.account_id(),
            expires_at_ms,
        };
        Credential::Member { account: login.account, expires_at_ms, signature: key.sign_login(&login) }
    }

    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        match self {
            Credential::Operator { cookie } => format!("Bearer operator.{cookie}"),
            Credential::Member { account, expires_at_ms, signature } => {
                format!("Bearer scf1.{}.{expires_at_ms}.{}", hex::encode(account.0), hex::encode(signature))
            }
        }
    }

    /// Parses an `Authorization` header value; the error says what is wrong.
    pub fn parse(header: &str) -> Result<Credential, &'static str> {
        let Some(token) = header.strip_prefix("Bearer ") else {
            return Err("the Authorization header must be `Bearer <credential>`");
        };
        if let Some(cookie) = token.strip_prefix("operator.") {
            return Ok(Credential::Operator { cookie: cookie.to_string() });
        }
        let mut parts = token.strip_prefix("scf1.").ok_or("unknown credential kind")?.split('.');
        let (Some(account), Some(expires), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("a member credential is scf1.<account>.<expires_at_ms>.<signature>");
        };
        let account =
            scf_primitives::AccountId::from_hex(account).map_err(|_| "bad account in the credential")?;
        let expires_at_ms = expires.parse().map_err(|_| "bad expiry in the credential")?;
        let signature = hex::decode(signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or("bad signature in the credential")?;
        Ok(Credential::Member { account, expires_at_ms, signature })
    }
}

/// Proof that a member's account asks a query: its ed25519 signature over
/// `scf_primitives::QueryAuthorization` (chain id, contract, method, args, account, expiry).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryAuth {
    /// Hex account (public key) of the signer; contracts see it as the caller.
    pub account: String,
    /// Unix milliseconds (node wall clock) after which the signature is void; at most
    /// `MAX_QUERY_AUTH_MS` ahead.
    pub expires_at_ms: u64,
    /// Hex of the 64-byte signature.
    pub signature: String,
}

/// Structured `data` of an error.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorData {
    pub kind: String,
    /// For a contract's refusal (`kind` = `contract_error`): its stable code, and the code's
    /// name when it is a system contract's (`scf_interface::ErrorCode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChainHead {
    pub chain_id: String,
    pub height: u64,
    pub hash: String,
    pub state_root: String,
    pub timestamp_ms: u64,
    pub genesis_hash: String,
    /// A development chain (its genesis says so): dev-only methods and the public dev keys work.
    #[serde(default)]
    pub dev: bool,
}

/// A block: its header and the hashes of its transactions.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockView {
    pub height: u64,
    pub hash: String,
    pub parent_hash: String,
    pub timestamp_ms: u64,
    pub proposer: String,
    pub tx_root: String,
    pub state_root: String,
    pub receipts_root: String,
    pub transactions: Vec<String>,
}

/// Either a height or a `0x` block hash.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum BlockId {
    Height(u64),
    Hash(String),
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventView {
    pub contract: String,
    pub topic: String,
    /// The members it concerns (none: the whole consortium).
    pub parties: Vec<String>,
    /// The business objects it concerns.
    pub subjects: Vec<SubjectView>,
    /// Borsh body, hex.
    pub data: String,
    /// The body decoded through the interface schema (system contracts' events), when it
    /// decodes: docs/rpc.md says how values map to JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<serde_json::Value>,
}

/// A business object an event concerns, e.g. `{"kind": "voucher", "id": "7"}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubjectView {
    pub kind: String,
    pub id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceiptView {
    pub success: bool,
    /// Hex of the return data, on success.
    pub return_data: Option<String>,
    /// Stable error kind (`contract_error`, `out_of_fuel`, ...), on failure.
    pub error_kind: Option<String>,
    /// Human-readable reason, on failure.
    pub error: Option<String>,
    /// A contract's stable refusal code (`error_kind` = `contract_error`; 0 = none given).
    pub error_code: Option<u32>,
    /// The code's name, for the system contracts' codes (`exceeds_amount`, `not_found`, ...).
    pub error_name: Option<String>,
    pub events: Vec<EventView>,
    pub fuel_used: u64,
}

/// A receipt in `scf_getBlockReceipts`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockReceipt {
    pub tx_hash: String,
    #[serde(flatten)]
    pub receipt: ReceiptView,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// In the node's pool, not yet in a block.
    Pending,
    /// In a finalized block (successful or failed: see the receipt).
    Committed,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxView {
    pub hash: String,
    pub status: TxStatus,
    pub sender: String,
    pub nonce: u64,
    /// `deploy` or `call`.
    pub kind: String,
    pub contract: Option<String>,
    pub method: Option<String>,
    pub block_height: Option<u64>,
    pub index: Option<u32>,
    pub receipt: Option<ReceiptView>,
    /// A call's arguments: hex of their borsh bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// A system contract call's arguments decoded through the interface schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<serde_json::Value>,
    /// When its block was made (committed transactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
}

impl TxView {
    /// A transaction known only by what its sender knows: submitted, not yet in a block.
    pub fn submitted(hash: String, sender: String, nonce: u64) -> TxView {
        TxView {
            hash,
            status: TxStatus::Pending,
            sender,
            nonce,
            kind: String::new(),
            contract: None,
            method: None,
            block_height: None,
            index: None,
            receipt: None,
            args: None,
            call: None,
            timestamp_ms: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberView {
    pub name: String,
    pub role: String,
    pub active: bool,
    /// Whether the member's issuances, outgoing transfers and financing applications need a
    /// second account's approval.
    #[serde(default)]
    pub maker_checker: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountView {
    pub account: String,
    /// Next nonce the account must use.
    pub nonce: u64,
    /// Its entry in the member registry, if any.
    pub member: Option<MemberView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Submitted {
    pub hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResult {
    /// Hex of the contract's borsh return data.
    pub data: String,
    /// A system contract's return value decoded through the interface schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SystemContracts {
    pub registry: String,
    pub deposit_token: String,
    pub receivables: String,
    pub governance: String,
    pub trade: String,
}

/// An installed contract (`scf_listContracts`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractView {
    pub address: String,
    /// The system contract's name, for those installed at genesis.
    pub name: Option<String>,
    pub code_hash: String,
    /// 1 when installed, plus one per upgrade.
    pub version: u32,
    /// The governance proposal that approved its current code (none for genesis contracts).
    pub proposal: Option<u64>,
    /// Consensus keys of the validators that approved it.
    pub approvers: Vec<String>,
    pub installed_by: String,
    pub installed_at: u64,
}

/// Most contracts one `scf_listContracts` call returns.
pub const MAX_CONTRACTS_PAGE: u32 = 1000;

/// A block in a list (`scf_getBlocks`, `scf_subscribeNewHeads`): its header's summary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockSummary {
    pub height: u64,
    pub hash: String,
    pub parent_hash: String,
    pub timestamp_ms: u64,
    /// The proposing validator's consensus key.
    pub proposer: String,
    /// How many transactions it holds; not shown to anonymous readers.
    pub transaction_count: Option<u32>,
}

/// Most blocks one `scf_getBlocks` call returns.
pub const MAX_BLOCKS_PAGE: u32 = 100;
/// Most events one `scf_getEvents` call returns.
pub const MAX_EVENTS_PAGE: u32 = 1000;
/// Most transactions one `scf_getTransactionsOf` call returns.
pub const MAX_TRANSACTIONS_PAGE: u32 = 1000;

/// Where an event lies in the chain: its block, its transaction's index in the block, its index
/// among the transaction's events. Cursors order events as the chain does; a read or
/// subscription resumes strictly after the cursor it is given.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventCursor {
    pub height: u64,
    pub tx_index: u32,
    pub event_index: u32,
}

/// Which events a read or subscription wants; every field given must match.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    /// The emitting contract (hex address).
    #[serde(default)]
    pub contract: Option<String>,
    /// The event's topic, e.g. `voucher_transferred`.
    #[serde(default)]
    pub topic: Option<String>,
    /// A member the event concerns (one of its parties).
    #[serde(default)]
    pub party: Option<String>,
    /// A business object the event concerns, e.g. `{"kind": "voucher", "id": "7"}`.
    #[serde(default)]
    pub subject: Option<SubjectView>,
    /// The first height to include.
    #[serde(default)]
    pub from_height: Option<u64>,
    /// The last height to include.
    #[serde(default)]
    pub to_height: Option<u64>,
}

/// An event with where it lies.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventRecord {
    /// Resume after this to continue from here.
    pub cursor: EventCursor,
    pub tx_hash: String,
    pub timestamp_ms: u64,
    #[serde(flatten)]
    pub event: EventView,
}

/// A page of `scf_getEvents`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Where the read stopped: pass it as `after` for the next page. A page can be short, even
    /// empty, while more events lie ahead (each read examines a bounded number of candidates);
    /// `complete` says whether the read reached the end of what is indexed (or `to_height`).
    pub next: EventCursor,
    pub complete: bool,
    /// The height up to which the node's event index is built (the head, or just behind it).
    pub indexed_height: u64,
}

/// Whose transactions `scf_getTransactionsOf` lists: those an account sent, or those of a member
/// (sent by its accounts, or with an event naming it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransactionsOf {
    Account(String),
    Member(String),
}

/// Where a transaction lies: its block and its index there.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxCursor {
    pub height: u64,
    pub tx_index: u32,
}

/// A transaction in a list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxSummary {
    pub cursor: TxCursor,
    pub hash: String,
    pub sender: String,
    pub kind: String,
    pub contract: Option<String>,
    pub method: Option<String>,
    pub timestamp_ms: u64,
    /// Whether it succeeded (its sender and overseers see this; others get `null`).
    pub success: Option<bool>,
}

/// A page of `scf_getTransactionsOf`, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxPage {
    pub transactions: Vec<TxSummary>,
    /// Pass as `before` for the next (older) page; `None` when there is none.
    pub next: Option<TxCursor>,
}

/// A validator of the current set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidatorView {
    /// Its consensus key.
    pub address: String,
    pub voting_power: u64,
    /// Of the last `recent_blocks` committed blocks, how many carry its commit signature.
    pub signed_recent: u32,
    pub recent_blocks: u32,
    /// The last height whose commit it signed, among those.
    pub last_signed_height: Option<u64>,
    /// Of those blocks, how many it proposed.
    pub proposed_recent: u32,
}

/// A peer this node is connected to (transaction network).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PeerView {
    pub peer_id: String,
    pub address: Option<String>,
}

/// What a node says about itself.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NodeStatus {
    pub chain_id: String,
    pub version: String,
    pub height: u64,
    /// The lowest height whose block this node serves.
    pub earliest_height: u64,
    /// Milliseconds since the head's timestamp, by this node's clock.
    pub head_age_ms: u64,
    /// Whether the node is behind the network (its head is older than the readiness limit).
    pub syncing: bool,
    pub peers: u32,
    pub indexed_height: u64,
    /// Transactions waiting in this node's pool; not shown to anonymous readers.
    pub pool_transactions: Option<u32>,
}

/// A notification of a closed subscription's end: the error's `data` when a client read too
/// slowly. Resume from `cursor` (events) or `height` (heads) with nothing lost or repeated.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubscriptionEnd {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<EventCursor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

/// Every method sees who is asking (the request's [`Credential`]): the node answers by access
/// tier (`docs/rpc.md`, "Access tiers").
#[rpc(server, client)]
pub trait ScfApi {
    /// Submits a signed transaction (hex of its borsh bytes); returns its hash once it is
    /// admitted to the pool. Finality is observed with `scf_getTransaction`.
    #[method(name = "scf_submitTransaction", with_extensions)]
    async fn submit_transaction(&self, tx: String) -> RpcResult<Submitted>;

    /// The latest finalized block.
    #[method(name = "scf_chainHead", with_extensions)]
    async fn chain_head(&self) -> RpcResult<ChainHead>;

    /// A finalized block by height or hash.
    #[method(name = "scf_getBlock", with_extensions)]
    async fn get_block(&self, id: BlockId) -> RpcResult<BlockView>;

    /// The receipts of a finalized block's transactions, in block order, each with its
    /// transaction hash: one call per block instead of one per transaction.
    #[method(name = "scf_getBlockReceipts", with_extensions)]
    async fn get_block_receipts(&self, id: BlockId) -> RpcResult<Vec<BlockReceipt>>;

    /// A transaction with its status and, once committed, its receipt.
    #[method(name = "scf_getTransaction", with_extensions)]
    async fn get_transaction(&self, hash: String) -> RpcResult<TxView>;

    /// Runs a contract method read-only against the latest state. Contracts reveal member
    /// data only to signed queries: with `auth`, the signer's account is the caller; without,
    /// the caller is the zero account, which is no member.
    #[method(name = "scf_query", with_extensions)]
    async fn query(
        &self,
        contract: String,
        method: String,
        args: String,
        auth: Option<QueryAuth>,
    ) -> RpcResult<QueryResult>;

    /// An account's next nonce and its member record.
    #[method(name = "scf_getAccount", with_extensions)]
    async fn get_account(&self, account: String) -> RpcResult<AccountView>;

    /// Addresses of the system contracts installed by genesis.
    #[method(name = "scf_systemContracts", with_extensions)]
    async fn system_contracts(&self) -> RpcResult<SystemContracts>;

    /// Installed contracts in installation order, from the `from`-th, at most `limit` (up to
    /// `MAX_CONTRACTS_PAGE`): code hash, version and the governance approval behind each.
    #[method(name = "scf_listContracts", with_extensions)]
    async fn list_contracts(&self, from: u64, limit: u32) -> RpcResult<Vec<ContractView>>;

    /// Dev chains only (like Hardhat's `evm_increaseTime`): moves the proposer's clock forward by
    /// `seconds`, so the next blocks carry later timestamps (e.g. to reach a maturity date).
    /// Refused with `DEV_ONLY` on any other chain.
    #[method(name = "dev_advanceTime", with_extensions)]
    async fn dev_advance_time(&self, seconds: u64) -> RpcResult<DevTime>;

    /// Block summaries from height `from` upwards, at most `limit` (up to `MAX_BLOCKS_PAGE`),
    /// up to the head.
    #[method(name = "scf_getBlocks", with_extensions)]
    async fn get_blocks(&self, from: u64, limit: u32) -> RpcResult<Vec<BlockSummary>>;

    /// Events matching `filter` that the reader may see, in chain order, strictly after `after`
    /// (from the start when absent), at most `limit` (up to `MAX_EVENTS_PAGE`).
    #[method(name = "scf_getEvents", with_extensions)]
    async fn get_events(
        &self,
        filter: EventFilter,
        after: Option<EventCursor>,
        limit: u32,
    ) -> RpcResult<EventPage>;

    /// The transactions of an account or a member that the reader may see, newest first,
    /// strictly before `before` (from the newest when absent), at most `limit`.
    #[method(name = "scf_getTransactionsOf", with_extensions)]
    async fn get_transactions_of(
        &self,
        of: TransactionsOf,
        before: Option<TxCursor>,
        limit: u32,
    ) -> RpcResult<TxPage>;

    /// The validator set of the next height, with voting power and recent signing.
    #[method(name = "scf_getValidators", with_extensions)]
    async fn get_validators(&self) -> RpcResult<Vec<ValidatorView>>;

    /// The peers this node is connected to: its operator and overseers only.
    #[method(name = "scf_getPeers", with_extensions)]
    async fn get_peers(&self) -> RpcResult<Vec<PeerView>>;

    /// The node's height, whether it is syncing, the earliest height it serves, its peers.
    #[method(name = "scf_nodeStatus", with_extensions)]
    async fn node_status(&self) -> RpcResult<NodeStatus>;

    /// Every new block, from the next one (or from `from_height` when given: stored blocks are
    /// replayed first). A client that reads too slowly gets the subscription closed with the
    /// height to resume from (`SubscriptionEnd`).
    #[subscription(name = "scf_subscribeNewHeads" => "scf_newHead", unsubscribe = "scf_unsubscribeNewHeads", item = BlockSummary, with_extensions)]
    async fn subscribe_new_heads(&self, from_height: Option<u64>) -> jsonrpsee::core::SubscriptionResult;

    /// Events matching `filter` that the subscriber may see: stored ones strictly after `after`
    /// first (none when absent: live from now), then live ones as blocks commit. Each carries its
    /// cursor. A client that reads too slowly gets the subscription closed with the last cursor
    /// sent (`SubscriptionEnd`): resuming after it loses and repeats nothing.
    #[subscription(name = "scf_subscribeEvents" => "scf_event", unsubscribe = "scf_unsubscribeEvents", item = EventRecord, with_extensions)]
    async fn subscribe_events(
        &self,
        filter: EventFilter,
        after: Option<EventCursor>,
    ) -> jsonrpsee::core::SubscriptionResult;

    /// The node's operator only: replaces the log filter (`tracing`'s `EnvFilter` syntax, e.g.
    /// `info,scf::consensus=debug`) until the next change or restart; returns the one replaced.
    #[method(name = "admin_setLogFilter", with_extensions)]
    async fn set_log_filter(&self, filter: String) -> RpcResult<LogFilter>;
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogFilter {
    pub previous: String,
    pub current: String,
}

/// Longest log filter `admin_setLogFilter` accepts.
pub const MAX_LOG_FILTER_LEN: usize = 1024;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DevTime {
    /// Total shift of the chain's clock ahead of the wall clock.
    pub offset_ms: u64,
    /// The clock the next block will use.
    pub chain_now_ms: u64,
}

/// Result of `rpc_methods`, the method listing every node serves.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MethodList {
    pub methods: Vec<String>,
}

/// `0x`-prefixed hex.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Parses hex with or without `0x`.
pub fn from_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
}

#[cfg(test)]
mod credential_tests {
    use super::*;

    #[test]
    fn credentials_round_trip_through_the_header_and_bad_ones_say_why() {
        let member = Credential::Member {
            account: scf_primitives::AccountId([7; 32]),
            expires_at_ms: 1_700_000_000_000,
            signature: [9; 64],
        };
        let operator = Credential::Operator { cookie: "ab".repeat(32) };
        for c in [member, operator] {
            assert_eq!(Credential::parse(&c.header_value()), Ok(c));
        }
        assert_eq!(
            Credential::parse("Basic x"),
            Err("the Authorization header must be `Bearer <credential>`")
        );
        assert_eq!(Credential::parse("Bearer other.x"), Err("unknown credential kind"));
        assert!(Credential::parse("Bearer scf1.00.1.00").is_err());
        assert!(
            Credential::parse(&format!("Bearer scf1.{}.soon.{}", "07".repeat(32), "09".repeat(64))).is_err()
        );
        assert!(Credential::parse(&format!("Bearer scf1.{}.1.{}.extra", "07".repeat(32), "09".repeat(64)))
            .is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2_000, ..Default::default() })]

        /// What a client puts in a request's text: the Authorization header and hex parameters.
        /// Any text is parsed or refused; nothing panics.
        #[test]
        fn request_text_never_panics_the_parsers(text in ".{0,300}", printable in "[ -~]{0,300}") {
            let _ = Credential::parse(&text);
            let _ = Credential::parse(&printable);
            let _ = Credential::parse(&format!("Bearer {printable}"));
            let _ = Credential::parse(&format!("Bearer scf1.{printable}"));
            let _ = from_hex(&text);
            let _ = from_hex(&format!("0x{printable}"));
        }
    }
}
