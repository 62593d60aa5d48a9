//! The admission queue: transactions submitted over RPC wait here and are admitted in batches
//! (`Chain::submit_batch`) by a few worker threads, one per core. Under load, each batch is
//! checked in one pass and recorded in one write, rather than with one blocking task and one
//! write per transaction. When the node is idle a batch is a single transaction, so admission
//! adds no waiting.
//!
//! Must not: hold a transaction without answering its caller (each gets its own result, or an
//! error if the node is stopping), or grow without bound (the queue has a fixed capacity and a
//! full queue makes callers wait, under the RPC call time limit).
use std::sync::{Arc, Mutex};

use scf_primitives::{Hash, SignedTransaction};
use tokio::sync::{mpsc, oneshot};

use crate::chain::{Chain, SubmitError};

/// Requests waiting for a worker; callers wait (not fail) beyond this.
const QUEUE_CAPACITY: usize = 8_192;
/// Transactions a worker gathers for one batch (the largest JSON-RPC batch); a gossiped message
/// larger than this is still admitted whole.
const MAX_BATCH: usize = scf_rpc_api::MAX_BATCH_LEN as usize;

type Verdict = Result<Hash, SubmitError>;

/// One caller's transactions: a single RPC submission, or a gossiped message's whole batch.
enum Request {
    One(SignedTransaction, oneshot::Sender<Verdict>),
    Many(Vec<SignedTransaction>, oneshot::Sender<Vec<Verdict>>),
}

impl Request {
    fn len(&self) -> usize {
        match self {
            Request::One(..) => 1,
            Request::Many(txs, _) => txs.len(),
        }
    }
}

/// A handle on the queue. The workers stop once every handle is dropped.
#[derive(Clone)]
pub struct Admission {
    queue: mpsc::Sender<Request>,
}

#[derive(Debug, thiserror::Error)]
#[error("the node is stopping: transaction admission has ended")]
pub struct AdmissionClosed;

impl Admission {
    /// Starts one worker per core (at most four).
    pub fn start(chain: Arc<Chain>) -> std::io::Result<Admission> {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        for i in 0..workers {
            let (chain, receiver) = (chain.clone(), receiver.clone());
            std::thread::Builder::new()
                .name(format!("admission-{i}"))
                .spawn(move || work(&chain, &receiver))?;
        }
        Ok(Admission { queue })
    }

    /// Admits `tx` as `Chain::submit` does, in a batch with whatever else is waiting.
    pub async fn submit(&self, tx: SignedTransaction) -> Result<Verdict, AdmissionClosed> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Request::One(tx, reply)).await.map_err(|_| AdmissionClosed)?;
        answer.await.map_err(|_| AdmissionClosed)
    }

    /// Admits `txs` as `Chain::submit_batch` does (a verdict per transaction, in order), in a
    /// batch with whatever else is waiting.
    pub async fn submit_all(&self, txs: Vec<SignedTransaction>) -> Result<Vec<Verdict>, AdmissionClosed> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Request::Many(txs, reply)).await.map_err(|_| AdmissionClosed)?;
        answer.await.map_err(|_| AdmissionClosed)
    }
}

/// A worker: takes what is waiting (up to `MAX_BATCH` transactions, or one larger request),
/// admits it as one batch, answers each caller.
fn work(chain: &Chain, receiver: &Mutex<mpsc::Receiver<Request>>) {
    loop {
        let batch = {
            // One worker waits on the queue at a time; the others wait for the lock, and are
            // idle either way.
            let mut receiver = receiver.lock().unwrap_or_else(|p| p.into_inner());
            let Some(first) = receiver.blocking_recv() else { return };
            let mut gathered = first.len();
            let mut batch = vec![first];
            while gathered < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(request) => {
                        gathered += request.len();
                        batch.push(request);
                    }
                    Err(_) => break,
                }
            }
            batch
        };
        let mut txs = Vec::with_capacity(batch.iter().map(Request::len).sum());
        let mut replies = Vec::with_capacity(batch.len());
        for request in batch {
            match request {
                Request::One(tx, reply) => {
                    txs.push(tx);
                    replies.push(Reply::One(reply));
                }
                Request::Many(many, reply) => {
                    replies.push(Reply::Many(many.len(), reply));
                    txs.extend(many);
                }
            }
        }
        // A panic would be a bug; it must cost its batch (whose callers see an error), not the
        // worker.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| chain.submit_batch(txs))) {
            Ok(results) => {
                let mut results = results.into_iter();
                for reply in replies {
                    match reply {
                        Reply::One(reply) => {
                            if let Some(result) = results.next() {
                                let _ = reply.send(result);
                            }
                        }
                        Reply::Many(n, reply) => {
                            let _ = reply.send(results.by_ref().take(n).collect());
                        }
                    }
                }
            }
            Err(_) => {
                tracing::error!(target: "scf::chain", "transaction admission panicked; its batch was refused")
            }
        }
    }
}

/// Where a batch's verdicts go back to: one caller's share each.
enum Reply {
    One(oneshot::Sender<Verdict>),
    Many(usize, oneshot::Sender<Vec<Verdict>>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::test_support::{call, dev_chain};
    use crate::mempool::PoolError;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_caller_gets_the_verdicts_of_its_own_transactions_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let chain = dev_chain(dir.path());
        let admission = Admission::start(chain.clone()).unwrap();
        let (a0, a1) = (call(&chain, "core", 0), call(&chain, "core", 1));
        let mut forged = call(&chain, "supplier1", 0);
        forged.tx.nonce = 5; // signed for nonce 0
        let single = call(&chain, "supplier2", 0);

        // Submitted at once, so a worker may gather them into one batch; each caller must still
        // get exactly its own verdicts.
        let (many, one, again) = tokio::join!(
            admission.submit_all(vec![a0.clone(), forged, a1.clone()]),
            admission.submit(single.clone()),
            admission.submit_all(vec![single.clone(), a0.clone()]),
        );
        let many = many.unwrap();
        assert_eq!(many.len(), 3);
        assert_eq!(many[0].as_ref().unwrap(), &a0.hash());
        assert!(
            matches!(many[1], Err(SubmitError::Invalid(scf_primitives::TxError::BadSignature))),
            "{:?}",
            many[1]
        );
        assert_eq!(many[2].as_ref().unwrap(), &a1.hash());
        let again = again.unwrap();
        assert_eq!(again.len(), 2);
        // `single` is admitted once: by whichever of its two submissions came first.
        let single_ok = [one.unwrap().is_ok(), again[0].is_ok()];
        assert_eq!(single_ok.iter().filter(|ok| **ok).count(), 1, "{single_ok:?}");
        assert!(matches!(again[1], Err(SubmitError::Pool(PoolError::Duplicate(_)))), "{:?}", again[1]);
        assert_eq!(chain.mempool.len(), 3);

        // An empty gossip batch is answered, not left waiting.
        assert!(admission.submit_all(Vec::new()).await.unwrap().is_empty());
    }
}
