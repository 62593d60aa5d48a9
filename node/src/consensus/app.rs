//! The application side of Malachite: builds blocks when this validator proposes, reassembles
//! and re-executes blocks proposed by others (or synced from peers), and commits decided blocks.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use bytes::Bytes;
use malachitebft_app_channel::{
    app::types::{
        core::{
            CommitCertificate, ExtendedCommitCertificate, HeightParams, LinearTimeouts, Round, Validity,
            VoteExtensions,
        },
        streaming::{StreamId, StreamMessage},
        sync::RawDecidedValue,
        LocallyProposedValue, PeerId, ProposedValue,
    },
    AppMsg, Channels, NetworkMsg,
};
use malachitebft_engine::{
    host::{Next, SyncedValueOutcome},
    util::streaming::StreamContent,
};
use scf_interface::governance;
use scf_primitives::{crypto::Keypair, AccountId, Block, BlockHeader, Hash};
use scf_runtime::{keys, BlockContext, BlockError, ExecutedBlock, OverBudget, BLOCK_BUDGET};

use super::{
    codec::WireCertificate,
    context::{Address, BlockHash, Height, ProposalPart, ScfContext, Signature, ValidatorSet},
};
use crate::chain::Chain;

/// How blocks are paced and bounded.
#[derive(Clone, Debug)]
pub struct BlockPolicy {
    /// At most this many transactions per block.
    pub max_txs: usize,
    /// An empty block is proposed only after waiting this long for transactions.
    pub empty_block_interval: Duration,
    /// Blocks this validator proposes are at least this far after their parent, so transactions
    /// accumulate: every block costs every node a fixed amount of CPU (consensus messages, the
    /// synced writes, its stream), so fewer, larger blocks cost less per transaction, and add at
    /// most this much to a transaction's wait. Node policy (`[blocks] min_interval_ms`).
    pub min_block_interval: Duration,
    /// A proposed block's timestamp may be at most this far ahead of the local clock.
    pub max_clock_drift: Duration,
    /// The proposer offers a block as many transactions as this much execution holds, at the
    /// cost per transaction of its recent blocks (`build_limit`). Not a validity rule.
    pub target_build_time: Duration,
    /// Tests only: how this validator attacks the others.
    #[cfg(feature = "hostile")]
    pub hostility: Option<super::hostile::Hostility>,
}

impl Default for BlockPolicy {
    fn default() -> Self {
        BlockPolicy {
            max_txs: 10_000,
            empty_block_interval: Duration::from_secs(1),
            // 250 ms rather than 50 ms: about 4 instead of 8 blocks a second at 1,000
            // transfers/s, and 4–7 % less CPU per transfer on each of 4 validators, for about
            // 100 ms more median latency (docs/performance.md, session 20).
            min_block_interval: Duration::from_millis(250),
            max_clock_drift: Duration::from_secs(10),
            target_build_time: Duration::from_millis(500),
            #[cfg(feature = "hostile")]
            hostility: None,
        }
    }
}

/// A block is offered at least this many transactions whatever its recent cost.
const MIN_BUILD_TXS: usize = 500;

/// How many pool transactions the proposer offers a block: what `target_build_time` of execution
/// holds at `us_per_tx` (unknown: 0), within `[MIN_BUILD_TXS, max_txs]`.
///
/// Why: a block is executed by its proposer and again by every validator before the round's
/// timeouts run out. Under overload the pool grows, and blocks of `max_txs` took seconds on a
/// loaded machine; the round failed, and the next proposer built an equally large block from an
/// even larger pool, so finality stopped for many rounds (docs/performance.md, session 18).
fn build_limit(policy: &BlockPolicy, us_per_tx: u64) -> usize {
    if us_per_tx == 0 {
        return policy.max_txs;
    }
    let fits = policy.target_build_time.as_micros() / u128::from(us_per_tx);
    usize::try_from(fits).unwrap_or(usize::MAX).clamp(MIN_BUILD_TXS.min(policy.max_txs), policy.max_txs)
}

/// The longest a proposer waits before it selects transactions: the empty-block interval, and
/// never so long that its proposal misses the round's `deadline`.
fn wait_limit(policy: &BlockPolicy, deadline: Duration) -> Duration {
    policy.empty_block_interval.min(deadline.saturating_sub(Duration::from_millis(500)))
}

/// How long a proposer waits, `since_parent` its parent's timestamp, so its block is at least
/// `min_block_interval` after the parent (within `wait_limit`).
fn pacing_pause(policy: &BlockPolicy, since_parent: Duration, deadline: Duration) -> Duration {
    policy.min_block_interval.saturating_sub(since_parent).min(wait_limit(policy, deadline))
}

