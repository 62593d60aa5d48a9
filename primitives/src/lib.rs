//! # scf-primitives
//!
//! The shared vocabulary of scf-chain: account and contract addresses, hashes, transactions,
//! blocks, receipts, the host-function ABI between the runtime and contracts, and the borsh
//! message types of the system contracts (member registry, receivables).
//!
//! Owns: every byte layout that is signed, hashed, persisted or sent between node, runtime,
//! contracts and tools. Everything here is `no_std` + `alloc` so that contracts compiled to
//! wasm32 share the exact same definitions as the node.
//!
//! Must not: do I/O, read clocks, use randomness, depend on any other workspace crate, or pull in
//! tokio, RocksDB, wasmtime, libp2p or serde_json. Encodings here are consensus-critical: changing
//! a field order or an enum variant index is a hard fork.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod abi;
mod block;
mod contract_info;
#[cfg(feature = "crypto")]
pub mod crypto;
mod hash;
mod ids;
mod receipt;
mod tx;

pub use block::{Block, BlockHeader};
pub use contract_info::ContractInfo;
pub use hash::{merkle_root, sha256, Hash};
pub use ids::{AccountId, ContractAddress, ParseIdError, SYSTEM_CONTRACTS};
pub use receipt::{
    is_event_topic, is_member_name, Event, EventIndex, ExecOutcome, Receipt, Subject, TxError,
};
pub use tx::{
    LoginAuthorization, Payload, QueryAuthorization, SignedTransaction, Transaction, LOGIN_SIGNING_DOMAIN,
    QUERY_SIGNING_DOMAIN, TX_SIGNING_DOMAIN,
};

/// Block height. Genesis state is height 0; the first block is height 1.
pub type Height = u64;
/// Per-account transaction counter; the first transaction of an account has nonce 0.
pub type Nonce = u64;
/// Money in integer minor units (e.g. fen for CNY). Never a float.
pub type Amount = u128;
/// Milliseconds since the Unix epoch, as fixed by the block proposer.
pub type TimestampMs = u64;

/// Largest encoded transaction the chain accepts (deploy payloads included).
pub const MAX_TX_BYTES: usize = 1024 * 1024;
/// Largest method name a call may carry.
pub const MAX_METHOD_NAME: usize = 64;
