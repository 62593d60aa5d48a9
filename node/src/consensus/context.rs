//! scf-chain's types for the Malachite engine: heights, validator addresses, the value decided
//! (a block hash), proposals, votes, proposal parts, the validator set and the signing scheme.
//!
//! Every signed consensus message is signed over domain-separated borsh bytes with ed25519-dalek
//! and verified strictly, like transactions.
use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use malachitebft_core_types::{
    self as mc, NilOrVal, Round, SignedExtension, SigningScheme, ValidatorProof, VoteType,
};
use scf_primitives::{crypto::Keypair, AccountId, Hash};

/// A block height as Malachite sees it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl mc::Height for Height {
    const ZERO: Self = Height(0);
    const INITIAL: Self = Height(1);

    fn increment_by(&self, n: u64) -> Self {
        Height(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Height)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator, identified by its ed25519 consensus key.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Address(pub AccountId);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl mc::Address for Address {}

/// The value validators agree on: the hash of a block header. The block itself travels in
/// proposal parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct BlockHash(pub Hash);

impl fmt::Display for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl mc::Value for BlockHash {
    type Id = BlockHash;

    fn id(&self) -> BlockHash {
        *self
    }
}

/// ed25519 signature bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}..)", hex::encode(&self.0[..8]))
    }
}

/// A key or signature that does not decode.
#[derive(Clone, Debug)]
pub struct DecodingError(pub &'static str);

impl fmt::Display for DecodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// ed25519 through ed25519-dalek; public keys are account ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ed25519;

impl SigningScheme for Ed25519 {
    type DecodingError = DecodingError;
    type Signature = Signature;
    type PublicKey = AccountId;
    type PrivateKey = Keypair;

    fn decode_signature(bytes: &[u8]) -> Result<Signature, DecodingError> {
        bytes.try_into().map(Signature).map_err(|_| DecodingError("signature must be 64 bytes"))
    }

    fn encode_signature(signature: &Signature) -> Vec<u8> {
        signature.0.to_vec()
    }

    fn decode_public_key(bytes: &[u8]) -> Result<AccountId, DecodingError> {
        bytes.try_into().map(AccountId).map_err(|_| DecodingError("public key must be 32 bytes"))
    }

    fn encode_public_key(public_key: &AccountId) -> Vec<u8> {
        public_key.0.to_vec()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: BlockHash,
    pub pol_round: Round,
    pub proposer: Address,
}

impl mc::Proposal<ScfContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }
    fn round(&self) -> Round {
        self.round
    }
    fn value(&self) -> &BlockHash {
        &self.value
    }
    fn take_value(self) -> BlockHash {
        self.value
    }
    fn pol_round(&self) -> Round {
        self.pol_round
    }
    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    pub vote_type: VoteType,
    pub height: Height,
    pub round: Round,
    pub value: NilOrVal<BlockHash>,
    pub validator: Address,
    pub extension: Option<SignedExtension<ScfContext>>,
}

impl Vote {
    /// What the validator signs: everything but the extension, which is signed separately.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = b"scf-chain/vote/v1\0".to_vec();
        let body = (&self.vote_type, &self.height, &self.round, &self.value, &self.validator);
        borsh::to_writer(&mut out, &body).expect("borsh into Vec is infallible");
        out
    }
}

impl mc::Vote<ScfContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }
    fn round(&self) -> Round {
        self.round
    }
    fn value(&self) -> &NilOrVal<BlockHash> {
        &self.value
    }
    fn take_value(self) -> NilOrVal<BlockHash> {
        self.value
    }
    fn vote_type(&self) -> VoteType {
        self.vote_type
    }
    fn validator_address(&self) -> &Address {
        &self.validator
    }
    fn extension(&self) -> Option<&SignedExtension<ScfContext>> {
        self.extension.as_ref()
    }
    fn take_extension(&mut self) -> Option<SignedExtension<ScfContext>> {
        self.extension.take()
    }
    fn extend(self, extension: SignedExtension<ScfContext>) -> Self {
        Vote { extension: Some(extension), ..self }
    }
}

/// A piece of a streamed proposal: a signed header naming the block, then the block's bytes in
/// chunks. The proposer's signature ties the stream to the proposal it announced, so a peer
/// cannot inject a different block under the proposer's name.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ProposalPart {
    Init {
        height: Height,
        round: Round,
        pol_round: Round,
        proposer: Address,
        block_hash: BlockHash,
        /// Proposer's signature over [`ProposalPart::init_signing_bytes`].
        signature: Signature,
    },
    Chunk(Vec<u8>),
}

impl ProposalPart {
    pub fn init_signing_bytes(height: Height, round: Round, block_hash: &BlockHash) -> Vec<u8> {
        let mut out = b"scf-chain/proposal-parts/v1\0".to_vec();
        borsh::to_writer(&mut out, &(height, round, block_hash)).expect("borsh into Vec is infallible");
        out
    }
}

impl mc::ProposalPart<ScfContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, ProposalPart::Init { .. })
    }
    fn is_last(&self) -> bool {
        // The end of a stream is marked by the stream's own `Fin` message.
        false
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Validator {
    pub address: Address,
    pub public_key: AccountId,
    pub voting_power: u64,
}

impl mc::Validator<ScfContext> for Validator {
    fn address(&self) -> &Address {
        &self.address
    }
    fn public_key(&self) -> &AccountId {
        &self.public_key
    }
    fn voting_power(&self) -> u64 {
        self.voting_power
    }
}

/// Validators sorted by address, so every node indexes them identically.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ValidatorSet {
    pub validators: Vec<Validator>,
}