/// Largest proposal stream accepted from a peer: a block at its byte budget with its parts'
/// framing. (More could never be a valid block.)
pub(crate) const MAX_STREAM_BYTES: usize = BLOCK_BUDGET.bytes as usize + 64 * 1024;
/// The validators (consensus key, voting power) deciding `height`, from the governance schedule
/// in committed state.
pub fn scheduled_validators(chain: &Chain, height: u64) -> eyre::Result<Vec<(AccountId, u64)>> {
    let key = keys::contract_storage(
        &scf_interface::SystemContract::Governance.address(),
        governance::SCHEDULE_KEY,
    );
    let bytes = scf_runtime::StateStore::get(&chain.storage, &key)?
        .ok_or_else(|| eyre::eyre!("no validator schedule in state"))?;
    let schedule: Vec<governance::ScheduledSet> = borsh::from_slice(&bytes)?;
    let set = governance::set_at(&schedule, height)
        .ok_or_else(|| eyre::eyre!("no validator set for height {height}"))?;
    Ok(set.validators.iter().map(|v| (v.consensus_key, v.power)).collect())
}

/// How many proposal streams may be in flight, from all peers and from one. A round has one
/// proposer (and a re-proposal in a later round); a few per peer covers rounds that overlap.
const MAX_OPEN_STREAMS: usize = 64;
const MAX_STREAMS_PER_PEER: usize = 4;
/// An incomplete stream is dropped after this long: its slot is not held forever.
const STREAM_TTL: Duration = Duration::from_secs(30);
/// Complete proposals kept for the next heights (one per height and round).
const MAX_EARLY_PROPOSALS: usize = 16;
/// How often the whole pool is pruned; after each block, only the block's senders are.
const POOL_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

struct PartsBuffer {
    parts: BTreeMap<u64, ProposalPart>,
    fin: Option<u64>,
    bytes: usize,
    started: std::time::Instant,
}

/// A block that was executed on top of the current head and awaits a decision.
struct Candidate {
    block: Block,
    executed: ExecutedBlock,
}

/// A fully received proposal for a height we have not reached yet.
struct Early {
    round: Round,
    pol_round: Round,
    proposer: Address,
    block: Block,
}

pub struct App {
    chain: Arc<Chain>,
    /// When the whole pool was last pruned (see `commit`): the node's own upkeep, not state.
    last_pool_sweep: std::time::Instant,
    /// Recent execution cost per transaction of the blocks this node built, in µs (0: none yet),
    /// for `build_limit`: the node's own pacing, not state.
    build_us_per_tx: u64,
    keypair: Keypair,
    policy: BlockPolicy,
    candidates: HashMap<BlockHash, Candidate>,
    /// Values already reported to consensus for the current height (replayed on StartedRound).
    undecided: Vec<ProposedValue<ScfContext>>,
    /// Our own proposal at a (height, round), so a re-request returns the same value.
    built: HashMap<(Height, Round), BlockHash>,
    streams: HashMap<(PeerId, StreamId), PartsBuffer>,
    early: Vec<(Height, Early)>,
    stream_counter: u64,
    current_height: Height,
}

#[derive(Debug, thiserror::Error)]
pub enum InvalidBlock {
    #[error("undecodable block: {0}")]
    Decode(String),
    #[error("this node failed to process the block: {0}")]
    Local(String),
    #[error("block is for height {got}, expected {expected}")]
    Height { expected: u64, got: u64 },
    #[error("block's parent {got} is not the head {expected}")]
    Parent { expected: Hash, got: Hash },
    #[error("block's proposer {got} is not the round's proposer {expected}")]
    Proposer { expected: String, got: String },
    #[error("block timestamp {got} is not after its parent's {parent}")]
    TimeNotIncreasing { parent: u64, got: u64 },
    #[error("block timestamp {got} is too far ahead of the local clock {now}")]
    TimeInFuture { now: u64, got: u64 },
    #[error("block has {got} transactions, more than {max}")]
    TooManyTxs { max: usize, got: usize },
    #[error("transaction root does not match the transactions")]
    TxRoot,
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    #[error("state root {got} differs from re-execution's {expected}")]
    StateRoot { expected: Hash, got: Hash },
    #[error("receipts root {got} differs from re-execution's {expected}")]
    ReceiptsRoot { expected: Hash, got: Hash },
}

impl App {
    pub fn new(chain: Arc<Chain>, keypair: Keypair, policy: BlockPolicy) -> App {
        let current_height = Height(chain.head_height() + 1);
        App {
            chain,
            keypair,
            policy,
            candidates: HashMap::new(),
            undecided: Vec::new(),
            last_pool_sweep: std::time::Instant::now(),
            build_us_per_tx: 0,
            built: HashMap::new(),
            streams: HashMap::new(),
            early: Vec::new(),
            stream_counter: 0,
            current_height,
        }
    }

    fn me(&self) -> Address {
        Address(self.keypair.account_id())
    }

    /// The validator set deciding `height`, from the governance schedule in committed state.
    pub fn validator_set(&self, height: Height) -> eyre::Result<ValidatorSet> {
        Ok(ValidatorSet::from_state(&scheduled_validators(&self.chain, height.0)?))
    }

    fn height_params(&self, height: Height) -> eyre::Result<HeightParams<ScfContext>> {
        Ok(HeightParams::new(self.validator_set(height)?, LinearTimeouts::default(), None))
    }

