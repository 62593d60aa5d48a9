//! The node's view of the chain, shared by consensus and RPC: storage, the runtime, the pool and
//! the committed head.
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use scf_primitives::{AccountId, Block, BlockHeader, Hash, Height, Nonce, SignedTransaction};
use scf_runtime::{
    genesis::Genesis, BlockContext, CheckError, ExecutedBlock, MemoryStore, Runtime, RuntimeError, StateStore,
};

use crate::{
    mempool::{Mempool, PoolError, PoolLimits},
    storage::{Storage, StorageError},
};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(
        "the database holds genesis {found} but the chain spec gives {expected}: wrong --data-dir or spec"
    )]
    GenesisMismatch { found: Hash, expected: Hash },
    #[error("cannot start the node's retiring thread: {0}")]
    Thread(std::io::Error),
}

/// Why a submitted transaction was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Invalid(scf_primitives::TxError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Node(#[from] RuntimeError),
}

pub struct Chain {
    pub storage: Storage,
    pub runtime: Runtime,
    pub mempool: Mempool,
    pub genesis_hash: Hash,
    pub dev: bool,
    head: RwLock<BlockHeader>,
    /// The head's height, for those waiting on new blocks (subscriptions, the index).
    heads: tokio::sync::watch::Sender<Height>,
    /// The height up to which the readers' index is built (`crate::index`), for the reads and
    /// event subscriptions that wait on it.
    pub indexed: tokio::sync::watch::Sender<Height>,
    /// Dev chains only: how far the proposer's clock runs ahead of the wall clock.
    time_offset_ms: AtomicU64,
    /// Committed blocks' execution results, for the retiring thread (see `commit`). Both are
    /// `Some` until the chain is dropped.
    retire: Option<std::sync::mpsc::SyncSender<ExecutedBlock>>,
    retirer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Chain {
    fn drop(&mut self) {
        // Closing the queue ends the thread; joining it releases its handle on the database,
        // so the data directory can be opened again as soon as the chain is gone.
        self.retire.take();
        if let Some(retirer) = self.retirer.take() {
            let _ = retirer.join();
        }
    }
}

/// Tests only (feature `failpoints`): `SCF_CLOCK_SKEW_MS` (signed) moves this node's clock, as a
/// machine whose clock is off would.
#[cfg(feature = "failpoints")]
fn skewed(wall: u64) -> u64 {
    static SKEW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let skew = *SKEW.get_or_init(|| {
        let skew = std::env::var("SCF_CLOCK_SKEW_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        if skew != 0 {
            tracing::warn!(target: "scf::chain", skew_ms = skew, "this node's clock is skewed (SCF_CLOCK_SKEW_MS, tests only)");
        }
        skew
    });
    wall.saturating_add_signed(skew)
}

/// Committed blocks waiting for the retiring thread; a full queue makes commits wait.
const RETIRE_QUEUE: usize = 2;

/// Longest total clock shift a dev chain accepts (ten years).
pub const MAX_DEV_TIME_OFFSET_MS: u64 = 10 * 366 * 86_400_000;

impl Chain {
    /// Opens the chain at `storage`, writing genesis first if the database is new.
    pub fn open(storage: Storage, genesis: &Genesis, pool: PoolLimits) -> Result<Arc<Chain>, ChainError> {
        let params = genesis.runtime_params();
        match params.cofactored_signatures_from {
            Some(from) => {
                tracing::info!(target: "scf::chain", from_height = from, "transaction signatures: cofactored rule (ADR 0011), verified in batches")
            }
            None => {
                tracing::info!(target: "scf::chain", "transaction signatures: strict rule at every height")
            }
        }
        let runtime = Runtime::new(params)?;
        // Genesis is a pure function of the spec: build it on an empty store, then either write
        // it (new database) or check that the database starts from the same header.
        let (update, genesis_header) = genesis.build(&runtime, Arc::new(MemoryStore::new()))?;
        let expected = genesis_header.hash();
        match storage.block(0)? {
            Some(stored) => {
                if stored.hash() != expected {
                    return Err(ChainError::GenesisMismatch { found: stored.hash(), expected });
                }
            }
            None => {
                tracing::info!(target: "scf::chain", genesis = %expected, state_root = %update.root, "writing genesis");
                storage.commit_genesis(genesis_header, &update)?;
            }
        }
        let head = storage.head_header()?.ok_or_else(|| StorageError::Corrupt {
            column: "meta",
            detail: "no head after genesis".into(),
        })?;
        storage.settle_undecided(head.height)?;
        let storage_indexed = storage.indexed_height()?;
        let time_offset_ms = AtomicU64::new(if genesis.spec.dev { storage.dev_time_offset()? } else { 0 });
        let (retire, retired) = std::sync::mpsc::sync_channel::<ExecutedBlock>(RETIRE_QUEUE);
        let node_cache = storage.clone();
        let retirer = std::thread::Builder::new()
            .name("retire".into())
            .spawn(move || {
                for executed in retired {
                    node_cache.cache_nodes(&executed.state);
                }
            })
            .map_err(ChainError::Thread)?;
        let chain = Chain {
            retire: Some(retire),
            retirer: Some(retirer),
            time_offset_ms,
            storage,
            runtime,
            mempool: Mempool::new(pool),
            genesis_hash: expected,
            dev: genesis.spec.dev,
            heads: tokio::sync::watch::Sender::new(head.height),
            indexed: tokio::sync::watch::Sender::new(storage_indexed),
            head: RwLock::new(head),
        };
        chain.restore_pending()?;
        Ok(Arc::new(chain))
    }

