//! A transaction or a gossiped batch of them, as bytes from a client or a peer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scf_primitives::SignedTransaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = borsh::from_slice::<SignedTransaction>(data) {
        // What decodes encodes back to the same bytes: one encoding per transaction.
        assert_eq!(borsh::to_vec(&tx).unwrap(), data);
    }
    let _ = borsh::from_slice::<Vec<SignedTransaction>>(data);
});