    fn start_height(&mut self, height: Height) {
        self.current_height = height;
        self.candidates.clear();
        self.undecided.clear();
        self.built.retain(|(h, _), _| *h >= height);
        self.early.retain(|(h, _)| *h >= height);
        // Streams for heights that are over can no longer matter; dropping them keeps a peer
        // from holding the MAX_OPEN_STREAMS slots with streams it never ends. Streams whose
        // header has not arrived yet are kept (their height is unknown; the cap still bounds them).
        self.streams.retain(|_, buf| match buf.parts.get(&0) {
            Some(ProposalPart::Init { height: h, .. }) => *h >= height,
            _ => true,
        });
    }

    /// Executes `block` on top of the head after checking everything but consensus signatures.
    fn validate(
        &mut self,
        block: Block,
        expected_proposer: Option<Address>,
        live: bool,
    ) -> Result<BlockHash, InvalidBlock> {
        let head = self.chain.head();
        let h = &block.header;
        if h.height != head.height + 1 {
            return Err(InvalidBlock::Height { expected: head.height + 1, got: h.height });
        }
        if h.parent_hash != head.hash() {
            return Err(InvalidBlock::Parent { expected: head.hash(), got: h.parent_hash });
        }
        if let Some(p) = expected_proposer {
            if p.0 != h.proposer {
                return Err(InvalidBlock::Proposer { expected: p.to_string(), got: h.proposer.to_string() });
            }
        }
        if h.timestamp_ms <= head.timestamp_ms {
            return Err(InvalidBlock::TimeNotIncreasing { parent: head.timestamp_ms, got: h.timestamp_ms });
        }
        let now = self.chain.now_ms();
        if live && h.timestamp_ms > now + self.policy.max_clock_drift.as_millis() as u64 {
            return Err(InvalidBlock::TimeInFuture { now, got: h.timestamp_ms });
        }
        if block.transactions.len() > self.policy.max_txs {
            return Err(InvalidBlock::TooManyTxs { max: self.policy.max_txs, got: block.transactions.len() });
        }
        if Block::compute_tx_root(&block.transactions) != h.tx_root {
            return Err(InvalidBlock::TxRoot);
        }
        let hash = BlockHash(block.hash());
        if self.candidates.contains_key(&hash) {
            return Ok(hash);
        }
        let ctx = BlockContext { height: h.height, timestamp_ms: h.timestamp_ms };
        let executing = std::time::Instant::now();
        let executed = match self.chain.runtime.execute_block(self.chain.state(), ctx, &block.transactions) {
            Ok(e) => {
                crate::metrics::metrics().execution_seconds.observe(executing.elapsed().as_secs_f64());
                e
            }
            Err(BlockError::OverBudget(over)) => return Err(InvalidBlock::OverBudget(over)),
            Err(BlockError::Node(e)) => {
                // A node fault (storage), not the proposer's: refuse the block rather than guess.
                tracing::error!(target: "scf::consensus", error = %e, "executing a proposed block failed");
                return Err(InvalidBlock::Local(format!("execution failed: {e}")));
            }
        };
        if executed.state.root != h.state_root {
            return Err(InvalidBlock::StateRoot { expected: executed.state.root, got: h.state_root });
        }
        if executed.receipts_root != h.receipts_root {
            return Err(InvalidBlock::ReceiptsRoot {
                expected: executed.receipts_root,
                got: h.receipts_root,
            });
        }
        if let Err(e) = self.chain.storage.put_undecided(&block) {
            tracing::error!(target: "scf::consensus", error = %e, "cannot persist a proposed block");
            return Err(InvalidBlock::Local(format!("storage failed: {e}")));
        }
        self.candidates.insert(hash, Candidate { block, executed });
        Ok(hash)
    }

    /// Our own earlier proposal for this height, recovered after a restart: proposing it again
    /// keeps this validator from ever signing two different blocks for one height.
    fn recover_own_proposal(&mut self, height: Height) -> eyre::Result<Option<BlockHash>> {
        for block in self.chain.storage.undecided_at(height.0)? {
            if block.header.proposer == self.keypair.account_id() {
                if let Ok(hash) = self.validate(block, None, false) {
                    return Ok(Some(hash));
                }
            }
        }
        Ok(None)
    }

