//! # scf-node
//!
//! A validator (or full) node of scf-chain: RocksDB storage, the transaction pool, Malachite
//! BFT consensus over libp2p, execution through `scf-runtime`, and JSON-RPC for clients.
//!
//! Owns: everything with I/O — the database (`storage`, the only RocksDB user), the network and
//! consensus engine (`consensus`), the RPC server (`rpc`), their wiring (`service`), and what the
//! node logs (`logging`).
//!
//! Must not: decide what a transaction means (that is the runtime's), or let anything but a
//! decided block change state: RPC reads state and admits transactions to the pool, nothing more.
pub mod access;
pub mod admission;
pub mod bounded;
pub mod chain;
pub mod config;
pub mod consensus;
pub mod decode;
pub mod explorer;
pub mod explorer_assets;
pub mod index;
pub mod logging;
pub mod mempool;
pub mod metrics;
pub mod network;
pub mod probes;
pub mod rpc;
pub mod rpc_guard;
pub mod service;
pub mod storage;
