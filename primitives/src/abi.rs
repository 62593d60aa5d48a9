//! The contract ↔ host interface, declared once. The runtime builds its wasmtime linker from
//! [`HOST_FUNCTIONS`] and rejects modules importing anything else; the contract SDK declares the
//! same functions as `extern "C"` imports. Bump [`INTERFACE_MARKER`] on any incompatible change.
//!
//! Conventions: pointers and lengths are `i32` offsets into the contract's exported `memory`.
//! Variable-length results (input, storage values) are placed in a host-side *result buffer*
//! whose length is returned; the contract allocates that many bytes and calls `result_read`.

/// Wasm value types used by the ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    I32,
    I64,
}

/// One host function: its import name and signature.
#[derive(Clone, Copy, Debug)]
pub struct HostFn {
    pub name: &'static str,
    pub params: &'static [AbiType],
    pub results: &'static [AbiType],
}

use AbiType::{I32, I64};

/// Module name of every host import.
pub const IMPORT_MODULE: &str = "env";
/// Every contract must export a function of this name (it is never called): it declares the ABI
/// version the contract was built against.
pub const INTERFACE_MARKER: &str = "scf_abi_v2";
/// Export run once at deployment, if present.
pub const INIT_EXPORT: &str = "init";
/// Export run once when an upgrade installs the module, if present.
pub const MIGRATE_EXPORT: &str = "migrate";
/// Exports that can never be called as methods.
pub const RESERVED_EXPORTS: &[&str] = &[INTERFACE_MARKER, INIT_EXPORT, MIGRATE_EXPORT, "memory"];

/// System contracts whose storage other contracts may read with `foreign_storage_read`: the
/// registry (membership and roles, which its methods reveal to anyone anyway). Every other
/// contract's storage holds members' business (vouchers, balances, orders) and is private.
pub const PUBLIC_STORAGE_CONTRACTS: &[&str] = &["registry"];

/// Returned by `storage_read` / `foreign_storage_read` when the key is absent.
pub const ABSENT: i64 = -1;

pub const HOST_FUNCTIONS: &[HostFn] = &[
    // () -> len: places the call's argument bytes in the result buffer.
    HostFn { name: "input", params: &[], results: &[I32] },
    // (dst_ptr): copies the result buffer into memory.
    HostFn { name: "result_read", params: &[I32], results: &[] },
    // (key_ptr, key_len) -> len or ABSENT: the value goes into the result buffer.
    HostFn { name: "storage_read", params: &[I32, I32], results: &[I64] },
    // (key_ptr, key_len, value_ptr, value_len)
    HostFn { name: "storage_write", params: &[I32, I32, I32, I32], results: &[] },
    // (key_ptr, key_len)
    HostFn { name: "storage_remove", params: &[I32, I32], results: &[] },
    // (contract_ptr, key_ptr, key_len) -> len or ABSENT: read-only view of another contract's
    // storage, only of the system contracts in `PUBLIC_STORAGE_CONTRACTS` (whose storage layout
    // is their public API); any other address fails the call with `TxError::PrivateStorage`.
    HostFn { name: "foreign_storage_read", params: &[I32, I32, I32], results: &[I64] },
    // (dst_ptr): writes the 32-byte account that signed the transaction.
    HostFn { name: "caller", params: &[I32], results: &[] },
    // (dst_ptr): writes this contract's 32-byte address.
    HostFn { name: "contract_address", params: &[I32], results: &[] },
    HostFn { name: "block_height", params: &[], results: &[I64] },
    // Milliseconds since the epoch, from the block header (never the host clock).
    HostFn { name: "block_time_ms", params: &[], results: &[I64] },
    // (topic_ptr, topic_len, index_ptr, index_len, data_ptr, data_len): the topic is 1-64 bytes of
    // a-z, 0-9 and _; the index is a borsh `EventIndex` (the parties and subjects), checked by
    // `EventIndex::decode_checked`; anything else traps.
    HostFn { name: "emit_event", params: &[I32, I32, I32, I32, I32, I32], results: &[] },
    // (ptr, len): sets the call's return data (last call wins).
    HostFn { name: "return_data", params: &[I32, I32], results: &[] },
    // (code, msg_ptr, msg_len): ends the call as a contract error with a stable code (an
    // unsigned 32-bit number; 0 = none) and a UTF-8 message, of which the receipt keeps the first
    // MAX_MESSAGE_LEN bytes (a longer message is cut, not a trap: the code survives); never returns.
    HostFn { name: "abort", params: &[I32, I32, I32], results: &[] },
    // (contract_ptr, method_ptr, method_len, args_ptr, args_len) -> len: calls another contract
    // with the remaining fuel; its return data goes into the result buffer. If the callee fails,
    // the whole transaction fails and every write of the call tree is undone. The callee sees
    // this contract's address as its `caller`.
    HostFn { name: "call_contract", params: &[I32, I32, I32, I32, I32], results: &[I32] },
];

/// Deepest nesting of contract calls (the transaction's own call is depth 1).
pub const MAX_CALL_DEPTH: usize = 8;

/// Longest event topic and abort message a contract may pass.
pub const MAX_TOPIC_LEN: usize = 64;
/// Most parties and subjects an event may name (parties are member names, `is_member_name`),
/// the longest subject kind and subject id, and the largest encoded index.
pub const MAX_EVENT_PARTIES: usize = 16;
pub const MAX_EVENT_SUBJECTS: usize = 8;
pub const MAX_SUBJECT_KIND_LEN: usize = 32;
pub const MAX_SUBJECT_ID_LEN: usize = 128;
pub const MAX_EVENT_INDEX_LEN: usize = 4096;
pub const MAX_MESSAGE_LEN: usize = 1024;
/// Storage keys and values are bounded so that one call cannot bloat state arbitrarily.
pub const MAX_KEY_LEN: usize = 256;
pub const MAX_VALUE_LEN: usize = 64 * 1024;
