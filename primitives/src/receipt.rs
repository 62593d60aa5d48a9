use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{hash::sha256, AccountId, ContractAddress, Hash, Height, Nonce};

/// Something a contract announced while executing, for explorers and ERP systems to follow.
/// Besides its body, an event names who and what it concerns, as index fields that reads and
/// subscriptions filter by without decoding bodies.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Event {
    pub contract: ContractAddress,
    /// Short name such as `voucher_issued`.
    pub topic: String,
    /// The members it concerns, by name, sorted and without duplicates. None: it concerns the
    /// whole consortium (rules, membership, the network, governance).
    pub parties: Vec<String>,
    /// The business objects it concerns (voucher 7, order 3, ...), in the contract's order.
    pub subjects: Vec<Subject>,
    /// Borsh-encoded body; its type is fixed per topic by the contract's API.
    pub data: Vec<u8>,
}

/// A business object an event concerns: a kind such as `voucher` and the object's id in
/// that kind's text form (a decimal number for numbered objects).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Subject {
    pub kind: String,
    pub id: String,
}

/// Whether `name` follows the registry's rule for member names (1–32 bytes of `a-z`, `0-9`, `_`
/// and `-`): the only names an event may give as parties.
pub fn is_member_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Whether `topic` is a valid event topic: 1–64 bytes of `a-z`, `0-9` and `_`.
pub fn is_event_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= crate::abi::MAX_TOPIC_LEN
        && topic.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What a contract passes with an event besides its body (`emit_event`'s index argument).
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct EventIndex {
    pub parties: Vec<String>,
    pub subjects: Vec<Subject>,
}

impl EventIndex {
    /// Decodes an index as a contract passed it, checks it against the ABI's limits, and puts the
    /// parties in canonical order (sorted, without duplicates), so that every validator records
    /// the same bytes however a contract lists them. The error is fixed text (it ends up in a
    /// receipt, which is hashed: it must not depend on a library's wording or echo the input).
    pub fn decode_checked(bytes: &[u8]) -> Result<EventIndex, &'static str> {
        use crate::abi;
        if bytes.len() > abi::MAX_EVENT_INDEX_LEN {
            return Err("the event index is too large");
        }
        let Ok(mut index) = borsh::from_slice::<EventIndex>(bytes) else {
            return Err("the event index does not decode");
        };
        if index.parties.len() > abi::MAX_EVENT_PARTIES {
            return Err("the event names too many parties");
        }
        if index.subjects.len() > abi::MAX_EVENT_SUBJECTS {
            return Err("the event names too many subjects");
        }
        if !index.parties.iter().all(|p| is_member_name(p)) {
            return Err("an event party is not a member name (1-32 bytes of a-z, 0-9, _ and -)");
        }
        for s in &index.subjects {
            let kind_ok = !s.kind.is_empty()
                && s.kind.len() <= abi::MAX_SUBJECT_KIND_LEN
                && s.kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !kind_ok {
                return Err("an event subject's kind is not 1-32 bytes of a-z and _");
            }
            if s.id.is_empty() || s.id.len() > abi::MAX_SUBJECT_ID_LEN {
                return Err("an event subject's id is empty or longer than 128 bytes");
            }
        }
        index.parties.sort();
        index.parties.dedup();
        Ok(index)
    }
}

