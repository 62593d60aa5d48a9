use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{hash::sha256, ContractAddress, Hash, Height, Nonce};

/// Something a contract announced while executing, for explorers and ERP systems to follow.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Event {
    pub contract: ContractAddress,
    /// Short name such as `voucher_issued`.
    pub topic: String,
    /// Borsh-encoded body; its type is fixed per topic by the contract's API.
    pub data: Vec<u8>,
}

/// Why a transaction failed. Every variant is deterministic: all validators record the same one.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
    /// The contract refused the call (`abort` with its message).
    ContractError { message: String },
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
            TxError::ContractError { message } => write!(f, "contract error: {message}"),
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
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ExecOutcome {
    Success { return_data: Vec<u8> },
    Failure { error: TxError },
}

/// The result of one transaction in a block. A failed transaction has a receipt too: it changed
/// no contract state and emitted no events.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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
