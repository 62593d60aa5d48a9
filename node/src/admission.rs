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

/// Submissions waiting for a worker; callers wait (not fail) beyond this.
const QUEUE_CAPACITY: usize = 8_192;
/// Most transactions a worker admits in one batch (the largest JSON-RPC batch).
const MAX_BATCH: usize = scf_rpc_api::MAX_BATCH_LEN as usize;

type Request = (SignedTransaction, oneshot::Sender<Result<Hash, SubmitError>>);

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
    pub async fn submit(&self, tx: SignedTransaction) -> Result<Result<Hash, SubmitError>, AdmissionClosed> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((tx, reply)).await.map_err(|_| AdmissionClosed)?;
        answer.await.map_err(|_| AdmissionClosed)
    }
}

/// A worker: takes what is waiting (up to `MAX_BATCH`), admits it, answers each caller.
fn work(chain: &Chain, receiver: &Mutex<mpsc::Receiver<Request>>) {
    loop {
        let batch = {
            // One worker waits on the queue at a time; the others wait for the lock, and are
            // idle either way.
            let mut receiver = receiver.lock().unwrap_or_else(|p| p.into_inner());
            let Some(first) = receiver.blocking_recv() else { return };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            batch
        };
        let (txs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        // A panic would be a bug; it must cost its batch (whose callers see an error), not the
        // worker.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| chain.submit_batch(txs))) {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(_) => {
                tracing::error!(target: "scf::chain", "transaction admission panicked; its batch was refused")
            }
        }
    }
}
