//! ed25519 keys and signatures, and the well-known insecure dev keys. Keys and signing are
//! ed25519-dalek's. Verification follows a [`SignatureRule`]: ed25519-dalek's strict rule (no
//! malleable signatures, no small-order keys), or the cofactored rule of ZIP-215 under which
//! batch verification (ed25519-zebra) gives every signature the verdict it gets alone
//! (ADR 0011). This module must not implement curve arithmetic of its own.
use alloc::{string::String, vec::Vec};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_chacha::rand_core::SeedableRng;

use crate::{hash::sha256, AccountId, QueryAuthorization, SignedTransaction, Transaction};

/// Names of the built-in, public dev keys (`Keypair::dev`): the dev chain's member accounts
/// and its validator's consensus key.
pub const DEV_KEY_NAMES: [&str; 14] = [
    "operator",
    "core",
    "core-sh",
    "supplier1",
    "supplier2",
    "supplier3-maker",
    "supplier3-checker",
    "bank",
    "auditor",
    "yiwu-crafts",
    "mx-retail",
    "mx-bank",
    "carrier",
    "validator0",
];

/// The dev validator's libp2p identity is `Keypair::dev` of this name.
pub const DEV_NODE_KEY_NAME: &str = "validator0/node";

/// A secret key with its account. Holds the 32-byte seed; never printed by `Debug`.
#[derive(Clone)]
pub struct Keypair(SigningKey);

impl core::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Keypair({})", self.account_id())
    }
}

impl Keypair {
    pub fn from_seed(seed: [u8; 32]) -> Keypair {
        Keypair(SigningKey::from_bytes(&seed))
    }

    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn account_id(&self) -> AccountId {
        AccountId(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.0.sign(msg).to_bytes()
    }

    /// INSECURE: the key of a dev-chain name (`operator`, `core`, `supplier1`, ...), derived from
    /// the public string `scf-dev-key/<name>`. Anyone can compute it; use only on dev chains.
    pub fn dev(name: &str) -> Keypair {
        let mut preimage = String::from("scf-dev-key/");
        preimage.push_str(name);
        Keypair::from_seed(sha256(preimage.as_bytes()).0)
    }

    /// The built-in dev key `account` is, if it is one: the keys of [`DEV_KEY_NAMES`] and the
    /// dev validator's node key. A chain that is not a dev chain refuses them anywhere in its
    /// genesis, and the CLI never signs with them there.
    pub fn dev_key_name(account: &AccountId) -> Option<&'static str> {
        DEV_KEY_NAMES
            .iter()
            .copied()
            .chain([DEV_NODE_KEY_NAME])
            .find(|name| Keypair::dev(name).account_id() == *account)
    }

    pub fn sign_transaction(&self, tx: Transaction) -> SignedTransaction {
        let signature = self.sign(&tx.signing_bytes());
        SignedTransaction { tx, signature }
    }

    pub fn sign_login(&self, login: &crate::LoginAuthorization) -> [u8; 64] {
        self.sign(&login.signing_bytes())
    }

    pub fn sign_query(&self, query: &QueryAuthorization) -> [u8; 64] {
        self.sign(&query.signing_bytes())
    }
}

/// Strict ed25519 verification of `signature` over `msg` by `account` (logins, queries and
/// consensus messages; transactions follow their height's [`SignatureRule`]).
pub fn verify(account: &AccountId, msg: &[u8], signature: &[u8; 64]) -> bool {
    VerifyingKey::from_bytes(&account.0)
        .is_ok_and(|key| key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(signature)).is_ok())
}

/// Which ed25519 verification equation decides whether a transaction's signature is valid: a
/// consensus rule, chosen by height (ADR 0011).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureRule {
    /// ed25519-dalek's `verify_strict`: the cofactorless equation `[s]B = R + [k]A`, `s`
    /// canonical, keys and `R` of small order refused. No batch verification agrees with it on
    /// every input, so it is verified one signature at a time.
    Strict,
    /// ZIP-215's cofactored equation `[8]([s]B - R - [k]A) = 0`, `s` canonical, any encoding
    /// of `A` and `R` that decodes to a curve point, and, as under `Strict`, no key of small
    /// order (anyone can sign for one under the cofactored equation). It accepts every
    /// signature `Strict` accepts, and batch verification gives each signature exactly its
    /// single verdict.
    Cofactored,
}

