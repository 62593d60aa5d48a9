use thiserror::Error;

/// The store beneath the runtime failed. This is a fault of the node, not of a transaction: the
/// block cannot be executed and the node must stop rather than diverge.
#[derive(Debug, Error)]
#[error("state store: {0}")]
pub struct StoreError(pub String);

/// A failure that is not attributable to a transaction. Halts block processing.
#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("authenticated state: {0}")]
    Merkle(String),
    #[error("wasm engine: {0}")]
    Engine(String),
    #[error("genesis: {0}")]
    Genesis(String),
    /// A record the runtime itself wrote does not decode: the database is damaged.
    #[error("corrupt state: {0}")]
    Corrupt(String),
}
