//! Pending transactions, by sender and nonce, within bounds no sender can monopolise.
//!
//! - **Bounds:** the pool holds at most `max_txs` transactions and `max_bytes` encoded bytes; one
//!   sender at most `max_txs_per_sender` and `max_bytes_per_sender`.
//! - **Eviction:** when the pool is full, a newcomer whose sender holds fewer transactions than
//!   the sender holding the most evicts that sender's highest-nonce transactions (the last it
//!   could execute) until there is room; otherwise it is refused (`pool_full`). So a flood from
//!   one key can fill the pool only until someone else sends.
//! - **Expiry:** a transaction that cannot execute (a nonce gap before it) leaves after
//!   `future_ttl`; executable ones stay until a block takes them.
//! - **Selection:** a block takes, for each sender, the run of consecutive nonces starting at the
//!   sender's next nonce (so it never contains a transaction that must fail for its nonce), one
//!   transaction per sender per round: senders with fewer pending transactions first, then the
//!   one waiting longest. A busy sender cannot push a quiet one out of a block.
//!
//! Only this node's policy: which transactions wait here never changes what a block computes.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Mutex,
    time::{Duration, Instant},
};

use scf_primitives::{AccountId, Hash, Nonce, SignedTransaction};
use tokio::sync::Notify;

/// How much the pool holds.
#[derive(Clone, Debug)]
pub struct PoolLimits {
    pub max_txs: usize,
    pub max_bytes: usize,
    pub max_txs_per_sender: usize,
    pub max_bytes_per_sender: usize,
    /// How long a transaction that cannot execute yet may wait for the gap before it to fill.
    pub future_ttl: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            max_txs: 100_000,
            max_bytes: 256 * 1024 * 1024,
            max_txs_per_sender: 4_096,
            max_bytes_per_sender: 32 * 1024 * 1024,
            future_ttl: Duration::from_secs(600),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoolError {
    #[error("the transaction pool is full ({txs} transactions, {bytes} bytes); retry later")]
    Full { txs: usize, bytes: usize },
    #[error(
        "{sender} already has {txs} transactions ({bytes} bytes) pending, the most one sender may \
         have ({max_txs} transactions, {max_bytes} bytes); wait for them to be committed"
    )]
    SenderQuota { sender: AccountId, txs: usize, bytes: usize, max_txs: usize, max_bytes: usize },
    #[error("transaction {0} is already pending")]
    Duplicate(Hash),
    #[error("another transaction from {sender} with nonce {nonce} is already pending")]
    NonceTaken { sender: AccountId, nonce: Nonce },
}

struct Entry {
    hash: Hash,
    tx: SignedTransaction,
    bytes: usize,
    arrived: Instant,
    /// Arrival order in this pool.
    seq: u64,
}

#[derive(Default)]
struct SenderQueue {
    txs: BTreeMap<Nonce, Entry>,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    by_hash: HashMap<Hash, (AccountId, Nonce)>,
    by_sender: BTreeMap<AccountId, SenderQueue>,
    /// (pending count, sender) of every sender: the largest is the one eviction takes from.
    by_load: BTreeSet<(usize, AccountId)>,
    bytes: usize,
    next_seq: u64,
}

impl Inner {
    fn remove(&mut self, sender: &AccountId, nonce: Nonce) -> Option<Entry> {
        let queue = self.by_sender.get_mut(sender)?;
        let before = queue.txs.len();
        let entry = queue.txs.remove(&nonce)?;
        queue.bytes -= entry.bytes;
        self.bytes -= entry.bytes;
        self.by_hash.remove(&entry.hash);
        self.by_load.remove(&(before, *sender));
        if queue.txs.is_empty() {
            self.by_sender.remove(sender);
        } else {
            self.by_load.insert((before - 1, *sender));
        }
        Some(entry)
    }

    fn full(&self, limits: &PoolLimits, bytes: usize) -> bool {
        self.by_hash.len() >= limits.max_txs || self.bytes + bytes > limits.max_bytes
    }
}

pub struct Mempool {
    inner: Mutex<Inner>,
    limits: PoolLimits,
    /// Wakes a proposer waiting for transactions.
    pub arrived: Notify,
}

