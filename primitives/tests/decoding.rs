//! Decoders of what arrives from outside the node never panic and never allocate without bound
//! on hostile bytes: random bytes, and valid encodings mutated (a byte flipped, cut short, bytes
//! inserted, a length prefix made huge). Runs in CI in seconds; `fuzz/` holds the same targets
//! for cargo-fuzz runs of hours (docs/testing.md).
// The one unsafe code of the workspace: a test allocator that forwards to the system's and
// records the largest request, to prove that hostile length prefixes reserve nothing big.
#![allow(unsafe_code)]
use proptest::prelude::*;
use scf_primitives::{
    crypto::Keypair, AccountId, Block, BlockHeader, ContractAddress, EventIndex, LoginAuthorization, Payload,
    QueryAuthorization, Receipt, SignedTransaction, Transaction,
};

fn tx(payload: Payload, nonce: u64) -> SignedTransaction {
    let key = Keypair::dev("core");
    key.sign_transaction(Transaction { chain_id: "scf-dev".into(), sender: key.account_id(), nonce, payload })
}

fn transactions() -> Vec<SignedTransaction> {
    let contract = ContractAddress([3; 32]);
    vec![
        tx(Payload::Call { contract, method: "transfer".into(), args: vec![1, 2, 3] }, 0),
        tx(Payload::Deploy { code: vec![0, 97, 115, 109], init_args: vec![] }, 1),
        tx(Payload::Upgrade { contract, code: vec![9; 40], migrate_args: vec![7] }, 2),
    ]
}

fn block() -> Block {
    let header = BlockHeader {
        height: 9,
        parent_hash: Default::default(),
        timestamp_ms: 1,
        proposer: AccountId([4; 32]),
        tx_root: Default::default(),
        state_root: Default::default(),
        receipts_root: Default::default(),
    };
    Block { header, transactions: transactions() }
}

/// Valid encodings of every externally supplied type, and a decoder for each.
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let query = QueryAuthorization {
        chain_id: "scf-dev".into(),
        contract: ContractAddress([3; 32]),
        method: "get".into(),
        args: vec![1; 20],
        account: AccountId([5; 32]),
        expires_at_ms: 7,
    };
    let login =
        LoginAuthorization { chain_id: "scf-dev".into(), account: AccountId([5; 32]), expires_at_ms: 7 };
    let index = EventIndex { parties: vec!["core".into(), "supplier1".into()], subjects: vec![] };
    let mut out = vec![
        ("block", borsh::to_vec(&block()).unwrap()),
        ("query", borsh::to_vec(&query).unwrap()),
        ("login", borsh::to_vec(&login).unwrap()),
        ("index", borsh::to_vec(&index).unwrap()),
        ("gossip", borsh::to_vec(&transactions()).unwrap()),
    ];
    for t in transactions() {
        out.push(("tx", borsh::to_vec(&t).unwrap()));
    }
    out
}

/// Decodes `bytes` as `what`; whether it succeeds does not matter, only that it returns.
fn decode(what: &str, bytes: &[u8]) {
    match what {
        "tx" => drop(borsh::from_slice::<SignedTransaction>(bytes)),
        "block" => drop(borsh::from_slice::<Block>(bytes)),
        "query" => drop(borsh::from_slice::<QueryAuthorization>(bytes)),
        "login" => drop(borsh::from_slice::<LoginAuthorization>(bytes)),
        "index" => drop(EventIndex::decode_checked(bytes)),
        "gossip" => drop(borsh::from_slice::<Vec<SignedTransaction>>(bytes)),
        "receipt" => drop(borsh::from_slice::<Receipt>(bytes)),
        other => unreachable!("{other}"),
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip {
        at: usize,
        bits: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    /// Four bytes at `at` become a huge little-endian length.
    HugeLength {
        at: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        any::<usize>().prop_map(|at| Mutation::HugeLength { at }),
    ]
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = bytes.len().max(1);
    match m {
        Mutation::Flip { at, bits } => {
            if let Some(b) = bytes.get_mut(at % len) {
                *b ^= bits;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at % len),
        Mutation::Insert { at, bytes: extra } => {
            let at = at % len;
            bytes.splice(at.min(bytes.len())..at.min(bytes.len()), extra.iter().copied());
        }
        Mutation::HugeLength { at } => {
            let at = at % len;
            let end = (at + 4).min(bytes.len());
            bytes[at.min(end)..end].iter_mut().for_each(|b| *b = 0xff);
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_048)) {
        for what in ["tx", "block", "query", "login", "index", "gossip", "receipt"] {
            decode(what, &bytes);
        }
    }

    #[test]
    fn mutated_encodings_never_panic(which in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let samples = samples();
        let (what, valid) = &samples[which % samples.len()];
        let bytes = mutations.iter().fold(valid.clone(), apply);
        decode(what, &bytes);
    }
}

#[test]
fn valid_samples_decode_and_trailing_bytes_are_refused() {
    for (what, bytes) in samples() {
        let ok = match what {
            "tx" => borsh::from_slice::<SignedTransaction>(&bytes).is_ok(),
            "block" => borsh::from_slice::<Block>(&bytes).is_ok(),
            "query" => borsh::from_slice::<QueryAuthorization>(&bytes).is_ok(),
            "login" => borsh::from_slice::<LoginAuthorization>(&bytes).is_ok(),
            "index" => EventIndex::decode_checked(&bytes).is_ok(),
            "gossip" => borsh::from_slice::<Vec<SignedTransaction>>(&bytes).is_ok(),
            _ => unreachable!(),
        };
        assert!(ok, "{what} decodes");
    }
    let mut long = borsh::to_vec(&block()).unwrap();
    long.push(0);
    assert!(borsh::from_slice::<Block>(&long).is_err());
}

/// The largest single allocation any test of this binary asked for.
static LARGEST_ALLOCATION: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct Watching;

unsafe impl std::alloc::GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LARGEST_ALLOCATION.fetch_max(layout.size(), std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        LARGEST_ALLOCATION.fetch_max(new_size, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// Length prefixes claiming four billion elements in a few bytes are refused without reserving
/// memory for them: borsh reserves at most 4 KiB of elements, or 1 MiB of bytes, ahead of what
/// it has read, so no allocation of any test here exceeds a megabyte.
#[test]
fn a_huge_length_prefix_allocates_nothing_big() {
    let mut bytes = borsh::to_vec(&block().header).unwrap();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&[0; 64]);
    assert!(borsh::from_slice::<Block>(&bytes).is_err());
    assert!(borsh::from_slice::<Vec<SignedTransaction>>(&u32::MAX.to_le_bytes()).is_err());
    assert!(borsh::from_slice::<Vec<u8>>(&u32::MAX.to_le_bytes()).is_err());
    assert!(borsh::from_slice::<String>(&u32::MAX.to_le_bytes()).is_err());
    let largest = LARGEST_ALLOCATION.load(std::sync::atomic::Ordering::Relaxed);
    assert!(largest <= 1 << 20, "an allocation of {largest} bytes");
}
