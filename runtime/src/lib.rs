//! # scf-runtime
//!
//! The deterministic state-transition function of scf-chain: given the committed state and an
//! ordered list of signed transactions, it produces receipts, the state changes and the new state
//! root — identically on every validator.
//!
//! Owns: the wasmtime VM (deterministic configuration, module validation against the ABI in
//! `scf_primitives::abi`, the compiled-module cache), host-function semantics, the authenticated
//! state (a Jellyfish Merkle tree over the [`StateStore`] trait), transaction checks (signature,
//! chain id, nonce, size), and genesis construction from a chain spec.
//!
//! Must not: import the node (RocksDB, libp2p, consensus, RPC), read the wall clock, use host
//! randomness, or iterate a `HashMap` where the order could reach state. Time enters only as the
//! block timestamp. A guest fault is data (a failed [`scf_primitives::Receipt`]); only a fault of
//! the node itself (an unreadable store) is a [`RuntimeError`].

pub mod budget;
mod error;
mod executor;
pub mod genesis;
pub mod keys;
pub mod merkle;
mod permissions;
mod stack;
mod state;
mod vm;

pub use budget::{BlockBudget, BlockUsage, OverBudget, BLOCK_BUDGET, TX_FUEL_LIMIT};
pub use error::{RuntimeError, StoreError};
pub use executor::{
    installed_contracts, BlockContext, BlockError, CheckError, ExecutedBlock, Runtime, RuntimeParams,
    GENESIS_CALLER, QUERY_FUEL_LIMIT,
};
pub use permissions::{admitted_nodes, is_validator_key, member_by_name, member_of_account};
pub use stack::CONTRACT_STACK_BYTES;
pub use state::{apply_changes, root_at, MemoryStore, StateChanges, StateStore, StateUpdate};
pub use vm::{validate_module, Vm};
