use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{hash::sha256, merkle_root, AccountId, Hash, Height, SignedTransaction, TimestampMs};

/// What a block commits to. Its hash is SHA-256 of its borsh encoding and is the value the
/// validators vote on.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct BlockHeader {
    pub height: Height,
    /// Hash of the header at `height - 1` (the genesis header for height 1).
    pub parent_hash: Hash,
    /// Proposer's clock, strictly increasing along the chain; the only time contracts see.
    pub timestamp_ms: TimestampMs,
    /// Consensus address of the validator that proposed the block.
    pub proposer: AccountId,
    /// `merkle_root` of the transaction hashes, in block order.
    pub tx_root: Hash,
    /// Root of the authenticated state after executing this block's transactions.
    pub state_root: Hash,
    /// `merkle_root` of the receipt hashes, in block order.
    pub receipts_root: Hash,
}

impl BlockHeader {
    pub fn hash(&self) -> Hash {
        sha256(&borsh::to_vec(self).expect("borsh into Vec is infallible"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Block {
    pub header: BlockHeader,
    pub transactions: Vec<SignedTransaction>,
}

impl Block {
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// The transaction root that `header.tx_root` must equal.
    pub fn compute_tx_root(transactions: &[SignedTransaction]) -> Hash {
        let hashes: Vec<Hash> = transactions.iter().map(SignedTransaction::hash).collect();
        merkle_root(&hashes)
    }
}
