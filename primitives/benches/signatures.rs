//! What a transaction signature costs to verify: the strict rule one at a time, the cofactored
//! rule alone and in batches of growing size (ADR 0011). Random keys, messages the size of a
//! voucher transfer's signing bytes.
//!
//! `cargo bench -p scf-primitives --bench signatures [-- <signatures>]` (default 2,048, each
//! measurement the best of three passes over all of them).
use std::time::Instant;

use scf_primitives::{
    crypto::{verify_all, Keypair, PublicKey, SignatureCheck, SignatureRule},
    sha256,
};

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2048);
    let signers: Vec<Keypair> = (0..count).map(|i| Keypair::from_seed(sha256(&i.to_le_bytes()).0)).collect();
    let keys: Vec<PublicKey> =
        signers.iter().map(|k| PublicKey::of(&k.account_id()).expect("a key")).collect();
    let messages: Vec<Vec<u8>> = (0..count).map(|i| format!("{i:0>180}").into_bytes()).collect();
    let signatures: Vec<[u8; 64]> = signers.iter().zip(&messages).map(|(k, m)| k.sign(m)).collect();
    let checks: Vec<SignatureCheck<'_>> = (0..count)
        .map(|i| SignatureCheck { key: &keys[i], msg: &messages[i], signature: &signatures[i] })
        .collect();

    // Microseconds per signature, best of three passes.
    let per_signature = |run: &dyn Fn() -> usize| -> f64 {
        (0..3)
            .map(|_| {
                let started = Instant::now();
                assert_eq!(run(), count, "every signature is good");
                started.elapsed().as_secs_f64() * 1e6 / count as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    println!("{count} signatures, microseconds each:");
    for rule in [SignatureRule::Strict, SignatureRule::Cofactored] {
        let alone =
            per_signature(&|| checks.iter().filter(|c| c.key.verify(rule, c.msg, c.signature)).count());
        println!("  {rule:?}, one at a time: {alone:.1}");
    }
    for batch in [2, 4, 8, 16, 32, 64, 128, 256, 1024] {
        let batched = per_signature(&|| {
            checks
                .chunks(batch)
                .flat_map(|part| verify_all(SignatureRule::Cofactored, part))
                .filter(|&ok| ok)
                .count()
        });
        println!("  Cofactored, batches of {batch}: {batched:.1}");
    }
}
