//! Subscriptions against a real chain (RocksDB in a temporary directory, blocks executed by the
//! runtime and committed as consensus commits them), through jsonrpsee's own subscription
//! machinery in process: a subscriber that does not read is closed once its buffer is full, and
//! resuming from what it received loses and repeats nothing.
use std::{sync::Arc, time::Duration};

use scf_node::{access::Access, chain::Chain, network::Peers, storage::Storage};
use scf_primitives::{Block, BlockHeader};
use scf_rpc_api::BlockSummary;
use scf_runtime::{genesis::Genesis, BlockContext};

/// Executes and commits an empty block on top of the head.
fn empty_block(chain: &Chain) {
    let head = chain.head();
    let ctx = BlockContext { height: head.height + 1, timestamp_ms: head.timestamp_ms + 1_000 };
    let executed = chain.runtime.execute_block(chain.state(), ctx, &[]).unwrap();
    let header = BlockHeader {
        height: ctx.height,
        parent_hash: head.hash(),
        timestamp_ms: ctx.timestamp_ms,
        proposer: head.proposer,
        tx_root: Block::compute_tx_root(&[]),
        state_root: executed.state.root,
        receipts_root: executed.receipts_root,
    };
    chain.commit(&Block { header, transactions: vec![] }, executed, &[]).unwrap();
}

async fn next_head(s: &mut jsonrpsee::core::server::Subscription) -> Option<BlockSummary> {
    match tokio::time::timeout(Duration::from_secs(10), s.next::<BlockSummary>()).await {
        Ok(Some(Ok((head, _)))) => Some(head),
        Ok(Some(Err(e))) => panic!("a notification did not decode: {e}"),
        Ok(None) => None,
        Err(_) => panic!("no notification and no close within 10 s"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_does_not_read_is_closed_and_resumes_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let genesis =
        Genesis::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../genesis/dev.json")).unwrap();
    let storage = Storage::open(&dir.path().join("db"), &genesis.spec.chain_id).unwrap();
    let chain: Arc<Chain> = Chain::open(storage, &genesis, Default::default()).unwrap();
    for _ in 0..20 {
        empty_block(&chain);
    }
    let access = Access::create(dir.path(), true).unwrap();
    let admission = scf_node::admission::Admission::start(chain.clone()).unwrap();
    let intake = scf_node::rpc::Intake { admission, announcer: None };
    let module = scf_node::rpc::methods(chain.clone(), intake, access, Peers::default()).unwrap();

    // Heads 1..=20 are stored; a subscriber with room for 4 that reads nothing until the node
    // has tried to send all of them is closed once its buffer is full (see below).
    let mut slow = module.subscribe("scf_subscribeNewHeads", [1u64], 4).await.unwrap();
    // Not reading is the condition under test: there is nothing to await but time (the node
    // tries 5 sends within milliseconds; 2 s leaves a loaded machine ample room).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received = Vec::new();
    while let Some(head) = next_head(&mut slow).await {
        received.push(head.height);
    }
    // The buffer's worth, then the close. The subscription's own acceptance travels through the
    // same buffer of 4: if the client has not taken it yet when the node starts sending (a race
    // between two tasks), only 3 heads fit. Either way no head is skipped.
    assert!(
        (3..=4).contains(&received.len()) && received == (1..=received.len() as u64).collect::<Vec<_>>(),
        "the buffer's worth, then the close: {received:?}"
    );

    // Resuming after the last height received: the rest, then live blocks, in order, once each.
    let resume = received.last().unwrap() + 1;
    let mut again = module.subscribe("scf_subscribeNewHeads", [resume], 64).await.unwrap();
    for _ in 0..3 {
        empty_block(&chain);
    }
    let mut rest = Vec::new();
    while rest.len() < (23 - received.len()) {
        rest.push(next_head(&mut again).await.expect("open").height);
    }
    assert_eq!(rest, (resume..=23).collect::<Vec<_>>());
}
