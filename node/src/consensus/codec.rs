//! Borsh encoding of everything Malachite sends over the network or writes to its WAL.
//!
//! Two Malachite types have no borsh implementation upstream (`ExtendedCommitCertificate`, inside
//! sync responses, and `ValidatorProof`), and the orphan rule forbids adding one, so they are
//! mirrored field by field in `Wire*` structs here.
use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_app_channel::app::types::{
    codec::{Codec, HasEncodedLen},
    core::{
        CommitCertificate, ExtendedCommitCertificate, ExtendedCommitSignature, PolkaCertificate, Round,
        SignedExtension, ValidatorProof,
    },
    streaming::StreamMessage,
    sync::{RawDecidedValue, Request, Response, Status},
    ProposedValue, SignedConsensusMsg,
};
use malachitebft_core_consensus::LivenessMsg;
use malachitebft_sync::ValueResponse;

use super::context::{Address, BlockHash, Height, ProposalPart, ScfContext, Signature};

#[derive(Debug, thiserror::Error)]
#[error("undecodable message: {0}")]
pub struct CodecError(String);

/// The one codec of the node: network, sync and WAL.
#[derive(Clone, Copy, Debug, Default)]
pub struct BorshCodec;

fn enc<T: BorshSerialize>(v: &T) -> Result<Bytes, CodecError> {
    borsh::to_vec(v).map(Bytes::from).map_err(|e| CodecError(e.to_string()))
}

fn dec<T: BorshDeserialize>(b: &[u8]) -> Result<T, CodecError> {
    borsh::from_slice(b).map_err(|e| CodecError(e.to_string()))
}

macro_rules! borsh_codec {
    ($($t:ty),* $(,)?) => {$(
        impl Codec<$t> for BorshCodec {
            type Error = CodecError;
            fn decode(&self, bytes: Bytes) -> Result<$t, CodecError> {
                dec(&bytes)
            }
            fn encode(&self, msg: &$t) -> Result<Bytes, CodecError> {
                enc(msg)
            }
        }
    )*};
}

borsh_codec!(
    ProposalPart,
    SignedConsensusMsg<ScfContext>,
    LivenessMsg<ScfContext>,
    StreamMessage<ProposalPart>,
    ProposedValue<ScfContext>,
    PolkaCertificate<ScfContext>,
    CommitCertificate<ScfContext>,
    Status<ScfContext>,
    Request<ScfContext>,
);

#[derive(BorshSerialize, BorshDeserialize)]
struct WireProof {
    public_key: Vec<u8>,
    peer_id: Vec<u8>,
    signature: Signature,
}

