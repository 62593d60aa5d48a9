//! The transaction signature rule and its activation height (ADR 0011): strict before it,
//! cofactored from it, the same verdicts at admission and in a block, one by one or in batches.
mod common;

use common::*;
use scf_primitives::{crypto::SignatureRule, AccountId, Payload, SignedTransaction, Transaction, TxError};
use scf_runtime::CheckError;

/// A transaction only the cofactored rule accepts: its sender's key and its signature's `R`
/// are the identity point (small order) and `s` is 0, which satisfies `[8]([s]B - R - [k]A) = 0`
/// for any message; the strict rule refuses small-order keys.
fn small_order_transaction() -> SignedTransaction {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&identity);
    let tx = Transaction {
        chain_id: "scf-dev".into(),
        sender: AccountId(identity),
        nonce: 0,
        payload: Payload::Call {
            contract: receivables(),
            method: "issue".into(),
            args: issue_args("supplier1", 1),
        },
    };
    SignedTransaction { tx, signature }
}

fn admission_verdict(c: &Chain, tx: &SignedTransaction, height: u64) -> TxError {
    match c.runtime.check_transaction(&c.store, tx, height) {
        Err(CheckError::Invalid(e)) => e,
        other => panic!("admitted or failed as a node: {other:?}"),
    }
}

#[test]
fn the_signature_rule_changes_at_its_activation_height() {
    let mut c = Chain::with_params(|p| p.cofactored_signatures_from = Some(3));
    assert_eq!(c.runtime.params().signature_rule(2), SignatureRule::Strict);
    assert_eq!(c.runtime.params().signature_rule(3), SignatureRule::Cofactored);
    let odd = small_order_transaction();

    // Before the activation height the signature is refused, at admission and in a block.
    assert_eq!(admission_verdict(&c, &odd, 1), TxError::BadSignature);
    assert_eq!(failure(&c.one(odd.clone())), TxError::BadSignature);
    c.block(&[]);
    assert_eq!(c.height, 2);

    // From it the signature is good: what refuses the transaction now is that its sender is no
    // member, the same at admission and in the block.
    let at_admission = admission_verdict(&c, &odd, 3);
    assert_ne!(at_admission, TxError::BadSignature);
    let honest = c.call("core", receivables(), "issue", issue_args("supplier1", 5));
    let receipts = c.block(&[odd, honest]);
    assert_eq!(failure(&receipts[0]), at_admission);
    assert!(receipts[1].is_success(), "a strictly valid signature stays valid: {:?}", receipts[1]);
}

#[test]
fn a_chain_without_an_activation_height_stays_strict() {
    let mut c = Chain::with_params(|p| p.cofactored_signatures_from = None);
    assert_eq!(c.runtime.params().signature_rule(u64::MAX), SignatureRule::Strict);
    for _ in 0..5 {
        c.block(&[]);
    }
    assert_eq!(failure(&c.one(small_order_transaction())), TxError::BadSignature);
}

/// A block verified in batches gives each transaction its own verdict: bad signatures among
/// many good ones fail alone, wherever they are.
#[test]
fn a_block_of_many_signatures_fails_exactly_its_bad_ones() {
    let mut c = Chain::new();
    assert_eq!(c.runtime.params().signature_rule(1), SignatureRule::Cofactored, "the dev chain's rule");
    let mut txs = Vec::new();
    let mut bad = Vec::new();
    for i in 0..300u128 {
        let good = c.call("core", receivables(), "issue", issue_args("supplier1", 1 + i));
        if i % 97 == 13 {
            // Its copy with one bit of `s` flipped goes first: refused, it leaves the nonce to
            // the good one.
            let mut corrupted = good.clone();
            corrupted.signature[40] ^= 0x10;
            bad.push(txs.len());
            txs.push(corrupted);
        }
        txs.push(good);
    }
    let receipts = c.block(&txs);
    assert_eq!(receipts.len(), 303);
    for (i, r) in receipts.iter().enumerate() {
        if bad.contains(&i) {
            assert_eq!(failure(r), TxError::BadSignature, "transaction {i}");
        } else {
            assert!(r.is_success(), "transaction {i}: {r:?}");
        }
    }
}