impl ValidatorSet {
    pub fn new(mut validators: Vec<Validator>) -> ValidatorSet {
        validators.sort_by_key(|v| v.address);
        validators.dedup_by(|a, b| a.address == b.address);
        ValidatorSet { validators }
    }

    /// From the `(key, power)` list kept in chain state.
    pub fn from_state(list: &[(AccountId, u64)]) -> ValidatorSet {
        ValidatorSet::new(
            list.iter()
                .map(|(k, p)| Validator { address: Address(*k), public_key: *k, voting_power: *p })
                .collect(),
        )
    }
}

impl mc::ValidatorSet<ScfContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }
    fn total_voting_power(&self) -> u64 {
        self.validators.iter().map(|v| v.voting_power).sum()
    }
    fn get_by_address(&self, address: &Address) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.address == address)
    }
    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

/// The Malachite context of scf-chain.
#[derive(Clone, Debug, Default)]
pub struct ScfContext;

impl mc::Context for ScfContext {
    type Address = Address;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = mc::LinearTimeouts;
    type Value = BlockHash;
    type Vote = Vote;
    type Extension = Vec<u8>;
    type SigningScheme = Ed25519;

    /// Round-robin over the address-sorted set, shifted by height so proposers rotate.
    fn select_proposer<'a>(&self, set: &'a ValidatorSet, height: Height, round: Round) -> &'a Validator {
        let n = set.validators.len() as u64;
        assert!(n > 0, "a validator set is never empty");
        let round = round.as_u32().unwrap_or(0) as u64;
        let index = height.0.wrapping_add(round) % n;
        &set.validators[index as usize]
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockHash,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal { height, round, value, pol_round, proposer: address }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Prevote,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Precommit,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }
}

fn proposal_signing_bytes(p: &Proposal) -> Vec<u8> {
    let mut out = b"scf-chain/proposal/v1\0".to_vec();
    borsh::to_writer(&mut out, p).expect("borsh into Vec is infallible");
    out
}

fn extension_signing_bytes(scope: &mc::VoteExtensionScope<ScfContext>, ext: &[u8]) -> Vec<u8> {
    let mut out = b"scf-chain/vote-extension/v1\0".to_vec();
    let body = (&scope.height, &scope.round, &scope.value_id, &scope.validator_address, ext);
    borsh::to_writer(&mut out, &body).expect("borsh into Vec is infallible");
    out
}

/// Signs consensus messages with the validator's consensus key.
pub struct ConsensusSigner {
    pub keypair: Keypair,
}

/// Verifies consensus messages (strict ed25519).
pub struct ConsensusVerifier;

use malachitebft_signing::{Error as SigningError, VerificationResult};

fn verdict(key: &AccountId, msg: &[u8], sig: &Signature) -> VerificationResult {
    VerificationResult::from_bool(scf_primitives::crypto::verify(key, msg, &sig.0))
}

#[async_trait::async_trait]
impl malachitebft_signing::Signer<ScfContext> for ConsensusSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<mc::SignedVote<ScfContext>, SigningError> {
        let sig = Signature(self.keypair.sign(&vote.signing_bytes()));
        Ok(mc::SignedMessage::new(vote, sig))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<mc::SignedProposal<ScfContext>, SigningError> {
        let sig = Signature(self.keypair.sign(&proposal_signing_bytes(&proposal)));
        Ok(mc::SignedMessage::new(proposal, sig))
    }

    async fn sign_vote_extension(
        &self,
        scope: mc::VoteExtensionScope<ScfContext>,
        extension: Vec<u8>,
    ) -> Result<SignedExtension<ScfContext>, SigningError> {
        let sig = Signature(self.keypair.sign(&extension_signing_bytes(&scope, &extension)));
        Ok(mc::SignedMessage::new(extension, sig))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<ScfContext>, SigningError> {
        let sig =
            Signature(self.keypair.sign(&ValidatorProof::<ScfContext>::signing_bytes(&public_key, &peer_id)));
        Ok(ValidatorProof::new(public_key, peer_id, sig))
    }
}

#[async_trait::async_trait]
impl malachitebft_signing::Verifier<ScfContext> for ConsensusVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &AccountId,
    ) -> Result<VerificationResult, SigningError> {
        Ok(verdict(public_key, &vote.signing_bytes(), signature))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &AccountId,
    ) -> Result<VerificationResult, SigningError> {
        Ok(verdict(public_key, &proposal_signing_bytes(proposal), signature))
    }

    async fn verify_signed_vote_extension(
        &self,
        scope: &mc::VoteExtensionScope<ScfContext>,
        extension: &Vec<u8>,
        signature: &Signature,
        public_key: &AccountId,
    ) -> Result<VerificationResult, SigningError> {
        Ok(verdict(public_key, &extension_signing_bytes(scope, extension), signature))
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<ScfContext>,
    ) -> Result<VerificationResult, SigningError> {
        let Ok(key) = Ed25519::decode_public_key(&proof.public_key) else {
            return Ok(VerificationResult::Invalid);
        };
        Ok(verdict(&key, &proof.preimage(), &proof.signature))
    }
}
