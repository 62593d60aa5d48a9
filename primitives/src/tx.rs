use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{hash::sha256, AccountId, ContractAddress, Hash, Nonce};

/// Prefix of every transaction signature preimage. A signature over a transaction can never be
/// valid for a block, a vote or another protocol message, which use other domains.
pub const TX_SIGNING_DOMAIN: &[u8] = b"scf-chain/tx/v1\0";

/// What a transaction asks the chain to do.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Payload {
    /// Install a Wasm module; its address is `ContractAddress::derive(sender, nonce)`. If the
    /// module exports `init`, it runs with `init_args` as input, and a failing `init` undoes the
    /// deployment.
    Deploy { code: Vec<u8>, init_args: Vec<u8> },
    /// Run exported `method` of `contract` with borsh-encoded `args` as input.
    Call { contract: ContractAddress, method: String, args: Vec<u8> },
}

/// The signed part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    /// Must equal the chain's id: a transaction signed for one chain is void on every other.
    pub chain_id: String,
    pub sender: AccountId,
    /// Must equal the sender's next nonce: each transaction executes at most once, in order.
    pub nonce: Nonce,
    pub payload: Payload,
}

impl Transaction {
    /// The exact bytes the sender signs: domain || borsh(transaction).
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::from(TX_SIGNING_DOMAIN);
        // Writing borsh into a Vec cannot fail.
        borsh::to_writer(&mut out, self).expect("borsh into Vec is infallible");
        out
    }
}

/// A transaction with the ed25519 signature of its sender.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedTransaction {
    pub tx: Transaction,
    pub signature: [u8; 64],
}

impl SignedTransaction {
    /// Identifies the transaction everywhere (RPC, receipts, CLI): SHA-256 of its borsh bytes.
    pub fn hash(&self) -> Hash {
        sha256(&borsh::to_vec(self).expect("borsh into Vec is infallible"))
    }
}