/// An account's public key, decoded. Decoding decompresses a curve point, about a tenth of a
/// verification, so a verifier that sees the same senders again keeps these.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey {
    account: AccountId,
    key: VerifyingKey,
    cofactored: ed25519_zebra::VerificationKey,
    /// Of small order: no signature by it is valid under either rule.
    weak: bool,
}

impl PublicKey {
    /// `None` if the account's bytes are not a valid ed25519 point (no signature can verify
    /// under either rule: both decode with curve25519-dalek's decompression).
    pub fn of(account: &AccountId) -> Option<PublicKey> {
        let key = VerifyingKey::from_bytes(&account.0).ok()?;
        let cofactored = ed25519_zebra::VerificationKey::try_from(account.0).ok()?;
        Some(PublicKey { account: *account, key, cofactored, weak: key.is_weak() })
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// Verification of `signature` over `msg` by this key under `rule`.
    pub fn verify(&self, rule: SignatureRule, msg: &[u8], signature: &[u8; 64]) -> bool {
        match rule {
            SignatureRule::Strict => {
                self.key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(signature)).is_ok()
            }
            SignatureRule::Cofactored => {
                !self.weak
                    && self.cofactored.verify(&ed25519_zebra::Signature::from_bytes(signature), msg).is_ok()
            }
        }
    }
}

/// One signature to check: the signer's decoded key, the signed bytes, the signature.
#[derive(Clone, Copy, Debug)]
pub struct SignatureCheck<'a> {
    pub key: &'a PublicKey,
    pub msg: &'a [u8],
    pub signature: &'a [u8; 64],
}

