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
}
