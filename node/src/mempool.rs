//! Pending transactions, by sender and nonce. A block takes, for each sender, the run of
//! consecutive nonces starting at the sender's next nonce, so a block never contains a
//! transaction that must fail for its nonce.
use std::{
    collections::{BTreeMap, HashMap},
    sync::Mutex,
};

use scf_primitives::{AccountId, Hash, Nonce, SignedTransaction};
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoolError {
    #[error("the transaction pool is full ({0} transactions); retry later")]
    Full(usize),
    #[error("transaction {0} is already pending")]
    Duplicate(Hash),
    #[error("another transaction from {sender} with nonce {nonce} is already pending")]
    NonceTaken { sender: AccountId, nonce: Nonce },
}

#[derive(Default)]
struct Inner {
    by_hash: HashMap<Hash, (AccountId, Nonce)>,
    by_sender: BTreeMap<AccountId, BTreeMap<Nonce, (Hash, SignedTransaction)>>,
}

pub struct Mempool {
    inner: Mutex<Inner>,
    capacity: usize,
    /// Wakes a proposer waiting for transactions.
    pub arrived: Notify,
}

impl Mempool {
    pub fn new(capacity: usize) -> Mempool {
        Mempool { inner: Mutex::new(Inner::default()), capacity, arrived: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a transaction that already passed the runtime's checks, which computed its hash
    /// (`hash` must be `tx.hash()`).
    pub fn insert(&self, tx: SignedTransaction, hash: Hash) -> Result<Hash, PoolError> {
        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(PoolError::Duplicate(hash));
        }
        if inner.by_hash.len() >= self.capacity {
            return Err(PoolError::Full(self.capacity));
        }
        let (sender, nonce) = (tx.tx.sender, tx.tx.nonce);
        let slot = inner.by_sender.entry(sender).or_default();
        if slot.contains_key(&nonce) {
            return Err(PoolError::NonceTaken { sender, nonce });
        }
        slot.insert(nonce, (hash, tx));
        inner.by_hash.insert(hash, (sender, nonce));
        drop(inner);
        self.arrived.notify_one();
        Ok(hash)
    }

    pub fn contains(&self, hash: &Hash) -> bool {
        self.lock().by_hash.contains_key(hash)
    }

    pub fn get(&self, hash: &Hash) -> Option<SignedTransaction> {
        let inner = self.lock();
        let (sender, nonce) = inner.by_hash.get(hash)?;
        inner.by_sender.get(sender)?.get(nonce).map(|(_, tx)| tx.clone())
    }

    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `max` executable transactions: for each sender, consecutive nonces from
    /// `next_nonce(sender)`.
    pub fn select(
        &self,
        max: usize,
        mut next_nonce: impl FnMut(&AccountId) -> Nonce,
    ) -> Vec<SignedTransaction> {
        let inner = self.lock();
        let mut out = Vec::new();
        for (sender, txs) in &inner.by_sender {
            let next = next_nonce(sender);
            // Stop at the first gap: a later nonce cannot execute before it is filled.
            let run = (next..).zip(txs.range(next..)).take_while(|(expected, (nonce, _))| expected == *nonce);
            for (_, (_, (_, tx))) in run {
                if out.len() >= max {
                    return out;
                }
                out.push(tx.clone());
            }
        }
        out
    }

    /// Drops every transaction whose nonce is below its sender's next nonce (committed, or
    /// made impossible by a committed one).
    pub fn prune(&self, mut next_nonce: impl FnMut(&AccountId) -> Nonce) {
        let mut inner = self.lock();
        let Inner { by_hash, by_sender } = &mut *inner;
        by_sender.retain(|sender, txs| {
            let next = next_nonce(sender);
            let keep = txs.split_off(&next);
            for (_, (hash, _)) in txs.iter() {
                by_hash.remove(hash);
            }
            *txs = keep;
            !txs.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scf_primitives::{crypto::Keypair, ContractAddress, Payload, Transaction};

    fn tx(who: &str, nonce: u64) -> SignedTransaction {
        let key = Keypair::dev(who);
        key.sign_transaction(Transaction {
            chain_id: "t".into(),
            sender: key.account_id(),
            nonce,
            payload: Payload::Call {
                contract: ContractAddress::system("x"),
                method: "m".into(),
                args: vec![],
            },
        })
    }

    #[test]
    fn selects_consecutive_nonces_and_prunes() {
        let pool = Mempool::new(10);
        for n in [0, 1, 3] {
            let t = tx("a", n);
            pool.insert(t.clone(), t.hash()).unwrap();
        }
        let again = tx("a", 1);
        assert_eq!(pool.insert(again.clone(), again.hash()), Err(PoolError::Duplicate(again.hash())));
        let picked = pool.select(100, |_| 0);
        assert_eq!(
            picked.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(),
            vec![0, 1],
            "gap at 2 stops the run"
        );
        pool.prune(|_| 2);
        assert_eq!(pool.len(), 1);
        assert!(pool.select(100, |_| 2).is_empty());
    }

    #[test]
    fn capacity_is_enforced() {
        let pool = Mempool::new(1);
        let a = tx("a", 0);
        pool.insert(a.clone(), a.hash()).unwrap();
        let b = tx("b", 0);
        assert_eq!(pool.insert(b.clone(), b.hash()), Err(PoolError::Full(1)));
    }
}