/// The verdicts of `checks` under `rule`, in order: each exactly what verifying it alone gives.
///
/// Under [`SignatureRule::Cofactored`] the checks are verified as one batch (one multiscalar
/// multiplication: about 0.6 of a verification each for a few dozen, 0.5 for hundreds); only
/// if the batch fails is each verified alone, so a batch holding a bad signature costs at most
/// 1.6 verifications per signature. The batch's random coefficients are drawn from a ChaCha20
/// stream seeded with the SHA-256 of every key, signature and message in it: no host
/// randomness. A batch that holds a bad signature passes only if the coefficients solve an
/// equation in the 2^252-element group, which a sender cannot aim for because every
/// coefficient depends on the whole batch (probability about 2^-128 per batch).
pub fn verify_all(rule: SignatureRule, checks: &[SignatureCheck<'_>]) -> Vec<bool> {
    let alone = |c: &SignatureCheck<'_>| c.key.verify(rule, c.msg, c.signature);
    // Keys of small order are refused before any equation, alone or in a batch.
    let batchable: Vec<&SignatureCheck<'_>> = checks.iter().filter(|c| !c.key.weak).collect();
    if rule == SignatureRule::Strict || batchable.len() < 2 {
        return checks.iter().map(alone).collect();
    }
    let mut seed = sha2::Sha256::default();
    let mut batch = ed25519_zebra::batch::Verifier::new();
    for check in batchable {
        use sha2::Digest;
        seed.update(check.key.account.0);
        seed.update(check.signature);
        seed.update((check.msg.len() as u64).to_le_bytes());
        seed.update(check.msg);
        batch.queue((
            ed25519_zebra::VerificationKeyBytes::from(check.key.account.0),
            ed25519_zebra::Signature::from_bytes(check.signature),
            check.msg,
        ));
    }
    let coefficients = rand_chacha::ChaCha20Rng::from_seed(sha2::Digest::finalize(seed).into());
    match batch.verify(coefficients) {
        Ok(()) => checks.iter().map(|c| !c.key.weak).collect(),
        Err(_) => checks.iter().map(alone).collect(),
    }
}

impl crate::LoginAuthorization {
    /// Whether `signature` is `account`'s over this login.
    pub fn verify_signature(&self, signature: &[u8; 64]) -> bool {
        verify(&self.account, &self.signing_bytes(), signature)
    }
}

impl QueryAuthorization {
    /// Whether `signature` is `account`'s over this query.
    pub fn verify_signature(&self, signature: &[u8; 64]) -> bool {
        verify(&self.account, &self.signing_bytes(), signature)
    }
}

impl SignedTransaction {
    /// Whether the signature is the sender's over this transaction's signing bytes, under the
    /// strict rule (which every height accepts).
    pub fn verify_signature(&self) -> bool {
        verify(&self.tx.sender, &self.tx.signing_bytes(), &self.signature)
    }

    /// Whether the signature is the sender's under `rule`, with the sender's key already
    /// decoded; a key of another account never verifies.
    pub fn verify_signature_with(&self, rule: SignatureRule, sender: &PublicKey) -> bool {
        sender.account == self.tx.sender && sender.verify(rule, &self.tx.signing_bytes(), &self.signature)
    }
}

/// Signatures on the edge between the two rules, for tests of this crate and of the runtime.
#[cfg(any(test, feature = "test-vectors"))]
pub mod test_vectors {
    use curve25519_dalek::{
        constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION},
        scalar::Scalar,
    };
    use sha2::Digest;

    use super::Keypair;

    /// `signer`'s signature over `msg` whose `R` carries a point of order 8: `[s]B - R - [k]A`
    /// is that point, so the cofactored equation holds and the cofactorless one does not. Only
    /// the holder of the secret key can make one; the cofactored rule accepts it, the strict
    /// rule refuses it.
    pub fn torsion_signature(signer: &Keypair, msg: &[u8]) -> [u8; 64] {
        let a = signer.0.to_scalar();
        let r = Scalar::from_bytes_mod_order(crate::sha256(msg).0);
        let big_r = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[1]).compress();
        let k = Scalar::from_bytes_mod_order_wide(
            &sha2::Sha512::new()
                .chain_update(big_r.as_bytes())
                .chain_update(signer.account_id().0)
                .chain_update(msg)
                .finalize()
                .into(),
        );
        let s = r + k * a;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(big_r.as_bytes());
        signature[32..].copy_from_slice(s.as_bytes());
        signature
    }

    /// `signature` with `s` replaced by `s + ℓ`: the same equation with a non-canonical scalar,
    /// which both rules refuse (it would make every signature malleable).
    pub fn with_s_plus_order(signature: &[u8; 64]) -> [u8; 64] {
        // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
        const ORDER: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        debug_assert_eq!(Scalar::from_bytes_mod_order(ORDER), Scalar::ZERO);
        let mut out = *signature;
        let mut carry = 0u16;
        for (byte, add) in out[32..].iter_mut().zip(ORDER) {
            let sum = *byte as u16 + add as u16 + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContractAddress, Payload};

    fn tx(nonce: u64) -> Transaction {
        Transaction {
            chain_id: "scf-test".into(),
            sender: Keypair::dev("core").account_id(),
            nonce,
            payload: Payload::Call {
                contract: ContractAddress::system("receivables"),
                method: "accept".into(),
                args: alloc::vec![1, 2, 3],
            },
        }
    }

    #[test]
    fn signed_transaction_verifies_and_tampering_breaks_it() {
        let key = Keypair::dev("core");
        let signed = key.sign_transaction(tx(0));
        assert!(signed.verify_signature());

        let mut other_nonce = signed.clone();
        other_nonce.tx.nonce = 1;
        assert!(!other_nonce.verify_signature());

        let mut other_chain = signed.clone();
        other_chain.tx.chain_id = "scf-main".into();
        assert!(!other_chain.verify_signature());

        let mut forged_sender = signed.clone();
        forged_sender.tx.sender = Keypair::dev("supplier1").account_id();
        assert!(!forged_sender.verify_signature());

        let mut bad_sig = signed.clone();
        bad_sig.signature[0] ^= 1;
        assert!(!bad_sig.verify_signature());

        // With a decoded key: the same answers, and another account's key never verifies.
        let core = PublicKey::of(&key.account_id()).unwrap();
        let supplier = PublicKey::of(&Keypair::dev("supplier1").account_id()).unwrap();
        for rule in [SignatureRule::Strict, SignatureRule::Cofactored] {
            assert!(signed.verify_signature_with(rule, &core));
            assert!(!signed.verify_signature_with(rule, &supplier));
            assert!(!bad_sig.verify_signature_with(rule, &core));
            assert!(!forged_sender.verify_signature_with(rule, &supplier), "signed by core, not supplier1");
        }
    }

    #[test]
    fn query_signature_binds_every_field_and_differs_from_a_transaction() {
        let key = Keypair::dev("supplier1");
        let q = QueryAuthorization {
            chain_id: "scf-test".into(),
            contract: ContractAddress::system("receivables"),
            method: "get".into(),
            args: alloc::vec![1],
            account: key.account_id(),
            expires_at_ms: 1_000,
        };
        let sig = key.sign_query(&q);
        assert!(q.verify_signature(&sig));
        let mut later = q.clone();
        later.expires_at_ms += 1;
        assert!(!later.verify_signature(&sig));
        let mut other_args = q.clone();
        other_args.args = alloc::vec![2];
        assert!(!other_args.verify_signature(&sig));
        let mut other_account = q.clone();
        other_account.account = Keypair::dev("bank").account_id();
        assert!(!other_account.verify_signature(&sig));
    }

    #[test]
    fn dev_keys_are_stable_and_distinct() {
        assert_eq!(Keypair::dev("core").account_id(), Keypair::dev("core").account_id());
        assert_ne!(Keypair::dev("core").account_id(), Keypair::dev("bank").account_id());
    }

    /// A key of small order (the identity point) with `R` the identity and `s` = 0:
    /// `[8]([s]B - R - [k]A) = 0` for any message, so anyone could sign for such a key under
    /// the bare cofactored equation. Both rules refuse small-order keys.
    fn small_order_signature() -> (PublicKey, [u8; 64]) {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&identity);
        (PublicKey::of(&AccountId(identity)).expect("the identity is a curve point"), signature)
    }

    #[test]
    fn a_small_order_key_verifies_under_neither_rule() {
        let (key, signature) = small_order_signature();
        assert!(!key.verify(SignatureRule::Strict, b"any message", &signature));
        assert!(!key.verify(SignatureRule::Cofactored, b"any message", &signature));
        assert!(
            ed25519_zebra::VerificationKey::try_from(key.account().0)
                .unwrap()
                .verify(&ed25519_zebra::Signature::from_bytes(&signature), b"any message")
                .is_ok(),
            "bare ZIP-215 would accept it: the refusal is ours"
        );
        // The all-zero account (the genesis caller, `AccountId::default()`) is of small order too.
        assert!(PublicKey::of(&AccountId([0; 32])).is_some_and(|k| k.weak));
    }

    #[test]
    fn a_torsion_component_in_r_verifies_only_under_the_cofactored_rule() {
        let signer = Keypair::dev("core");
        let key = PublicKey::of(&signer.account_id()).unwrap();
        let signature = test_vectors::torsion_signature(&signer, b"a transfer");
        assert!(!key.verify(SignatureRule::Strict, b"a transfer", &signature));
        assert!(key.verify(SignatureRule::Cofactored, b"a transfer", &signature));
        assert!(!key.verify(SignatureRule::Cofactored, b"another transfer", &signature));
        assert!(!verify(key.account(), b"a transfer", &signature), "logins and queries stay strict");
        // A batch of such signatures is not cancelled by chance: each is checked, with the others.
        let signatures: alloc::vec::Vec<[u8; 64]> =
            (0..16).map(|_| test_vectors::torsion_signature(&signer, b"a transfer")).collect();
        let checks: alloc::vec::Vec<SignatureCheck<'_>> = signatures
            .iter()
            .map(|signature| SignatureCheck { key: &key, msg: b"a transfer", signature })
            .collect();
        assert_eq!(verify_all(SignatureRule::Cofactored, &checks), alloc::vec![true; 16]);
        assert_eq!(verify_all(SignatureRule::Strict, &checks), alloc::vec![false; 16]);
    }

    #[test]
    fn a_non_canonical_s_verifies_under_neither_rule() {
        let signer = Keypair::dev("core");
        let key = PublicKey::of(&signer.account_id()).unwrap();
        let good = signer.sign(b"a transfer");
        let malleated = test_vectors::with_s_plus_order(&good);
        assert_ne!(good, malleated);
        for rule in [SignatureRule::Strict, SignatureRule::Cofactored] {
            assert!(key.verify(rule, b"a transfer", &good));
            assert!(!key.verify(rule, b"a transfer", &malleated), "{rule:?}");
        }
    }

    proptest::proptest! {
        /// Batch verdicts are single verdicts, whatever the mix: good signatures, a flipped bit
        /// in `s`, `R` or the message, `s + ℓ`, a small-order key, a torsion component in `R`
        /// (alone, or with the message changed), keys repeated across the batch.
        #[test]
        fn a_batch_gives_every_signature_its_single_verdict(
            items in proptest::collection::vec((0usize..4, 0u8..8, proptest::prelude::any::<u8>()), 0..48)
        ) {
            let signers: alloc::vec::Vec<Keypair> =
                ["core", "bank", "supplier1", "auditor"].iter().map(|n| Keypair::dev(n)).collect();
            let keys: alloc::vec::Vec<PublicKey> =
                signers.iter().map(|k| PublicKey::of(&k.account_id()).unwrap()).collect();
            let (odd_key, odd_signature) = small_order_signature();
            let mut owned = alloc::vec::Vec::new();
            for (i, &(signer, kind, byte)) in items.iter().enumerate() {
                let msg = alloc::format!("transfer {i} {byte}").into_bytes();
                let mut signature = signers[signer].sign(&msg);
                let mut key = keys[signer];
                let mut signed = msg.clone();
                match kind {
                    0 => {}
                    1 => signature[32 + (byte as usize % 31)] ^= 1 << (byte % 8),
                    2 => signature[byte as usize % 32] ^= 1 << (byte % 8),
                    3 => signed.push(byte),
                    4 => signature = test_vectors::with_s_plus_order(&signature),
                    5 => {
                        key = odd_key;
                        signature = odd_signature;
                    }
                    6 => signature = test_vectors::torsion_signature(&signers[signer], &msg),
                    _ => {
                        signature = test_vectors::torsion_signature(&signers[signer], &msg);
                        signed.push(byte);
                    }
                }
                owned.push((key, signed, signature));
            }
            let checks: alloc::vec::Vec<SignatureCheck<'_>> = owned
                .iter()
                .map(|(key, msg, signature)| SignatureCheck { key, msg, signature })
                .collect();
            for rule in [SignatureRule::Strict, SignatureRule::Cofactored] {
                let alone: alloc::vec::Vec<bool> =
                    checks.iter().map(|c| c.key.verify(rule, c.msg, c.signature)).collect();
                proptest::prop_assert_eq!(verify_all(rule, &checks), alone);
            }
        }
    }

    #[test]
    fn the_cofactored_rule_accepts_every_strictly_valid_signature_and_a_batch_of_them() {
        let signers: alloc::vec::Vec<Keypair> = (0..64).map(|i| Keypair::from_seed([i as u8; 32])).collect();
        let keys: alloc::vec::Vec<PublicKey> =
            signers.iter().map(|k| PublicKey::of(&k.account_id()).unwrap()).collect();
        let signed: alloc::vec::Vec<(alloc::vec::Vec<u8>, [u8; 64])> = signers
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let msg = alloc::format!("message {i}").into_bytes();
                let signature = k.sign(&msg);
                (msg, signature)
            })
            .collect();
        let checks: alloc::vec::Vec<SignatureCheck<'_>> = keys
            .iter()
            .zip(&signed)
            .map(|(key, (msg, signature))| SignatureCheck { key, msg, signature })
            .collect();
        for c in &checks {
            assert!(c.key.verify(SignatureRule::Strict, c.msg, c.signature));
            assert!(c.key.verify(SignatureRule::Cofactored, c.msg, c.signature));
        }
        assert!(verify_all(SignatureRule::Cofactored, &checks).iter().all(|&ok| ok));
        // One bad signature in the batch: it alone is refused.
        let mut bad = signed[17].1;
        bad[40] ^= 4;
        let mut with_bad = checks.clone();
        with_bad[17].signature = &bad;
        let verdicts = verify_all(SignatureRule::Cofactored, &with_bad);
        assert_eq!(verdicts.iter().filter(|&&ok| !ok).count(), 1);
        assert!(!verdicts[17]);
    }

    #[test]
    fn non_point_key_does_not_verify() {
        // Not a valid curve point encoding: must be rejected, not panic.
        let bogus = AccountId([0xff; 32]);
        assert!(!verify(&bogus, b"m", &[0u8; 64]));
    }
}
