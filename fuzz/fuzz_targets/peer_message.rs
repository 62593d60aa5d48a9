//! Every message type a consensus peer sends, through the node's codec.
#![no_main]
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use malachitebft_app_channel::app::types::{
    codec::Codec,
    streaming::StreamMessage,
    sync::{Request, Response, Status},
    SignedConsensusMsg,
};
use scf_node::consensus::{codec::BorshCodec, context::{ProposalPart, ScfContext}};

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    let _ = Codec::<SignedConsensusMsg<ScfContext>>::decode(&BorshCodec, bytes.clone());
    let _ = Codec::<StreamMessage<ProposalPart>>::decode(&BorshCodec, bytes.clone());
    let _ = Codec::<Request<ScfContext>>::decode(&BorshCodec, bytes.clone());
    let _ = Codec::<Response<ScfContext>>::decode(&BorshCodec, bytes.clone());
    let _ = Codec::<Status<ScfContext>>::decode(&BorshCodec, bytes);
});