    /// Builds, executes and remembers a block for `height`.
    async fn build_block(&mut self, height: Height, deadline: Duration) -> eyre::Result<BlockHash> {
        let head = self.chain.head();
        let started = tokio::time::Instant::now();
        // Pace blocks: wait for the minimum interval, then for transactions (or the empty-block
        // interval), never past the engine's deadline.
        let wait_limit = wait_limit(&self.policy, deadline);
        let since_parent = Duration::from_millis(self.chain.now_ms().saturating_sub(head.timestamp_ms));
        let pause = pacing_pause(&self.policy, since_parent, deadline);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        if self.chain.mempool.is_empty() {
            let remaining = wait_limit.saturating_sub(started.elapsed());
            let _ = tokio::time::timeout(remaining, self.chain.mempool.arrived.notified()).await;
        }
        let storage = &self.chain.storage;
        let selecting = std::time::Instant::now();
        let candidates =
            self.chain.mempool.select(build_limit(&self.policy, self.build_us_per_tx), |sender| {
                scf_runtime::Runtime::nonce(storage, sender).unwrap_or(u64::MAX)
            });
        let select_ms = selecting.elapsed().as_millis() as u64;
        let timestamp_ms = self.chain.now_ms().max(head.timestamp_ms + 1);
        let ctx = BlockContext { height: height.0, timestamp_ms };
        let executing = std::time::Instant::now();
        // The block ends before the first candidate that would exceed its budget.
        let (txs, executed) = self.chain.runtime.build_block(self.chain.state(), ctx, candidates)?;
        crate::metrics::metrics().execution_seconds.observe(executing.elapsed().as_secs_f64());
        let execute_ms = executing.elapsed().as_millis() as u64;
        // Small blocks say little about the cost per transaction (fixed costs dominate them).
        if txs.len() >= 100 {
            let sample = executing.elapsed().as_micros() as u64 / txs.len() as u64;
            self.build_us_per_tx =
                if self.build_us_per_tx == 0 { sample } else { (3 * self.build_us_per_tx + sample) / 4 };
        }
        #[allow(unused_mut)]
        let mut header = BlockHeader {
            height: height.0,
            parent_hash: head.hash(),
            timestamp_ms,
            proposer: self.keypair.account_id(),
            tx_root: Block::compute_tx_root(&txs),
            state_root: executed.state.root,
            receipts_root: executed.receipts_root,
        };
        #[cfg(feature = "hostile")]
        if self.policy.hostility.as_ref().is_some_and(|h| h.invalid_blocks) {
            header.state_root = Hash([0xEE; 32]);
        }
        let block = Block { header, transactions: txs };
        let hash = BlockHash(block.hash());
        let persisting = std::time::Instant::now();
        self.chain.storage.put_undecided(&block)?;
        tracing::debug!(
            target: "scf::consensus",
            height = height.0,
            txs = block.transactions.len(),
            %hash,
            select_ms,
            execute_ms,
            persist_ms = persisting.elapsed().as_millis() as u64,
            "built block"
        );
        self.candidates.insert(hash, Candidate { block, executed });
        Ok(hash)
    }