impl Codec<ValidatorProof<ScfContext>> for BorshCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> Result<ValidatorProof<ScfContext>, CodecError> {
        let w: WireProof = dec(&bytes)?;
        Ok(ValidatorProof::new(w.public_key, w.peer_id, w.signature))
    }
    fn encode(&self, p: &ValidatorProof<ScfContext>) -> Result<Bytes, CodecError> {
        enc(&WireProof {
            public_key: p.public_key.clone(),
            peer_id: p.peer_id.clone(),
            signature: p.signature,
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WireSignature {
    address: Address,
    signature: Signature,
    extension: Option<SignedExtension<ScfContext>>,
}

/// Mirror of `ExtendedCommitCertificate`.
#[derive(BorshSerialize, BorshDeserialize)]
pub struct WireCertificate {
    height: Height,
    round: Round,
    value_id: BlockHash,
    signatures: Vec<WireSignature>,
}

impl WireCertificate {
    /// The consensus keys whose commit signatures the certificate carries.
    pub fn signers(&self) -> Vec<scf_primitives::AccountId> {
        self.signatures.iter().map(|s| s.address.0).collect()
    }

    pub fn from_certificate(c: &ExtendedCommitCertificate<ScfContext>) -> WireCertificate {
        WireCertificate {
            height: c.height,
            round: c.round,
            value_id: c.value_id,
            signatures: c
                .commit_signatures
                .iter()
                .map(|s| WireSignature {
                    address: s.address,
                    signature: s.signature,
                    extension: s.extension.clone(),
                })
                .collect(),
        }
    }

    pub fn into_certificate(self) -> ExtendedCommitCertificate<ScfContext> {
        ExtendedCommitCertificate {
            height: self.height,
            round: self.round,
            value_id: self.value_id,
            commit_signatures: self
                .signatures
                .into_iter()
                .map(|s| ExtendedCommitSignature::new(s.address, s.signature, s.extension))
                .collect(),
        }
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WireDecidedValue {
    value_bytes: Vec<u8>,
    certificate: WireCertificate,
}

#[derive(BorshSerialize, BorshDeserialize)]
enum WireResponse {
    ValueResponse { start_height: Height, values: Vec<WireDecidedValue> },
}

fn to_wire(r: &Response<ScfContext>) -> WireResponse {
    match r {
        Response::ValueResponse(v) => WireResponse::ValueResponse {
            start_height: v.start_height,
            values: v
                .values
                .iter()
                .map(|d| WireDecidedValue {
                    value_bytes: d.value_bytes.to_vec(),
                    certificate: WireCertificate::from_certificate(&d.certificate),
                })
                .collect(),
        },
    }
}

impl Codec<Response<ScfContext>> for BorshCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> Result<Response<ScfContext>, CodecError> {
        match dec::<WireResponse>(&bytes)? {
            WireResponse::ValueResponse { start_height, values } => {
                Ok(Response::ValueResponse(ValueResponse {
                    start_height,
                    values: values
                        .into_iter()
                        .map(|d| {
                            RawDecidedValue::new(Bytes::from(d.value_bytes), d.certificate.into_certificate())
                        })
                        .collect(),
                }))
            }
        }
    }
    fn encode(&self, r: &Response<ScfContext>) -> Result<Bytes, CodecError> {
        enc(&to_wire(r))
    }
}

impl HasEncodedLen<Response<ScfContext>> for BorshCodec {
    fn encoded_len(&self, r: &Response<ScfContext>) -> Result<usize, CodecError> {
        borsh::object_length(&to_wire(r)).map_err(|e| CodecError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use malachitebft_app_channel::app::types::core::CommitSignature;
    use scf_primitives::{AccountId, Hash};

    #[test]
    fn sync_response_round_trips_and_garbage_is_an_error() {
        let cert = CommitCertificate::<ScfContext> {
            height: Height(7),
            round: Round::new(1),
            value_id: BlockHash(Hash([9; 32])),
            commit_signatures: vec![CommitSignature::new(Address(AccountId([1; 32])), Signature([2; 64]))],
        };
        let ext = ExtendedCommitCertificate::from_commit_certificate_and_extensions(cert, Default::default());
        let resp = Response::ValueResponse(ValueResponse {
            start_height: Height(7),
            values: vec![RawDecidedValue::new(Bytes::from_static(b"block"), ext)],
        });
        let bytes = Codec::<Response<ScfContext>>::encode(&BorshCodec, &resp).unwrap();
        assert_eq!(BorshCodec.encoded_len(&resp).unwrap(), bytes.len());
        let back: Response<ScfContext> = BorshCodec.decode(bytes).unwrap();
        assert_eq!(back, resp);

        let garbage = Bytes::from_static(&[0xff, 0x01, 0x02]);
        assert!(Codec::<Response<ScfContext>>::decode(&BorshCodec, garbage.clone()).is_err());
        assert!(Codec::<SignedConsensusMsg<ScfContext>>::decode(&BorshCodec, garbage).is_err());
    }

    /// Valid encodings of every message a peer sends (proposal parts in their stream, signed
    /// votes and proposals, sync requests and responses, status), each with its decoder.
    fn samples() -> Vec<(&'static str, Bytes)> {
        use malachitebft_app_channel::app::types::core::{Context, NilOrVal, SignedMessage};
        use malachitebft_app_channel::app::types::streaming::StreamId;
        use malachitebft_engine::util::streaming::StreamContent;
        let validator = Address(AccountId([1; 32]));
        let (height, round) = (Height(7), Round::new(1));
        let hash = BlockHash(Hash([9; 32]));
        let vote = ScfContext.new_prevote(height, round, NilOrVal::Val(hash), validator);
        let proposal = ScfContext.new_proposal(height, round, hash, Round::Nil, validator);
        let init = ProposalPart::Init {
            height,
            round,
            pol_round: Round::Nil,
            proposer: validator,
            block_hash: hash,
            signature: Signature([2; 64]),
        };
        let id = StreamId::new(Bytes::from_static(b"stream"));
        let parts = [
            StreamMessage::new(id.clone(), 0, StreamContent::Data(init)),
            StreamMessage::new(id.clone(), 1, StreamContent::Data(ProposalPart::Chunk(vec![5; 300]))),
            StreamMessage::new(id, 2, StreamContent::Fin),
        ];
        let cert = CommitCertificate::<ScfContext> {
            height,
            round,
            value_id: hash,
            commit_signatures: vec![CommitSignature::new(validator, Signature([2; 64]))],
        };
        let ext = ExtendedCommitCertificate::from_commit_certificate_and_extensions(cert, Default::default());
        let response = Response::ValueResponse(ValueResponse {
            start_height: height,
            values: vec![RawDecidedValue::new(Bytes::from_static(b"block"), ext)],
        });
        let request = Request::ValueRequest(malachitebft_sync::ValueRequest::new(height..=Height(9)));
        let mut out = vec![
            (
                "consensus",
                BorshCodec
                    .encode(&SignedConsensusMsg::Vote(SignedMessage::new(vote, Signature([3; 64]))))
                    .unwrap(),
            ),
            (
                "consensus",
                BorshCodec
                    .encode(&SignedConsensusMsg::Proposal(SignedMessage::new(proposal, Signature([3; 64]))))
                    .unwrap(),
            ),
            ("response", Codec::<Response<ScfContext>>::encode(&BorshCodec, &response).unwrap()),
            ("request", BorshCodec.encode(&request).unwrap()),
        ];
        for part in parts {
            out.push(("part", BorshCodec.encode(&part).unwrap()));
        }
        out
    }

    fn decode(what: &str, bytes: Bytes) {
        match what {
            "consensus" => drop(Codec::<SignedConsensusMsg<ScfContext>>::decode(&BorshCodec, bytes)),
            "part" => drop(Codec::<StreamMessage<ProposalPart>>::decode(&BorshCodec, bytes)),
            "response" => drop(Codec::<Response<ScfContext>>::decode(&BorshCodec, bytes)),
            "request" => drop(Codec::<Request<ScfContext>>::decode(&BorshCodec, bytes)),
            "status" => drop(Codec::<Status<ScfContext>>::decode(&BorshCodec, bytes)),
            "liveness" => drop(Codec::<LivenessMsg<ScfContext>>::decode(&BorshCodec, bytes)),
            "proof" => drop(Codec::<ValidatorProof<ScfContext>>::decode(&BorshCodec, bytes)),
            "value" => drop(Codec::<ProposedValue<ScfContext>>::decode(&BorshCodec, bytes)),
            other => unreachable!("{other}"),
        }
    }

    #[test]
    fn every_sample_decodes_back() {
        for (what, bytes) in samples() {
            let ok = match what {
                "consensus" => Codec::<SignedConsensusMsg<ScfContext>>::decode(&BorshCodec, bytes).is_ok(),
                "part" => Codec::<StreamMessage<ProposalPart>>::decode(&BorshCodec, bytes).is_ok(),
                "response" => Codec::<Response<ScfContext>>::decode(&BorshCodec, bytes).is_ok(),
                "request" => Codec::<Request<ScfContext>>::decode(&BorshCodec, bytes).is_ok(),
                _ => unreachable!(),
            };
            assert!(ok, "{what}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2_000, ..Default::default() })]

        /// Hostile bytes from a peer: random, or a valid message with bytes flipped, cut or
        /// inserted. Decoding returns (an error, mostly); it never panics.
        #[test]
        fn peer_messages_never_panic_the_decoder(
            random in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1_024),
            which in proptest::prelude::any::<usize>(),
            at in proptest::prelude::any::<usize>(),
            flip in 1..=255u8,
            cut in proptest::prelude::any::<bool>(),
            insert in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
        ) {
            for what in ["consensus", "part", "response", "request", "status", "liveness", "proof", "value"] {
                decode(what, Bytes::from(random.clone()));
            }
            let samples = samples();
            let (what, valid) = &samples[which % samples.len()];
            let mut bytes = valid.to_vec();
            let at = at % bytes.len();
            bytes[at] ^= flip;
            if cut {
                bytes.truncate(at);
            }
            bytes.splice(at.min(bytes.len())..at.min(bytes.len()), insert);
            decode(what, Bytes::from(bytes));
        }
    }
}