/// Why a transaction failed. Every variant is deterministic: all validators record the same one.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum TxError {
    /// The signature does not verify against the sender's key.
    BadSignature,
    /// The transaction was signed for another chain.
    WrongChainId { expected: String, got: String },
    /// The nonce is not the sender's next one.
    BadNonce { expected: Nonce, got: Nonce },
    /// The transaction exceeds `MAX_TX_BYTES` or a field limit.
    PayloadTooLarge { limit: u64 },
    /// No contract at the called address.
    UnknownContract { contract: ContractAddress },
    /// The contract exports no callable method of that name.
    UnknownMethod { method: String },
    /// The module was rejected at deployment.
    InvalidModule { reason: String },
    /// Execution used up its fuel budget.
    OutOfFuel { limit: u64 },
    /// The Wasm code trapped (unreachable, out-of-bounds access, stack overflow, ...).
    Trap { message: String },
    /// The contract refused the call (`abort` with a code and a message). `code` is stable and
    /// machine-readable (the system contracts' codes are `scf_interface::ErrorCode`); 0 means
    /// none was given (a panic, for instance).
    ContractError { code: u32, message: String },
    /// The sender is not an account of any member, nor a validator sending to governance.
    NotAMember { account: AccountId },
    /// The sender's member is suspended: its accounts cannot transact.
    MemberSuspended { member: String },
    /// A contract tried to read another contract's storage that is not published
    /// (`abi::PUBLIC_STORAGE_CONTRACTS`); it must call that contract's methods instead.
    PrivateStorage { contract: ContractAddress },
    /// A deployment or upgrade of code that governance has not approved for it (no approval of
    /// that SHA-256, one for the other action or another contract, or one that expired).
    CodeNotApproved { code_hash: Hash, reason: String },
}

impl core::fmt::Display for TxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TxError::BadSignature => f.write_str("bad signature"),
            TxError::WrongChainId { expected, got } => {
                write!(f, "wrong chain id: expected {expected:?}, got {got:?}")
            }
            TxError::BadNonce { expected, got } => {
                write!(f, "bad nonce: expected {expected}, got {got}")
            }
            TxError::PayloadTooLarge { limit } => write!(f, "payload too large (limit {limit} bytes)"),
            TxError::UnknownContract { contract } => write!(f, "no contract at {contract}"),
            TxError::UnknownMethod { method } => write!(f, "unknown method {method:?}"),
            TxError::InvalidModule { reason } => write!(f, "invalid module: {reason}"),
            TxError::OutOfFuel { limit } => write!(f, "out of fuel (limit {limit})"),
            TxError::Trap { message } => write!(f, "trap: {message}"),
            TxError::ContractError { message, .. } => write!(f, "contract error: {message}"),
            TxError::NotAMember { account } => write!(
                f,
                "account {account} does not act for a member of the consortium (only members transact; \
                 validators' keys only send to governance)"
            ),
            TxError::MemberSuspended { member } => {
                write!(f, "member {member} is suspended: its accounts cannot transact")
            }
            TxError::PrivateStorage { contract } => write!(
                f,
                "the storage of contract {contract} is private: only the registry publishes its storage; \
                 call the contract's methods instead"
            ),
            TxError::CodeNotApproved { code_hash, reason } => write!(
                f,
                "code {code_hash} is not approved for this: {reason} (validators approve code with \
                 `scf governance propose-code`)"
            ),
        }
    }
}

impl TxError {
    /// Stable machine-readable name, used in RPC and `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            TxError::BadSignature => "bad_signature",
            TxError::WrongChainId { .. } => "wrong_chain_id",
            TxError::BadNonce { .. } => "bad_nonce",
            TxError::PayloadTooLarge { .. } => "payload_too_large",
            TxError::UnknownContract { .. } => "unknown_contract",
            TxError::UnknownMethod { .. } => "unknown_method",
            TxError::InvalidModule { .. } => "invalid_module",
            TxError::OutOfFuel { .. } => "out_of_fuel",
            TxError::Trap { .. } => "trap",
            TxError::ContractError { .. } => "contract_error",
            TxError::NotAMember { .. } => "not_a_member",
            TxError::MemberSuspended { .. } => "member_suspended",
            TxError::PrivateStorage { .. } => "private_storage",
            TxError::CodeNotApproved { .. } => "code_not_approved",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ExecOutcome {
    Success { return_data: Vec<u8> },
    Failure { error: TxError },
}

/// The result of one transaction in a block. A failed transaction has a receipt too: it changed
/// no contract state and emitted no events.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Receipt {
    pub tx_hash: Hash,
    pub height: Height,
    pub index: u32,
    pub outcome: ExecOutcome,
    pub events: Vec<Event>,
    pub fuel_used: u64,
}

impl Receipt {
    pub fn hash(&self) -> Hash {
        sha256(&borsh::to_vec(self).expect("borsh into Vec is infallible"))
    }

    pub fn is_success(&self) -> bool {
        matches!(self.outcome, ExecOutcome::Success { .. })
    }
}