    fn stream_parts(
        &mut self,
        height: Height,
        round: Round,
        pol_round: Round,
        hash: BlockHash,
    ) -> Vec<StreamMessage<ProposalPart>> {
        let Some(c) = self.candidates.get(&hash) else { return Vec::new() };
        let bytes = borsh::to_vec(&c.block).expect("borsh into Vec is infallible");
        self.stream_counter += 1;
        let stream_id = StreamId::new(Bytes::from(
            borsh::to_vec(&(height, round.as_i64(), self.stream_counter))
                .expect("borsh into Vec is infallible"),
        ));
        let signature = Signature(self.keypair.sign(&ProposalPart::init_signing_bytes(height, round, &hash)));
        let mut parts = vec![ProposalPart::Init {
            height,
            round,
            pol_round,
            proposer: self.me(),
            block_hash: hash,
            signature,
        }];
        parts.extend(bytes.chunks(CHUNK_BYTES).map(|c| ProposalPart::Chunk(c.to_vec())));
        let mut msgs: Vec<_> = parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| StreamMessage::new(stream_id.clone(), i as u64, StreamContent::Data(p)))
            .collect();
        msgs.push(StreamMessage::new(stream_id, msgs.len() as u64, StreamContent::Fin));
        msgs
    }

    /// Keeps a complete proposal for a later height until that height starts: one per height
    /// and round, and only so many, so the proposer of a future round cannot fill memory.
    fn keep_early(&mut self, height: Height, early: Early) {
        let known = self.early.iter().any(|(h, e)| *h == height && e.round == early.round);
        if !known && self.early.len() < MAX_EARLY_PROPOSALS {
            self.early.push((height, early));
        }
    }

    /// The validator that proposes at `height` and `round`, as the engine chooses it.
    fn round_proposer(&self, height: Height, round: Round) -> Option<Address> {
        use malachitebft_app_channel::app::types::core::{Context, Validator};
        let set = self.validator_set(height).ok()?;
        (!set.validators.is_empty()).then(|| *ScfContext.select_proposer(&set, height, round).address())
    }

    /// Adds a part; returns the assembled proposal once its stream is complete.
    fn receive_part(&mut self, peer: PeerId, msg: StreamMessage<ProposalPart>) -> Option<(Height, Early)> {
        let key = (peer, msg.stream_id.clone());
        if !self.streams.contains_key(&key) {
            // Slots: expired streams go first; then a peer at its own cap or a full table
            // drops the new stream.
            self.streams.retain(|_, buf| buf.started.elapsed() < STREAM_TTL);
            let of_peer = self.streams.keys().filter(|(p, _)| *p == peer).count();
            if of_peer >= MAX_STREAMS_PER_PEER || self.streams.len() >= MAX_OPEN_STREAMS {
                tracing::warn!(target: "scf::consensus", %peer, of_peer, open = self.streams.len(), "too many open proposal streams; dropping part");
                return None;
            }
        }
        let buf = self.streams.entry(key.clone()).or_insert_with(|| PartsBuffer {
            parts: BTreeMap::new(),
            fin: None,
            bytes: 0,
            started: std::time::Instant::now(),
        });
        match msg.content {
            StreamContent::Data(part) => {
                let size = match &part {
                    ProposalPart::Chunk(c) => c.len(),
                    ProposalPart::Init { .. } => 200,
                };
                buf.bytes += size;
                if buf.bytes > MAX_STREAM_BYTES {
                    tracing::warn!(target: "scf::consensus", %peer, "proposal stream exceeds {MAX_STREAM_BYTES} bytes; dropped");
                    self.streams.remove(&key);
                    return None;
                }
                buf.parts.insert(msg.sequence, part);
            }
            StreamContent::Fin => buf.fin = Some(msg.sequence),
        }
        let fin = buf.fin?;
        if buf.parts.len() as u64 != fin {
            return None;
        }
        let buf = self.streams.remove(&key)?;
        let mut parts = buf.parts.into_values();
        let Some(ProposalPart::Init { height, round, pol_round, proposer, block_hash, signature }) =
            parts.next()
        else {
            tracing::warn!(target: "scf::consensus", %peer, "proposal stream does not start with its header");
            return None;
        };
        let mut bytes = Vec::new();
        for p in parts {
            match p {
                ProposalPart::Chunk(c) => bytes.extend_from_slice(&c),
                ProposalPart::Init { .. } => return None,
            }
        }
        // Only the round's proposer may propose: a stream signed by any other key (a validator
        // out of turn, or no validator) is dropped before its block is even decoded.
        if self.round_proposer(height, round) != Some(proposer) {
            tracing::warn!(target: "scf::consensus", %peer, height = height.0, %round, %proposer, "proposal stream from a validator that is not the round's proposer; dropped");
            return None;
        }
        if !scf_primitives::crypto::verify(
            &proposer.0,
            &ProposalPart::init_signing_bytes(height, round, &block_hash),
            &signature.0,
        ) {
            tracing::warn!(target: "scf::consensus", %peer, "proposal stream with a bad proposer signature; dropped");
            return None;
        }
        let block: Block = match borsh::from_slice(&bytes) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(target: "scf::consensus", %peer, error = %e, "undecodable proposed block");
                return None;
            }
        };
        if block.hash() != block_hash.0 {
            tracing::warn!(target: "scf::consensus", %peer, "streamed block does not match its announced hash");
            return None;
        }
        Some((height, Early { round, pol_round, proposer, block }))
    }

    fn proposed_value(&mut self, height: Height, e: Early) -> ProposedValue<ScfContext> {
        let announced = BlockHash(e.block.hash());
        // A re-proposal (a block that gathered a polka in round `pol_round`, streamed again by
        // this round's proposer) keeps the header of the validator who built it. The engine
        // takes it only with that polka, for which the block was validated with its builder, so
        // only a fresh proposal must have been built by whoever streams it. Requiring it of a
        // re-proposal made the node call a block it had voted for invalid, stalling the height.
        let builder = if e.pol_round == Round::Nil { Some(e.proposer) } else { None };
        let validity = match self.validate(e.block, builder, true) {
            Ok(_) => Validity::Valid,
            Err(reason) => {
                tracing::warn!(target: "scf::consensus", height = height.0, %reason, "invalid proposal");
                Validity::Invalid
            }
        };
        let pv = ProposedValue {
            height,
            round: e.round,
            valid_round: e.pol_round,
            proposer: e.proposer,
            value: announced,
            validity,
        };
        self.undecided.push(pv.clone());
        pv
    }

    /// Commits the decided block atomically and advances the head.
    fn commit(
        &mut self,
        certificate: &CommitCertificate<ScfContext>,
        extensions: VoteExtensions<ScfContext>,
    ) -> eyre::Result<()> {
        if !self.candidates.contains_key(&certificate.value_id) {
            // Decided before a restart (the WAL remembers), executed in a previous life.
            if let Some(block) =
                self.chain.storage.undecided(certificate.height.0, &certificate.value_id.0)?
            {
                if let Err(reason) = self.validate(block, None, false) {
                    eyre::bail!(
                        "stored decided block {} no longer validates: {reason}",
                        certificate.value_id
                    );
                }
            }
        }
        let Some(c) = self.candidates.remove(&certificate.value_id) else {
            eyre::bail!("decided block {} was never received or executed", certificate.value_id);
        };
        let ext = ExtendedCommitCertificate::from_commit_certificate_and_extensions(
            certificate.clone(),
            extensions,
        );
        let cert_bytes = borsh::to_vec(&WireCertificate::from_certificate(&ext))?;
        let failed = c.executed.receipts.iter().filter(|r| !r.is_success()).count();
        let writing = std::time::Instant::now();
        self.chain.commit(&c.block, c.executed, &cert_bytes)?;
        let write_ms = writing.elapsed().as_millis() as u64;
        let storage = &self.chain.storage;
        let pruning = std::time::Instant::now();
        // The block's senders after every block; the whole pool (transactions that waited past
        // their time behind a gap) once per `POOL_SWEEP_INTERVAL`.
        let sweep = self.last_pool_sweep.elapsed() >= POOL_SWEEP_INTERVAL;
        let senders: BTreeSet<AccountId> = c.block.transactions.iter().map(|t| t.tx.sender).collect();
        let left = self
            .chain
            .mempool
            .prune((!sweep).then_some(&senders), |s| scf_runtime::Runtime::nonce(storage, s).unwrap_or(0));
        if sweep {
            self.last_pool_sweep = std::time::Instant::now();
        }
        self.chain.forget_pending(&left);
        let prune_ms = pruning.elapsed().as_millis() as u64;
        tracing::info!(
            target: "scf::consensus",
            height = c.block.header.height,
            hash = %c.block.hash(),
            txs = c.block.transactions.len(),
            failed,
            state_root = %c.block.header.state_root,
            write_ms,
            prune_ms,
            "committed block"
        );
        Ok(())
    }

    fn decided_values(&self, range: std::ops::RangeInclusive<Height>) -> Vec<RawDecidedValue<ScfContext>> {
        let mut out = Vec::new();
        let (start, end) = (range.start().0, range.end().0.min(self.chain.head_height()));
        for h in start.max(1)..=end {
            let (Ok(Some(block)), Ok(Some(cert))) =
                (self.chain.storage.block_bytes(h), self.chain.storage.certificate(h))
            else {
                break;
            };
            let Ok(wire) = borsh::from_slice::<WireCertificate>(&cert) else {
                tracing::error!(target: "scf::consensus", height = h, "stored certificate does not decode");
                break;
            };
            out.push(RawDecidedValue::new(Bytes::from(block), wire.into_certificate()));
        }
        out
    }

    /// Serves Malachite until its channel closes.
    pub async fn run(mut self, mut channels: Channels<ScfContext>) -> eyre::Result<()> {
        while let Some(msg) = channels.consensus.recv().await {
            match msg {
                AppMsg::ConsensusReady { reply } => {
                    let start = Height(self.chain.head_height() + 1);
                    self.start_height(start);
                    tracing::info!(target: "scf::consensus", height = start.0, "consensus ready");
                    let _ = reply.send((start, self.height_params(start)?));
                }
                AppMsg::StartedRound { height, round, proposer, role, reply_value } => {
                    tracing::debug!(target: "scf::consensus", height = height.0, %round, %proposer, ?role, "started round");
                    crate::metrics::metrics().round.set(round.as_i64());
                    if height != self.current_height {
                        self.start_height(height);
                    }
                    let early: Vec<Early> = {
                        let (now, later): (Vec<_>, Vec<_>) =
                            std::mem::take(&mut self.early).into_iter().partition(|(h, _)| *h == height);
                        self.early = later;
                        now.into_iter().map(|(_, e)| e).collect()
                    };
                    for e in early {
                        self.proposed_value(height, e);
                    }
                    let values: Vec<_> =
                        self.undecided.iter().filter(|v| v.round == round).cloned().collect();
                    let _ = reply_value.send(values);
                    #[cfg(feature = "hostile")]
                    if let Some(hostility) = self.policy.hostility.clone() {
                        let head = self.chain.head();
                        let junk = super::hostile::round_junk(
                            &hostility,
                            &self.keypair,
                            &head,
                            height,
                            round,
                            proposer,
                            &mut self.stream_counter,
                        );
                        for part in junk {
                            channels.network.send(NetworkMsg::PublishProposalPart(part)).await?;
                        }
                    }
                }
                AppMsg::GetValue { height, round, timeout, reply } => {
                    let hash = match self.built.get(&(height, round)) {
                        Some(h) if self.candidates.contains_key(h) => *h,
                        _ => {
                            let h = match self.recover_own_proposal(height)? {
                                Some(h) => h,
                                None => self.build_block(height, timeout).await?,
                            };
                            self.built.insert((height, round), h);
                            h
                        }
                    };
                    let _ = reply.send(LocallyProposedValue::new(height, round, hash));
                    for part in self.stream_parts(height, round, Round::Nil, hash) {
                        channels.network.send(NetworkMsg::PublishProposalPart(part)).await?;
                    }
                }
                AppMsg::ExtendVote { reply, .. } => {
                    let _ = reply.send(None);
                }
                AppMsg::VerifyVoteExtensions { extensions, reply, .. } => {
                    let _ = reply.send(extensions.into_iter().map(|(a, _)| (a, Ok(()))).collect());
                }
                AppMsg::RestreamProposal { height, round, valid_round, value_id, .. } => {
                    for part in self.stream_parts(height, round, valid_round, value_id) {
                        channels.network.send(NetworkMsg::PublishProposalPart(part)).await?;
                    }
                }
                AppMsg::GetHistoryMinHeight { reply } => {
                    let _ = reply.send(Height(1));
                }
                AppMsg::ReceivedProposalPart { from, published_by, part, reply } => {
                    let peer = published_by.unwrap_or(from);
                    let value = match self.receive_part(peer, part) {
                        Some((h, e)) if h == self.current_height => Some(self.proposed_value(h, e)),
                        Some((h, e)) if h > self.current_height && h.0 <= self.current_height.0 + 2 => {
                            self.keep_early(h, e);
                            None
                        }
                        _ => None,
                    };
                    let _ = reply.send(value);
                }
                AppMsg::Decided { certificate, extensions, reply } => {
                    if let Err(e) = self.commit(&certificate, extensions) {
                        // Without the block the node cannot continue safely; stopping loses
                        // nothing: the block is final in the network and sync will bring it back.
                        tracing::error!(target: "scf::consensus", error = %e, "commit failed");
                        return Err(e);
                    }
                    let _ = reply.send(());
                }
                AppMsg::Finalized { certificate, reply, evidence, .. } => {
                    log_evidence(certificate.height, &evidence);
                    let next = certificate.height.0 + 1;
                    if self.chain.head_height() >= certificate.height.0 {
                        let params = self.height_params(Height(next))?;
                        self.start_height(Height(next));
                        let _ = reply.send(Next::Start(Height(next), params));
                    } else {
                        let params = self.height_params(certificate.height)?;
                        let _ = reply.send(Next::Restart(certificate.height, params));
                    }
                }
                AppMsg::GetDecidedValues { range, reply } => {
                    let _ = reply.send(self.decided_values(range));
                }
                AppMsg::ProcessSyncedValue { height, round, proposer, value_bytes, reply } => {
                    let block: Block = match borsh::from_slice(&value_bytes) {
                        Ok(b) => b,
                        Err(_) => {
                            let _ = reply.send(SyncedValueOutcome::PeerFault);
                            continue;
                        }
                    };
                    let value = BlockHash(block.hash());
                    let validity = match self.validate(block, None, false) {
                        Ok(_) => Validity::Valid,
                        Err(reason) => {
                            tracing::warn!(target: "scf::consensus", height = height.0, %reason, "invalid synced block");
                            Validity::Invalid
                        }
                    };
                    let pv =
                        ProposedValue { height, round, valid_round: Round::Nil, proposer, value, validity };
                    let _ = reply.send(SyncedValueOutcome::Verdict(pv));
                }
            }
        }
        Ok(())
    }
}

