//! ed25519 keys and signatures (ed25519-dalek, strict verification: no malleable signatures, no
//! small-order keys), and the well-known insecure dev keys.
use alloc::string::String;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

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

/// Strict ed25519 verification of `signature` over `msg` by `account`.
pub fn verify(account: &AccountId, msg: &[u8], signature: &[u8; 64]) -> bool {
    PublicKey::of(account).is_some_and(|key| key.verify(msg, signature))
}

/// An account's public key, decoded. Decoding decompresses a curve point, about a tenth of a
/// verification, so a verifier that sees the same senders again keeps these.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey {
    account: AccountId,
    key: VerifyingKey,
}

impl PublicKey {
    /// `None` if the account's bytes are not a valid ed25519 point (no signature can verify).
    pub fn of(account: &AccountId) -> Option<PublicKey> {
        VerifyingKey::from_bytes(&account.0).ok().map(|key| PublicKey { account: *account, key })
    }

    /// Strict ed25519 verification of `signature` over `msg` by this key.
    pub fn verify(&self, msg: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.key.verify_strict(msg, &sig).is_ok()
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
    /// Whether the signature is the sender's over this transaction's signing bytes.
    pub fn verify_signature(&self) -> bool {
        verify(&self.tx.sender, &self.tx.signing_bytes(), &self.signature)
    }

    /// [`Self::verify_signature`] with the sender's key already decoded; a key of another
    /// account never verifies.
    pub fn verify_signature_with(&self, sender: &PublicKey) -> bool {
        sender.account == self.tx.sender && sender.verify(&self.tx.signing_bytes(), &self.signature)
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
        assert!(signed.verify_signature_with(&core));
        assert!(!signed.verify_signature_with(&supplier));
        assert!(!bad_sig.verify_signature_with(&core));
        assert!(!forged_sender.verify_signature_with(&supplier), "signed by core, not supplier1");
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

    #[test]
    fn non_point_key_does_not_verify() {
        // Not a valid curve point encoding: must be rejected, not panic.
        let bogus = AccountId([0xff; 32]);
        assert!(!verify(&bogus, b"m", &[0u8; 64]));
    }
}