impl Mempool {
    pub fn new(limits: PoolLimits) -> Mempool {
        Mempool { inner: Mutex::new(Inner::default()), limits, arrived: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a transaction that already passed the runtime's checks, which computed its hash
    /// (`hash` must be `tx.hash()`) and its encoded size (`bytes`). Returns the transactions it
    /// evicted.
    pub fn insert(&self, tx: SignedTransaction, hash: Hash, bytes: usize) -> Result<Vec<Hash>, PoolError> {
        let (sender, nonce) = (tx.tx.sender, tx.tx.nonce);
        let limits = &self.limits;
        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(PoolError::Duplicate(hash));
        }
        let (held, held_bytes) = match inner.by_sender.get(&sender) {
            Some(queue) if queue.txs.contains_key(&nonce) => {
                return Err(PoolError::NonceTaken { sender, nonce })
            }
            Some(queue) => (queue.txs.len(), queue.bytes),
            None => (0, 0),
        };
        if held >= limits.max_txs_per_sender || held_bytes + bytes > limits.max_bytes_per_sender {
            return Err(PoolError::SenderQuota {
                sender,
                txs: held,
                bytes: held_bytes,
                max_txs: limits.max_txs_per_sender,
                max_bytes: limits.max_bytes_per_sender,
            });
        }
        let mut evicted = Vec::new();
        while inner.full(limits, bytes) {
            // Evict from the busiest sender, if it is busier than this one will be.
            let Some(&(load, busiest)) = inner.by_load.last() else { break };
            if load <= held + 1 {
                break;
            }
            let Some(last) = inner.by_sender.get(&busiest).and_then(|q| q.txs.keys().next_back().copied())
            else {
                break;
            };
            if let Some(gone) = inner.remove(&busiest, last) {
                tracing::debug!(target: "scf::pool", sender = %busiest, nonce = last, hash = %gone.hash, "evicted for a less busy sender");
                evicted.push(gone.hash);
            }
        }
        if inner.full(limits, bytes) {
            return Err(PoolError::Full { txs: limits.max_txs, bytes: limits.max_bytes });
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let entry = Entry { hash, tx, bytes, arrived: Instant::now(), seq };
        let queue = inner.by_sender.entry(sender).or_default();
        queue.txs.insert(nonce, entry);
        queue.bytes += bytes;
        inner.by_load.remove(&(held, sender));
        inner.by_load.insert((held + 1, sender));
        inner.bytes += bytes;
        inner.by_hash.insert(hash, (sender, nonce));
        drop(inner);
        self.arrived.notify_one();
        Ok(evicted)
    }

    pub fn contains(&self, hash: &Hash) -> bool {
        self.lock().by_hash.contains_key(hash)
    }

    pub fn get(&self, hash: &Hash) -> Option<SignedTransaction> {
        let inner = self.lock();
        let (sender, nonce) = inner.by_hash.get(hash)?;
        inner.by_sender.get(sender)?.txs.get(nonce).map(|e| e.tx.clone())
    }

    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    /// Encoded bytes of all pending transactions.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `max` executable transactions: for each sender, consecutive nonces from
    /// `next_nonce(sender)`, interleaved one per sender per round (see the module's doc).
    pub fn select(
        &self,
        max: usize,
        mut next_nonce: impl FnMut(&AccountId) -> Nonce,
    ) -> Vec<SignedTransaction> {
        let inner = self.lock();
        let mut runs: Vec<Vec<&Entry>> = inner
            .by_sender
            .iter()
            .filter_map(|(sender, queue)| {
                let next = next_nonce(sender);
                // Stop at the first gap: a later nonce cannot execute before it is filled.
                let run: Vec<&Entry> = (next..)
                    .zip(queue.txs.range(next..))
                    .take_while(|(expected, (nonce, _))| expected == *nonce)
                    .map(|(_, (_, entry))| entry)
                    .collect();
                (!run.is_empty()).then_some(run)
            })
            .collect();
        runs.sort_by_key(|run| (run.len(), run[0].seq));
        let mut out = Vec::new();
        for round in 0.. {
            let mut took = false;
            for run in runs.iter().filter(|run| run.len() > round) {
                if out.len() >= max {
                    return out;
                }
                out.push(run[round].tx.clone());
                took = true;
            }
            if !took {
                break;
            }
        }
        out
    }

    /// Every pending transaction.
    pub fn all(&self) -> Vec<SignedTransaction> {
        self.lock().by_sender.values().flat_map(|q| q.txs.values().map(|e| e.tx.clone())).collect()
    }

    /// Drops every transaction whose nonce is below its sender's next nonce (committed, or
    /// made impossible by a committed one), and those that could not execute for `future_ttl`,
    /// among the transactions of `senders` (`None`: of every sender). Returns the hashes it
    /// dropped.
    ///
    /// Only a sender's own transactions move its nonce, so after a block only the block's
    /// senders can have any to drop: reading the next nonce of every sender in the pool at
    /// every block (thousands of them under load) cost milliseconds per block on each node.
    pub fn prune(
        &self,
        senders: Option<&BTreeSet<AccountId>>,
        mut next_nonce: impl FnMut(&AccountId) -> Nonce,
    ) -> Vec<Hash> {
        let mut inner = self.lock();
        let mut gone = Vec::new();
        let queues: Box<dyn Iterator<Item = (&AccountId, &SenderQueue)>> = match senders {
            Some(senders) => Box::new(senders.iter().filter_map(|s| inner.by_sender.get_key_value(s))),
            None => Box::new(inner.by_sender.iter()),
        };
        for (sender, queue) in queues {
            let next = next_nonce(sender);
            let mut expected = next;
            for (&nonce, entry) in &queue.txs {
                if nonce < next {
                    gone.push((*sender, nonce));
                } else if nonce == expected {
                    expected += 1;
                } else if entry.arrived.elapsed() >= self.limits.future_ttl {
                    gone.push((*sender, nonce));
                }
            }
        }
        gone.into_iter().filter_map(|(sender, nonce)| inner.remove(&sender, nonce)).map(|e| e.hash).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scf_primitives::{crypto::Keypair, ContractAddress, Payload, Transaction};

    fn tx_with(who: &str, nonce: u64, args: usize) -> SignedTransaction {
        let key = Keypair::dev(who);
        key.sign_transaction(Transaction {
            chain_id: "t".into(),
            sender: key.account_id(),
            nonce,
            payload: Payload::Call {
                contract: ContractAddress::system("x"),
                method: "m".into(),
                args: vec![0; args],
            },
        })
    }

    fn tx(who: &str, nonce: u64) -> SignedTransaction {
        tx_with(who, nonce, 0)
    }

    fn add(pool: &Mempool, t: SignedTransaction) -> Result<Hash, PoolError> {
        let (hash, bytes) = (t.hash(), borsh::object_length(&t).unwrap());
        pool.insert(t, hash, bytes).map(|_| hash)
    }

    fn limits(max_txs: usize, max_txs_per_sender: usize) -> PoolLimits {
        PoolLimits { max_txs, max_txs_per_sender, ..PoolLimits::default() }
    }

    fn senders(txs: &[SignedTransaction]) -> Vec<(String, u64)> {
        txs.iter()
            .map(|t| (Keypair::dev_key_name(&t.tx.sender).unwrap_or("?").to_string(), t.tx.nonce))
            .collect()
    }

    #[test]
    fn selects_consecutive_nonces_and_prunes() {
        let pool = Mempool::new(limits(10, 10));
        for n in [0, 1, 3] {
            add(&pool, tx("supplier1", n)).unwrap();
        }
        let again = tx("supplier1", 1);
        assert_eq!(add(&pool, again.clone()), Err(PoolError::Duplicate(again.hash())));
        assert_eq!(
            add(&pool, tx_with("supplier1", 1, 3)),
            Err(PoolError::NonceTaken { sender: again.tx.sender, nonce: 1 })
        );
        let picked = pool.select(100, |_| 0);
        assert_eq!(
            picked.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(),
            vec![0, 1],
            "gap at 2 stops the run"
        );
        pool.prune(None, |_| 2);
        assert_eq!(pool.len(), 1);
        assert!(pool.select(100, |_| 2).is_empty());
    }

    #[test]
    fn selection_takes_one_per_sender_per_round_quiet_senders_first() {
        let pool = Mempool::new(limits(100, 100));
        for n in 0..3 {
            add(&pool, tx("supplier1", n)).unwrap();
        }
        add(&pool, tx("bank", 0)).unwrap();
        for n in 0..2 {
            add(&pool, tx("core", n)).unwrap();
        }
        let picked = senders(&pool.select(100, |_| 0));
        let expected =
            [("bank", 0), ("core", 0), ("supplier1", 0), ("core", 1), ("supplier1", 1), ("supplier1", 2)];
        assert_eq!(picked, expected.map(|(s, n)| (s.to_string(), n)));
        assert_eq!(senders(&pool.select(2, |_| 0)), senders(&pool.select(100, |_| 0))[..2]);
    }

    #[test]
    fn a_sender_is_held_to_its_quota() {
        let pool = Mempool::new(limits(100, 2));
        add(&pool, tx("supplier1", 5)).unwrap();
        add(&pool, tx("supplier1", 6)).unwrap();
        assert!(matches!(
            add(&pool, tx("supplier1", 7)),
            Err(PoolError::SenderQuota { txs: 2, max_txs: 2, .. })
        ));
        add(&pool, tx("bank", 0)).expect("others are not affected");

        let size = borsh::object_length(&tx_with("core", 0, 1_000)).unwrap();
        let pool = Mempool::new(PoolLimits { max_bytes_per_sender: 2 * size, ..PoolLimits::default() });
        add(&pool, tx_with("core", 0, 1_000)).unwrap();
        add(&pool, tx_with("core", 1, 1_000)).unwrap();
        assert!(matches!(add(&pool, tx_with("core", 2, 1_000)), Err(PoolError::SenderQuota { txs: 2, .. })));
    }

    #[test]
    fn a_full_pool_evicts_the_busiest_senders_last_transactions_for_a_quieter_one() {
        let pool = Mempool::new(limits(4, 10));
        for n in 0..4 {
            add(&pool, tx("supplier1", 100 + n)).unwrap();
        }
        // A quieter sender gets in: the busiest loses its highest nonce.
        add(&pool, tx("bank", 0)).unwrap();
        assert_eq!(pool.len(), 4);
        assert!(!pool.contains(&tx("supplier1", 103).hash()));
        assert!(pool.contains(&tx("supplier1", 100).hash()));
        add(&pool, tx("core", 0)).unwrap();
        assert!(!pool.contains(&tx("supplier1", 102).hash()));
        // supplier1 holds two, bank and core one each: bank's second would make it as busy as
        // the busiest, so it is refused rather than evicting.
        assert_eq!(
            add(&pool, tx("bank", 1)),
            Err(PoolError::Full { txs: 4, bytes: PoolLimits::default().max_bytes })
        );
        assert_eq!(pool.len(), 4);

        let size = borsh::object_length(&tx_with("core", 0, 1_000)).unwrap();
        let pool = Mempool::new(PoolLimits { max_bytes: 3 * size, ..PoolLimits::default() });
        for n in 0..3 {
            add(&pool, tx_with("supplier1", n, 1_000)).unwrap();
        }
        add(&pool, tx_with("bank", 0, 1_000)).expect("bytes are a limit too, with the same eviction");
        assert_eq!(pool.bytes(), 3 * size);
    }

    #[test]
    fn transactions_that_cannot_execute_expire() {
        let pool = Mempool::new(PoolLimits { future_ttl: Duration::ZERO, ..PoolLimits::default() });
        for n in [0, 1, 5, 6] {
            add(&pool, tx("supplier1", n)).unwrap();
        }
        // Nonces 0 and 1 can execute (next is 0); 5 and 6 wait behind a gap and have waited
        // their (zero) time.
        pool.prune(None, |_| 0);
        assert_eq!(
            senders(&pool.select(100, |_| 0)),
            [("supplier1".to_string(), 0), ("supplier1".to_string(), 1)]
        );
        assert_eq!(pool.len(), 2);

        let patient = Mempool::new(PoolLimits::default());
        for n in [0, 5] {
            add(&patient, tx("supplier1", n)).unwrap();
        }
        patient.prune(None, |_| 0);
        assert_eq!(patient.len(), 2, "within its time a future transaction stays");
    }

    #[test]
    fn pruning_after_a_block_reads_only_its_senders_nonces() {
        let pool = Mempool::new(PoolLimits::default());
        for (who, n) in [("supplier1", 0), ("supplier1", 1), ("supplier2", 0)] {
            add(&pool, tx(who, n)).unwrap();
        }
        let supplier1 = Keypair::dev("supplier1").account_id();
        let mut read = Vec::new();
        let dropped = pool.prune(Some(&BTreeSet::from([supplier1])), |s| {
            read.push(*s);
            1
        });
        assert_eq!(dropped, vec![tx("supplier1", 0).hash()]);
        assert_eq!(read, vec![supplier1], "only the block's senders' nonces are read");
        assert_eq!(pool.len(), 2, "supplier2's transaction waits for a full sweep");
        pool.prune(None, |_| 1);
        assert_eq!(senders(&pool.select(100, |_| 1)), [("supplier1".to_string(), 1)]);
    }
}