/// Logs the equivocations the engine saw during a height: a validator that signed two proposals
/// or two votes for the same round. Kept for the operators (and, later, slashing by governance);
/// consensus itself is safe without acting on it.
fn log_evidence(
    height: Height,
    evidence: &malachitebft_app_channel::app::types::MisbehaviorEvidence<ScfContext>,
) {
    for (validator, doubles) in evidence.proposals.iter() {
        tracing::warn!(target: "scf::consensus", height = height.0, %validator, count = doubles.len(), "equivocation evidence: conflicting proposals signed by one validator");
    }
    for (validator, doubles) in evidence.votes.iter() {
        tracing::warn!(target: "scf::consensus", height = height.0, %validator, count = doubles.len(), "equivocation evidence: conflicting votes signed by one validator");
    }
}

/// Certificates are stored in the encoding used on the wire.
pub fn decode_certificate(bytes: &[u8]) -> Option<ExtendedCommitCertificate<ScfContext>> {
    borsh::from_slice::<WireCertificate>(bytes).ok().map(WireCertificate::into_certificate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::Settings, mempool::PoolLimits, storage::Storage};

    #[test]
    fn a_block_is_offered_what_its_target_build_time_holds_at_the_recent_cost() {
        let policy = BlockPolicy {
            max_txs: 10_000,
            target_build_time: Duration::from_millis(500),
            ..Default::default()
        };
        assert_eq!(build_limit(&policy, 0), 10_000, "no cost measured yet: the validity limit");
        assert_eq!(build_limit(&policy, 100), 5_000);
        assert_eq!(build_limit(&policy, 20), 10_000, "never past the validity limit");
        assert_eq!(build_limit(&policy, 5_000), MIN_BUILD_TXS, "never below the floor");
        let tiny = BlockPolicy { max_txs: 10, ..policy };
        assert_eq!(build_limit(&tiny, 5_000), 10, "the floor never exceeds the validity limit");
    }

    #[test]
    fn a_proposer_waits_out_the_minimum_interval_but_never_misses_its_round() {
        let policy = BlockPolicy { min_block_interval: Duration::from_millis(250), ..Default::default() };
        let ms = Duration::from_millis;
        assert_eq!(pacing_pause(&policy, ms(100), ms(3_000)), ms(150), "the rest of the interval");
        assert_eq!(pacing_pause(&policy, ms(400), ms(3_000)), Duration::ZERO, "the interval has passed");
        assert_eq!(pacing_pause(&policy, ms(0), ms(600)), ms(100), "a short deadline cuts the pause");
        let slow = BlockPolicy { min_block_interval: ms(5_000), ..policy };
        assert_eq!(
            pacing_pause(&slow, ms(0), ms(10_000)),
            slow.empty_block_interval,
            "never past the empty-block interval"
        );
    }

    fn app(dir: &std::path::Path) -> App {
        let settings = Settings::dev(
            dir.to_path_buf(),
            "127.0.0.1:0".parse().unwrap(),
            "/ip4/127.0.0.1/tcp/0".into(),
            "/ip4/127.0.0.1/tcp/0".into(),
        )
        .unwrap();
        let storage = Storage::open(&dir.join("db"), &settings.genesis.spec.chain_id).unwrap();
        let chain = Chain::open(storage, &settings.genesis, PoolLimits::default()).unwrap();
        App::new(chain, Keypair::dev("validator0"), BlockPolicy::default())
    }

    /// A complete stream of an empty block at height 1, round 0, signed by `signer` and naming
    /// `proposer`.
    fn stream(app: &App, id: u64, signer: &Keypair, proposer: &Keypair) -> Vec<StreamMessage<ProposalPart>> {
        let head = app.chain.head();
        let header = BlockHeader {
            height: 1,
            parent_hash: head.hash(),
            timestamp_ms: head.timestamp_ms + 1,
            proposer: proposer.account_id(),
            tx_root: Block::compute_tx_root(&[]),
            state_root: head.state_root,
            receipts_root: Default::default(),
        };
        let block = Block { header, transactions: vec![] };
        let hash = BlockHash(block.hash());
        let (height, round) = (Height(1), Round::new(0));
        let signature = Signature(signer.sign(&ProposalPart::init_signing_bytes(height, round, &hash)));
        let init = ProposalPart::Init {
            height,
            round,
            pol_round: Round::Nil,
            proposer: Address(proposer.account_id()),
            block_hash: hash,
            signature,
        };
        let stream_id = StreamId::new(Bytes::from(id.to_le_bytes().to_vec()));
        vec![
            StreamMessage::new(stream_id.clone(), 0, StreamContent::Data(init)),
            StreamMessage::new(
                stream_id.clone(),
                1,
                StreamContent::Data(ProposalPart::Chunk(borsh::to_vec(&block).unwrap())),
            ),
            StreamMessage::new(stream_id, 2, StreamContent::Fin),
        ]
    }

    fn deliver(
        app: &mut App,
        peer: PeerId,
        msgs: Vec<StreamMessage<ProposalPart>>,
    ) -> Option<(Height, Early)> {
        msgs.into_iter().filter_map(|m| app.receive_part(peer, m)).last()
    }

    fn any_peer() -> PeerId {
        PeerId::from_bytes(&libp2p::PeerId::random().to_bytes()).unwrap()
    }

    #[test]
    fn only_the_rounds_proposer_may_propose() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path());
        let (validator, member) = (Keypair::dev("validator0"), Keypair::dev("core"));
        let peer = any_peer();
        // The dev chain's one validator proposes every round.
        let from_proposer = stream(&app, 1, &validator, &validator);
        assert!(deliver(&mut app, peer, from_proposer).is_some());
        // Anyone else, with a valid signature of their own, is not heard.
        let out_of_turn = stream(&app, 2, &member, &member);
        assert!(deliver(&mut app, peer, out_of_turn).is_none());
        // Nor a stream naming the proposer without its signature.
        let forged = stream(&app, 3, &member, &validator);
        assert!(deliver(&mut app, peer, forged).is_none());
    }

    #[test]
    fn an_incomplete_stream_expires_and_frees_its_slot() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path());
        let validator = Keypair::dev("validator0");
        let peer = any_peer();
        for id in 0..MAX_STREAMS_PER_PEER as u64 {
            let first = stream(&app, 100 + id, &validator, &validator).remove(0);
            app.receive_part(peer, first);
        }
        let complete = stream(&app, 1, &validator, &validator);
        assert!(deliver(&mut app, peer, complete.clone()).is_none(), "no slot while the others are open");
        // One of them has been open longer than a stream may stay incomplete.
        let long_ago = std::time::Instant::now().checked_sub(STREAM_TTL + Duration::from_secs(1)).unwrap();
        app.streams.values_mut().next().unwrap().started = long_ago;
        assert!(deliver(&mut app, peer, complete).is_some(), "the expired stream made room");
        assert_eq!(app.streams.len(), MAX_STREAMS_PER_PEER - 1);
    }

    #[test]
    fn only_so_many_proposals_for_later_heights_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path());
        let validator = Keypair::dev("validator0");
        let peer = any_peer();
        let proposal = |app: &mut App, id| {
            let parts = stream(app, id, &validator, &validator);
            deliver(app, peer, parts).unwrap().1
        };
        let first = proposal(&mut app, 1);
        let round = first.round;
        app.keep_early(Height(2), first);
        let again = proposal(&mut app, 2);
        app.keep_early(Height(2), again);
        assert_eq!(app.early.len(), 1, "one per height and round");
        for r in 1..(MAX_EARLY_PROPOSALS as u32 + 10) {
            let mut e = proposal(&mut app, 10 + r as u64);
            e.round = Round::new(round.as_u32().unwrap() + r);
            app.keep_early(Height(3), e);
        }
        assert_eq!(app.early.len(), MAX_EARLY_PROPOSALS);
    }

    #[test]
    fn a_peer_holds_only_a_few_open_streams() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path());
        let validator = Keypair::dev("validator0");
        let (flooder, honest) = (any_peer(), any_peer());
        // Streams that never end: only their first part is sent.
        for id in 0..(MAX_STREAMS_PER_PEER as u64 + 3) {
            let first = stream(&app, 100 + id, &validator, &validator).remove(0);
            app.receive_part(flooder, first);
        }
        assert_eq!(app.streams.len(), MAX_STREAMS_PER_PEER, "the flooder's further streams are dropped");
        // The flooder's own complete stream has no slot either; another peer's does.
        let (again, other) =
            (stream(&app, 1, &validator, &validator), stream(&app, 2, &validator, &validator));
        assert!(deliver(&mut app, flooder, again).is_none());
        assert!(deliver(&mut app, honest, other).is_some());
    }
}
