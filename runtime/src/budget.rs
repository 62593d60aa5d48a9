//! What one block may consume (ADR 0010): encoded bytes, fuel, state-write bytes and event
//! bytes. A consensus rule: the proposer stops adding transactions before any budget would be
//! exceeded, and a validator refuses a block that exceeds one. Every budget is at least what a
//! single transaction can consume under the per-transaction limits (asserted below), so a
//! transaction that fits those limits always fits an empty block and can never be stuck at the
//! front of its sender's queue.
use scf_primitives::{BlockHeader, MAX_TX_BYTES};

/// The limits of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockBudget {
    /// Encoded block (header and transactions): below the 16 MiB proposal-stream cap and, with
    /// its commit certificate, below the 10 MiB value-sync response cap, so a decided block can
    /// always be streamed and synced.
    pub bytes: u64,
    /// Fuel of all transactions together. Sized from measured execution speed so that a full
    /// block executes well within a consensus round (docs/limits.md, ADR 0010).
    pub fuel: u64,
    /// Key and value bytes of every state write (a removal counts its key).
    pub write_bytes: u64,
    /// Topic, index and data bytes of every event.
    pub event_bytes: u64,
}

/// Fuel one transaction may burn (Wasm operators plus host-function charges).
pub const TX_FUEL_LIMIT: u64 = 100_000_000;

/// The chain's block budget.
pub const BLOCK_BUDGET: BlockBudget = BlockBudget {
    bytes: 8 * 1024 * 1024,
    fuel: 1_000_000_000,
    write_bytes: 32 * 1024 * 1024,
    event_bytes: 32 * 1024 * 1024,
};

// One transaction alone always fits. Its writes and events are bounded by its fuel: every
// written byte costs `STORAGE_WRITE_BYTE` fuel and every write `STORAGE_WRITE` (each adds a
// key prefix of at most 64 bytes); installed code, at most a transaction's size, is written
// besides, with a few small records. Every event byte costs `EVENT_BYTE`.
const _: () = {
    use crate::vm::cost;
    assert!(BLOCK_BUDGET.fuel >= TX_FUEL_LIMIT);
    assert!(BLOCK_BUDGET.bytes >= MAX_TX_BYTES as u64 + 4 * 1024);
    assert!(
        BLOCK_BUDGET.write_bytes
            >= TX_FUEL_LIMIT / cost::STORAGE_WRITE_BYTE
                + TX_FUEL_LIMIT / cost::STORAGE_WRITE * 64
                + 2 * MAX_TX_BYTES as u64
    );
    assert!(BLOCK_BUDGET.event_bytes >= TX_FUEL_LIMIT / cost::EVENT_BYTE + 64 * 1024);
};

/// What a block, or a prefix of it, consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockUsage {
    pub bytes: u64,
    pub fuel: u64,
    pub write_bytes: u64,
    pub event_bytes: u64,
}

/// A block over one of its budgets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the block exceeds its {resource} budget ({used} > {limit})")]
pub struct OverBudget {
    pub resource: &'static str,
    pub used: u64,
    pub limit: u64,
}

impl BlockUsage {
    /// A block with no transactions: its header and the (empty) list's length prefix.
    pub fn empty_block() -> BlockUsage {
        BlockUsage { bytes: block_header_bytes() + 4, ..BlockUsage::default() }
    }

    pub fn plus(&self, other: &BlockUsage) -> BlockUsage {
        BlockUsage {
            bytes: self.bytes.saturating_add(other.bytes),
            fuel: self.fuel.saturating_add(other.fuel),
            write_bytes: self.write_bytes.saturating_add(other.write_bytes),
            event_bytes: self.event_bytes.saturating_add(other.event_bytes),
        }
    }

    /// The first budget this usage exceeds.
    pub fn check(&self, budget: &BlockBudget) -> Result<(), OverBudget> {
        let over = |resource, used, limit| {
            if used > limit {
                Err(OverBudget { resource, used, limit })
            } else {
                Ok(())
            }
        };
        over("bytes", self.bytes, budget.bytes)?;
        over("fuel", self.fuel, budget.fuel)?;
        over("state write", self.write_bytes, budget.write_bytes)?;
        over("event", self.event_bytes, budget.event_bytes)
    }
}

/// Encoded size of a block header (all its fields are fixed-size).
pub fn block_header_bytes() -> u64 {
    let header = BlockHeader {
        height: 0,
        parent_hash: Default::default(),
        timestamp_ms: 0,
        proposer: scf_primitives::AccountId([0; 32]),
        tx_root: Default::default(),
        state_root: Default::default(),
        receipts_root: Default::default(),
    };
    borsh::object_length(&header).unwrap_or(usize::MAX) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_checked_against_every_budget() {
        let budget = BlockBudget { bytes: 10, fuel: 10, write_bytes: 10, event_bytes: 10 };
        let at = BlockUsage { bytes: 10, fuel: 10, write_bytes: 10, event_bytes: 10 };
        assert_eq!(at.check(&budget), Ok(()));
        for (i, resource) in ["bytes", "fuel", "state write", "event"].into_iter().enumerate() {
            let mut over = at;
            *[&mut over.bytes, &mut over.fuel, &mut over.write_bytes, &mut over.event_bytes][i] = 11;
            assert_eq!(over.check(&budget).unwrap_err().resource, resource);
        }
    }

    #[test]
    fn an_empty_block_is_its_header() {
        let block = scf_primitives::Block {
            header: BlockHeader {
                height: 7,
                parent_hash: Default::default(),
                timestamp_ms: 1,
                proposer: scf_primitives::AccountId([1; 32]),
                tx_root: Default::default(),
                state_root: Default::default(),
                receipts_root: Default::default(),
            },
            transactions: vec![],
        };
        assert_eq!(BlockUsage::empty_block().bytes, borsh::to_vec(&block).unwrap().len() as u64);
    }
}
