//! A validator that attacks the network: for tests only. Compiled with the `hostile` feature,
//! which no release build enables (the workspace's tests turn it on to run one in process). It
//! floods proposal streams that never end, proposes out of turn, streams proposals larger than
//! any block may be, and proposes blocks whose state root is wrong. Honest validators must stay
//! live and never fork (`tools/tests/localnet.rs`).
use bytes::Bytes;
use malachitebft_app_channel::app::types::{
    core::Round,
    streaming::{StreamId, StreamMessage},
};
use malachitebft_engine::util::streaming::StreamContent;
use scf_primitives::{crypto::Keypair, Block, BlockHeader, Hash};

use super::{
    app::{CHUNK_BYTES, MAX_STREAM_BYTES},
    context::{Address, BlockHash, Height, ProposalPart, Signature},
};

/// What the hostile validator does.
#[derive(Clone, Debug, Default)]
pub struct Hostility {
    /// At every round, open proposal streams that never end.
    pub flood_streams: bool,
    /// At every round it does not propose, propose anyway.
    pub out_of_turn: bool,
    /// Every fourth height, stream a proposal larger than a block may be.
    pub oversized: bool,
    /// Propose blocks whose state root is wrong.
    pub invalid_blocks: bool,
}

impl Hostility {
    pub fn all() -> Hostility {
        Hostility { flood_streams: true, out_of_turn: true, oversized: true, invalid_blocks: true }
    }
}

/// Streams that never end, per round.
const FLOOD_STREAMS: u64 = 8;

fn stream(id: u64, parts: Vec<ProposalPart>, finished: bool) -> Vec<StreamMessage<ProposalPart>> {
    let stream_id = StreamId::new(Bytes::from(format!("hostile/{id}").into_bytes()));
    let mut msgs: Vec<_> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| StreamMessage::new(stream_id.clone(), i as u64, StreamContent::Data(p)))
        .collect();
    if finished {
        msgs.push(StreamMessage::new(stream_id, msgs.len() as u64, StreamContent::Fin));
    }
    msgs
}

fn init(key: &Keypair, height: Height, round: Round, hash: BlockHash) -> ProposalPart {
    ProposalPart::Init {
        height,
        round,
        pol_round: Round::Nil,
        proposer: Address(key.account_id()),
        block_hash: hash,
        signature: Signature(key.sign(&ProposalPart::init_signing_bytes(height, round, &hash))),
    }
}

/// What the hostile validator publishes when a round starts, besides what it honestly would.
pub(crate) fn round_junk(
    hostility: &Hostility,
    key: &Keypair,
    parent: &BlockHeader,
    height: Height,
    round: Round,
    proposer: Address,
    counter: &mut u64,
) -> Vec<StreamMessage<ProposalPart>> {
    let mut out = Vec::new();
    let mut next_id = || {
        *counter += 1;
        *counter
    };
    if hostility.out_of_turn && proposer.0 != key.account_id() {
        let header = BlockHeader {
            height: height.0,
            parent_hash: parent.hash(),
            timestamp_ms: parent.timestamp_ms + 1,
            proposer: key.account_id(),
            tx_root: Block::compute_tx_root(&[]),
            state_root: parent.state_root,
            receipts_root: Default::default(),
        };
        let block = Block { header, transactions: vec![] };
        let hash = BlockHash(block.hash());
        let bytes = borsh::to_vec(&block).expect("borsh into Vec is infallible");
        out.extend(stream(next_id(), vec![init(key, height, round, hash), ProposalPart::Chunk(bytes)], true));
    }
    if hostility.oversized && height.0.is_multiple_of(4) && round == Round::new(0) {
        let mut parts = vec![init(key, height, round, BlockHash(Hash([0xAB; 32])))];
        let chunks = MAX_STREAM_BYTES / CHUNK_BYTES + 2;
        parts.extend((0..chunks).map(|_| ProposalPart::Chunk(vec![0; CHUNK_BYTES])));
        out.extend(stream(next_id(), parts, true));
    }
    // Last, and not when proposing (its own invalid proposal must get through): streams that
    // never end fill this peer's slots until the height is over.
    if hostility.flood_streams && proposer.0 != key.account_id() {
        for i in 0..FLOOD_STREAMS {
            let hash = BlockHash(Hash([i as u8; 32]));
            out.extend(stream(next_id(), vec![init(key, height, round, hash)], false));
        }
    }
    out
}
