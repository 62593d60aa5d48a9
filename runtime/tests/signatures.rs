//! The transaction signature rule and its activation height (ADR 0011): strict before it,
//! cofactored from it, the same verdicts at admission and in a block, one by one or in batches.
mod common;

use common::*;
use scf_primitives::{
    crypto::{test_vectors, Keypair, SignatureRule},
    AccountId, Payload, SignedTransaction, Transaction, TxError,
};
use scf_runtime::CheckError;

/// A member's transaction that only the cofactored rule accepts: `core` signed it with a point
/// of order 8 added to `R` (`test_vectors::torsion_signature`).
fn torsion_transaction(c: &mut Chain) -> SignedTransaction {
    let honest = c.call("core", receivables(), "issue", issue_args("supplier1", 7));
    let signature = test_vectors::torsion_signature(&Keypair::dev("core"), &honest.tx.signing_bytes());
    SignedTransaction { tx: honest.tx, signature }
}

/// A transaction from an account of small order (the identity point): under the bare
/// cofactored equation anyone could sign for it; both rules refuse it.
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

fn admission_verdict(c: &Chain, tx: &SignedTransaction, height: u64) -> Result<(), TxError> {
    match c.runtime.check_transaction(&c.store, tx, height) {
        Ok(_) => Ok(()),
        Err(CheckError::Invalid(e)) => Err(e),
        Err(CheckError::Node(e)) => panic!("the node failed: {e}"),
    }
}

#[test]
fn the_signature_rule_changes_at_its_activation_height() {
    let activation = |p: &mut scf_runtime::RuntimeParams| p.cofactored_signatures_from = Some(3);
    // Admission and blocks on separate runtimes, so that the block path verifies by itself
    // rather than finding admission's verdict.
    let mut admission = Chain::with_params(activation);
    let mut c = Chain::with_params(activation);
    assert_eq!(c.runtime.params().signature_rule(2), SignatureRule::Strict);
    assert_eq!(c.runtime.params().signature_rule(3), SignatureRule::Cofactored);
    let torsion = torsion_transaction(&mut c);
    admission.nonces = c.nonces.clone();

    // Before the activation height the signature is refused, at admission and in a block.
    assert_eq!(admission_verdict(&admission, &torsion, 1), Err(TxError::BadSignature));
    assert_eq!(failure(&c.one(torsion.clone())), TxError::BadSignature);
    c.block(&[]);
    assert_eq!(c.height, 2);

    // From it the transaction is admitted and executes.
    assert_eq!(admission_verdict(&admission, &torsion, 3), Ok(()));
    let honest = c.call("core", receivables(), "issue", issue_args("supplier1", 5));
    let receipts = c.block(&[torsion, honest]);
    assert!(receipts[0].is_success(), "{:?}", receipts[0]);
    assert!(receipts[1].is_success(), "a strictly valid signature stays valid: {:?}", receipts[1]);

    // An account of small order signs nothing, before or after.
    let odd = small_order_transaction();
    assert_eq!(admission_verdict(&admission, &odd, 1), Err(TxError::BadSignature));
    assert_eq!(admission_verdict(&admission, &odd, 3), Err(TxError::BadSignature));
    assert_eq!(failure(&c.one(odd)), TxError::BadSignature);
}

#[test]
fn a_verdict_remembered_under_the_cofactored_rule_is_not_used_under_the_strict_one() {
    let mut c = Chain::with_params(|p| p.cofactored_signatures_from = Some(3));
    let torsion = torsion_transaction(&mut c);
    assert_eq!(admission_verdict(&c, &torsion, 3), Ok(()), "remembered as good under the cofactored rule");
    assert_eq!(failure(&c.one(torsion)), TxError::BadSignature, "height 1 is strict");
}

#[test]
fn a_chain_without_an_activation_height_stays_strict() {
    let mut c = Chain::with_params(|p| p.cofactored_signatures_from = None);
    assert_eq!(c.runtime.params().signature_rule(u64::MAX), SignatureRule::Strict);
    for _ in 0..5 {
        c.block(&[]);
    }
    let torsion = torsion_transaction(&mut c);
    assert_eq!(failure(&c.one(torsion)), TxError::BadSignature);
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
