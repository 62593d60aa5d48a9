use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{hash::sha256, AccountId, ContractAddress, Hash, Nonce};

/// Prefix of every transaction signature preimage. A signature over a transaction can never be
/// valid for a block, a vote or another protocol message, which use other domains.
pub const TX_SIGNING_DOMAIN: &[u8] = b"scf-chain/tx/v1\0";

/// What a transaction asks the chain to do.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum Payload {
    /// Install a Wasm module approved by governance for deployment; its address is
    /// `ContractAddress::derive(sender, nonce)`. If the
    /// module exports `init`, it runs with `init_args` as input, and a failing `init` undoes the
    /// deployment.
    Deploy { code: Vec<u8>, init_args: Vec<u8> },
    /// Run exported `method` of `contract` with borsh-encoded `args` as input.
    Call { contract: ContractAddress, method: String, args: Vec<u8> },
    /// Replace the code of `contract` (it keeps its address and storage), then run the new
    /// code's `migrate` export with `migrate_args` if it has one. Both `Deploy` and `Upgrade`
    /// need code the validators approved for it (`scf_interface::governance::CodeApproval`).
    Upgrade { contract: ContractAddress, code: Vec<u8>, migrate_args: Vec<u8> },
}

/// The signed part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
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
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct SignedTransaction {
    pub tx: Transaction,
    pub signature: [u8; 64],
}

impl SignedTransaction {
    /// Identifies the transaction everywhere (RPC, receipts, CLI): SHA-256 of its borsh bytes.
    pub fn hash(&self) -> Hash {
        self.encoded_with_hash().1
    }

    /// The transaction's encoding and its hash, for callers that need both (the pool stores
    /// the one and is keyed by the other): one encoding pass, not two.
    pub fn encoded_with_hash(&self) -> (Vec<u8>, Hash) {
        let encoded = borsh::to_vec(self).expect("borsh into Vec is infallible");
        let hash = sha256(&encoded);
        (encoded, hash)
    }
}

/// Prefix of a signed query's preimage: a query signature can never pass for a transaction.
pub const QUERY_SIGNING_DOMAIN: &[u8] = b"scf-chain/query/v1\0";

/// What a member signs to read data that contracts reveal only to some members (vouchers it
/// holds, its balances): the exact query, bound to one chain and valid until `expires_at_ms`.
/// The node checks the signature and expiry, then runs the query with `account` as the caller.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct QueryAuthorization {
    pub chain_id: String,
    pub contract: ContractAddress,
    pub method: String,
    pub args: Vec<u8>,
    pub account: AccountId,
    /// Node wall-clock milliseconds after which the signature is void.
    pub expires_at_ms: u64,
}

impl QueryAuthorization {
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::from(QUERY_SIGNING_DOMAIN);
        borsh::to_writer(&mut out, self).expect("borsh into Vec is infallible");
        out
    }
}

/// Prefix of a signed RPC login's preimage: it can pass for neither a transaction nor a query.
pub const LOGIN_SIGNING_DOMAIN: &[u8] = b"scf-chain/rpc-login/v1\0";

/// What a member's account signs to read from a node's RPC as that member (its receipts, events
/// and transactions): bound to one chain and valid until `expires_at_ms`. It carries no request:
/// it is a short-lived bearer credential, to be sent only over TLS or loopback.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct LoginAuthorization {
    pub chain_id: String,
    pub account: AccountId,
    /// Node wall-clock milliseconds after which the login is void.
    pub expires_at_ms: u64,
}

impl LoginAuthorization {
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::from(LOGIN_SIGNING_DOMAIN);
        borsh::to_writer(&mut out, self).expect("borsh into Vec is infallible");
        out
    }
}