    /// The time a proposer puts in a block: the wall clock, plus the dev offset on dev chains.
    pub fn now_ms(&self) -> u64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        #[cfg(feature = "failpoints")]
        let wall = skewed(wall);
        wall.saturating_add(self.time_offset_ms.load(Ordering::Relaxed))
    }

    /// Moves a dev chain's clock forward; `None` on any other chain or past the limit.
    pub fn advance_time(&self, ms: u64) -> Result<Option<u64>, ChainError> {
        if !self.dev {
            return Ok(None);
        }
        let offset = self.time_offset_ms.load(Ordering::Relaxed).saturating_add(ms);
        if offset > MAX_DEV_TIME_OFFSET_MS {
            return Ok(None);
        }
        self.storage.set_dev_time_offset(offset)?;
        self.time_offset_ms.store(offset, Ordering::Relaxed);
        tracing::info!(target: "scf::chain", offset_ms = offset, "dev clock advanced");
        Ok(Some(offset))
    }

    pub fn head(&self) -> BlockHeader {
        self.head.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Durably commits a decided block with what executing it produced, then makes it the
    /// head. The one way state advances: consensus calls it for each decided block (and the
    /// block-path benchmark, to measure exactly this path).
    ///
    /// Filling the Merkle-node cache with the block's nodes and freeing its execution results
    /// (tens of thousands of tree nodes and values) were an eighth of the serial block path;
    /// neither affects what the next block computes, so a background thread does both.
    pub fn commit(
        &self,
        block: &Block,
        executed: ExecutedBlock,
        certificate: &[u8],
    ) -> Result<(), StorageError> {
        // Named crash points (feature `failpoints`, tests only): the decision is in the consensus
        // WAL and the block among the undecided ones, but nothing of it is committed...
        fail::fail_point!("commit.before_write");
        let writing = std::time::Instant::now();
        let parent_timestamp_ms = self.head().timestamp_ms;
        self.storage.commit_block(block, &executed.receipts, &executed.state, certificate)?;
        // ...the block is durable, the in-memory head not yet moved...
        fail::fail_point!("commit.after_write");
        *self.head.write().unwrap_or_else(|p| p.into_inner()) = block.header.clone();
        // ...the head moved, the pool not yet pruned, the engine not yet told.
        fail::fail_point!("commit.after_head");
        self.heads.send_replace(block.header.height);
        crate::metrics::metrics().block_committed(
            block.header.height,
            block.transactions.len(),
            block.header.timestamp_ms.saturating_sub(parent_timestamp_ms),
            writing.elapsed(),
        );
        let sent = match &self.retire {
            Some(retire) => retire.send(executed).map_err(|e| e.0),
            None => Err(executed),
        };
        if let Err(executed) = sent {
            // The retiring thread is gone (it panicked): do its work here.
            self.storage.cache_nodes(&executed.state);
        }
        Ok(())
    }

    /// Notified with the new head's height at every commit.
    pub fn subscribe_heads(&self) -> tokio::sync::watch::Receiver<Height> {
        self.heads.subscribe()
    }

    /// The height up to which the readers' index is built.
    pub fn indexed_height(&self) -> Height {
        *self.indexed.borrow()
    }

    pub fn head_height(&self) -> Height {
        self.head().height
    }

    pub fn state(&self) -> Arc<dyn StateStore> {
        Arc::new(self.storage.clone())
    }

    pub fn nonce(&self, account: &AccountId) -> Result<Nonce, RuntimeError> {
        Runtime::nonce(&self.storage, account)
    }

    /// Context in which read-only queries run: the head block's height and time.
    pub fn query_context(&self) -> BlockContext {
        let head = self.head();
        BlockContext { height: head.height, timestamp_ms: head.timestamp_ms }
    }

    /// Checks a transaction and admits it to the pool. Once this returns its hash, the
    /// transaction is recorded: it is still pending after the node restarts (until it is
    /// committed, or leaves the pool: expired, evicted, or made impossible by a committed one).
    pub fn submit(&self, tx: SignedTransaction) -> Result<Hash, SubmitError> {
        self.submit_batch(vec![tx]).pop().expect("one result per transaction")
    }

    /// Admits transactions that arrived together (a gossip message, an RPC batch): each is
    /// checked as `submit` would, and the admitted ones are recorded in one write. Returns one
    /// result per transaction, in order.
    pub fn submit_batch(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash, SubmitError>> {
        let next_height = self.head_height() + 1;
        let mut results: Vec<Result<Hash, SubmitError>> = Vec::with_capacity(txs.len());
        // (position in `results`, transaction, hash, encoding) of those not already pending and
        // well formed.
        let mut fresh = Vec::with_capacity(txs.len());
        for tx in txs {
            let (encoded, hash) = tx.encoded_with_hash();
            // Gossip brings most transactions more than once (and clients resend): a pending
            // one costs a hash, not a signature verification, state reads and a write.
            if self.mempool.contains(&hash) {
                results.push(Err(PoolError::Duplicate(hash).into()));
                continue;
            }
            if let Err(e) = self.runtime.check_form(&tx, encoded.len()) {
                results.push(Err(SubmitError::Invalid(e)));
                continue;
            }
            // A placeholder, replaced below.
            results.push(Ok(hash));
            fresh.push((results.len() - 1, tx, hash, encoded));
        }
        // Their signatures together: one batch under the cofactored rule (ADR 0011).
        let signatures = {
            let refs: Vec<&SignedTransaction> = fresh.iter().map(|(_, tx, ..)| tx).collect();
            let hashes: Vec<Hash> = fresh.iter().map(|(_, _, hash, _)| *hash).collect();
            self.runtime.verify_signatures(&refs, &hashes, next_height, false)
        };
        let mut admitted = Vec::with_capacity(fresh.len());
        for ((i, tx, hash, encoded), signature_ok) in fresh.into_iter().zip(signatures) {
            match self.runtime.check_admission(
                &self.storage,
                &tx,
                encoded.len(),
                &hash,
                next_height,
                Some(signature_ok),
            ) {
                Ok(()) => admitted.push((i, tx, hash, encoded)),
                Err(CheckError::Invalid(e)) => results[i] = Err(SubmitError::Invalid(e)),
                Err(CheckError::Node(e)) => results[i] = Err(SubmitError::Node(e)),
            }
        }
        // Recorded before they enter the pool: a transaction a client saw admitted is never
        // missing from the record.
        if let Err(e) = self.storage.put_pending(admitted.iter().map(|(_, _, h, e)| (h, e.as_slice()))) {
            let message = scf_runtime::StoreError::from(e).0;
            for (i, ..) in admitted {
                results[i] =
                    Err(SubmitError::Node(RuntimeError::Store(scf_runtime::StoreError(message.clone()))));
            }
            return results;
        }
        let mut unrecord = Vec::new();
        for (i, tx, hash, encoded) in admitted {
            match self.mempool.insert(tx, hash, encoded.len()) {
                Ok(evicted) => unrecord.extend(evicted),
                // The same transaction, admitted meanwhile by another caller (or twice in this
                // batch): its record stays.
                Err(e @ PoolError::Duplicate(_)) => results[i] = Err(e.into()),
                Err(e) => {
                    unrecord.push(hash);
                    results[i] = Err(e.into());
                }
            }
        }
        self.forget_pending(&unrecord);
        results
    }

    /// Removes transactions that left the pool from its record. A failure only leaves records
    /// that the next start checks again and drops.
    pub fn forget_pending(&self, hashes: &[Hash]) {
        if let Err(e) = self.storage.delete_pending(hashes) {
            tracing::warn!(target: "scf::chain", error = %e, "cannot remove transactions from the pool's record");
        }
    }

    /// Puts the recorded pool back after a start: each transaction is checked again against
    /// committed state (those committed or made impossible meanwhile are dropped). Returns how
    /// many are pending again.
    fn restore_pending(&self) -> Result<usize, ChainError> {
        let mut recorded = self.storage.pending()?;
        // In nonce order per sender, so that each sender's run is rebuilt as it was.
        recorded.sort_by_key(|(_, tx)| (tx.tx.sender, tx.tx.nonce));
        let (total, mut dropped) = (recorded.len(), Vec::new());
        for (hash, tx) in recorded {
            let admitted = match self.runtime.check_transaction(&self.storage, &tx, self.head_height() + 1) {
                Ok(checked) if checked == hash => {
                    let bytes = borsh::object_length(&tx).unwrap_or(usize::MAX);
                    self.mempool.insert(tx, hash, bytes).is_ok()
                }
                Ok(_) | Err(CheckError::Invalid(_)) => false,
                Err(CheckError::Node(e)) => return Err(e.into()),
            };
            if !admitted {
                dropped.push(hash);
            }
        }
        self.forget_pending(&dropped);
        let restored = total - dropped.len();
        if total > 0 {
            tracing::info!(target: "scf::chain", restored, dropped = dropped.len(), "transaction pool restored from the data directory");
        }
        Ok(restored)
    }
}

/// A dev chain and calls to sign on it, for the node's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use scf_primitives::{crypto::Keypair, ContractAddress, Payload, Transaction};

    pub(crate) fn dev_chain(dir: &std::path::Path) -> Arc<Chain> {
        let genesis =
            Genesis::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../genesis/dev.json"))
                .unwrap();
        let storage = Storage::open(&dir.join("db"), &genesis.spec.chain_id).unwrap();
        Chain::open(storage, &genesis, PoolLimits::default()).unwrap()
    }

    /// A call by the dev key `who` with `nonce` (to a contract that need not exist: admission
    /// does not run it).
    pub(crate) fn call(chain: &Chain, who: &str, nonce: u64) -> SignedTransaction {
        let key = Keypair::dev(who);
        key.sign_transaction(Transaction {
            chain_id: chain.runtime.params().chain_id.clone(),
            sender: key.account_id(),
            nonce,
            payload: Payload::Call {
                contract: ContractAddress::system("x"),
                method: "m".into(),
                args: vec![],
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{call, dev_chain};
    use super::*;

    #[test]
    fn a_batch_is_checked_transaction_by_transaction_and_its_admitted_ones_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let chain = dev_chain(dir.path());
        let first = call(&chain, "core", 0);
        let mut forged = call(&chain, "supplier1", 0);
        forged.tx.nonce = 7; // signed for nonce 0
        let second = call(&chain, "core", 1);

        let results = chain.submit_batch(vec![first.clone(), first.clone(), forged, second.clone()]);
        assert_eq!(results.len(), 4, "one result per transaction");
        assert_eq!(results[0].as_ref().unwrap(), &first.hash());
        assert!(matches!(results[1], Err(SubmitError::Pool(PoolError::Duplicate(_)))), "{:?}", results[1]);
        assert!(
            matches!(results[2], Err(SubmitError::Invalid(scf_primitives::TxError::BadSignature))),
            "{:?}",
            results[2]
        );
        assert_eq!(results[3].as_ref().unwrap(), &second.hash());

        // The admitted two are pending and recorded; nothing else is.
        assert_eq!(chain.mempool.len(), 2);
        let mut recorded: Vec<Hash> = chain.storage.pending().unwrap().into_iter().map(|(h, _)| h).collect();
        recorded.sort();
        let mut expected = vec![first.hash(), second.hash()];
        expected.sort();
        assert_eq!(recorded, expected);

        // One at a time is the same path: a pending transaction is refused as such.
        assert!(matches!(chain.submit(first), Err(SubmitError::Pool(PoolError::Duplicate(_)))));
    }
}
