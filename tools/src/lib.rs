//! # scf-tools
//!
//! The `scf` command-line tool: keys, chain inspection, contract deployment and calls, and the
//! business commands (members, credit lines, deposit tokens, vouchers, financing, the demo).
//! Talks to nodes only over JSON-RPC.
//!
//! Owns: the local key store, decimal ↔ minor-unit conversion for display and input, the JSON
//! argument encoding for generic contract calls, and human/JSON output.
//!
//! Must not: import node internals or open a node's database; everything goes through RPC.
pub mod amount;
pub mod args;
pub mod bench;
pub mod client;
pub mod commands;
pub mod demo;
pub mod keystore;
pub mod localnet;
pub mod schema;
