//! The transaction network: a libp2p swarm (TCP, Noise, Yamux, identify, gossipsub) that carries
//! submitted transactions from any node to every other, so they reach whichever validator
//! proposes next. Admission is by node key: a peer whose libp2p identity is not in the chain's
//! network membership (the registry's node list) is disconnected as soon as the Noise handshake
//! has proven its identity, and the refusal is logged. The membership is re-read from committed
//! state as blocks arrive, so an operator's `add_node` / `remove_node` takes effect on every node.
//!
//! Consensus messages and block sync travel on Malachite's own swarm (see `consensus`).
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use libp2p::{
    allow_block_list, futures::StreamExt, gossipsub, identify, identity, noise, swarm::NetworkBehaviour,
    swarm::SwarmEvent, tcp, yamux, Multiaddr, PeerId, Swarm,
};
use scf_primitives::{Hash, SignedTransaction, MAX_TX_BYTES};
use tokio::sync::mpsc;

use crate::{
    admission::Admission,
    chain::{Chain, SubmitError},
};

/// Transactions are batched for up to this long (or `BATCH_TXS`) before one gossip message.
/// Every message costs each peer a gossipsub delivery and an admission batch whatever it holds:
/// 50 ms rather than 20 ms took 7–11 % off each validator's CPU per transfer at 1,000/s
/// without raising latency, next to blocks at least 250 ms apart (docs/performance.md, session 20).
const BATCH_DELAY: Duration = Duration::from_millis(50);
const BATCH_TXS: usize = 500;
/// Largest gossip message: a full batch of large transactions is split before this.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// How often the membership is re-read and unconnected peers are redialled.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);
/// Most transactions kept for a later gossip while no peer can take them (see `Unsent`).
const MAX_UNSENT_TXS: usize = 100_000;
/// Gossiped messages being admitted by the admission workers at once. Beyond this the network
/// task admits a message itself, which slows its reading from peers (backpressure) instead of
/// queueing without bound.
const MAX_VALIDATING: usize = 64;

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    identify: identify::Behaviour,
    gossipsub: gossipsub::Behaviour,
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("invalid transaction network address {addr}: {reason}")]
    Address { addr: String, reason: String },
    #[error("transaction network: {0}")]
    Libp2p(String),
}

/// Sends locally submitted transactions to the network.
#[derive(Clone)]
pub struct TxAnnouncer(mpsc::Sender<SignedTransaction>);

impl TxAnnouncer {
    /// Queues `tx` for gossip. If the network task is overwhelmed the transaction still waits in
    /// this node's pool, so dropping the announcement loses nothing that was accepted.
    pub fn announce(&self, tx: SignedTransaction) {
        if self.0.try_send(tx).is_err() {
            tracing::warn!(target: "scf::net", "transaction gossip queue full; the transaction stays in the local pool");
        }
    }
}

/// The peers the transaction network is connected to (RPC `scf_getPeers`, readiness).
#[derive(Clone, Default)]
pub struct Peers(Arc<Mutex<BTreeMap<PeerId, Option<Multiaddr>>>>);

impl Peers {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<PeerId, Option<Multiaddr>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Each connected peer's id and the address of its connection.
    pub fn list(&self) -> Vec<(String, Option<String>)> {
        self.lock().iter().map(|(id, addr)| (id.to_string(), addr.as_ref().map(|a| a.to_string()))).collect()
    }

    fn set(&self, peer: PeerId, addr: Option<Multiaddr>) {
        let mut peers = self.lock();
        match addr {
            Some(addr) => peers.insert(peer, Some(addr)),
            None => peers.remove(&peer),
        };
        crate::metrics::metrics().tx_network_peers.set(peers.len() as i64);
    }
}

pub struct TxNetwork {
    pub announcer: TxAnnouncer,
    pub local_peer_id: PeerId,
    pub peers: Peers,
    task: tokio::task::JoinHandle<()>,
}

impl TxNetwork {
    pub fn stop(self) {
        self.task.abort();
    }
}

/// The libp2p peer id of an ed25519 node key (public).
pub fn peer_id_of(node_key: &scf_primitives::AccountId) -> Option<PeerId> {
    let key = identity::ed25519::PublicKey::try_from_bytes(&node_key.0).ok()?;
    Some(identity::PublicKey::from(key).to_peer_id())
}

/// The peer ids the chain's committed network membership admits (the registry's node list:
/// validators, and full nodes whose member is active), or `None` if it cannot be read. Both
/// swarms follow it: this transaction network, and the consensus network (`consensus::membership`).
pub fn membership(chain: &Chain) -> Option<BTreeSet<PeerId>> {
    match scf_runtime::admitted_nodes(&chain.storage) {
        Ok(nodes) => Some(nodes.iter().filter_map(|n| peer_id_of(&n.node_key)).collect()),
        Err(e) => {
            tracing::error!(target: "scf::net", error = %e, "cannot read the network membership");
            None
        }
    }
}

/// The peer ids admitted to the transaction network: nobody while the membership is unreadable
/// (transactions wait in the pool; nothing is lost by refusing a peer for a second).
fn admitted(chain: &Chain) -> BTreeSet<PeerId> {
    membership(chain).unwrap_or_default()
}

fn parse_addr(addr: &str) -> Result<Multiaddr, NetworkError> {
    addr.parse().map_err(|e: libp2p::multiaddr::Error| NetworkError::Address {
        addr: addr.to_string(),
        reason: e.to_string(),
    })
}

/// Starts the swarm on `listen`, dialling `peers`. Returns once it is listening.
pub async fn start(
    chain: Arc<Chain>,
    admission: Admission,
    node_key: [u8; 32],
    listen: &str,
    peers: &[String],
) -> Result<TxNetwork, NetworkError> {
    let keypair = identity::Keypair::ed25519_from_bytes(node_key)
        .map_err(|e| NetworkError::Libp2p(format!("invalid node key: {e}")))?;
    let local_peer_id = keypair.public().to_peer_id();
    let chain_id = chain.runtime.params().chain_id.clone();
    let topic = gossipsub::IdentTopic::new(format!("/scf/{chain_id}/tx/1"));
    let libp2p_err = |e: &dyn std::fmt::Display| NetworkError::Libp2p(e.to_string());

    let gossip_config = gossipsub::ConfigBuilder::default()
        .max_transmit_size(MAX_MESSAGE_BYTES + 64 * 1024)
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .heartbeat_interval(Duration::from_millis(500))
        .build()
        .map_err(|e| libp2p_err(&e))?;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| libp2p_err(&e))?
        .with_behaviour(|key| {
            let gossipsub = gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                gossip_config,
            )?;
            Ok(Behaviour {
                allowed: allow_block_list::Behaviour::default(),
                identify: identify::Behaviour::new(identify::Config::new(
                    format!("/scf/{chain_id}/1"),
                    key.public(),
                )),
                gossipsub,
            })
        })
        .map_err(|e| libp2p_err(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    swarm.behaviour_mut().gossipsub.subscribe(&topic).map_err(|e| libp2p_err(&e))?;
    let listen_addr = parse_addr(listen)?;
    swarm.listen_on(listen_addr).map_err(|e| libp2p_err(&e))?;
    let peers = peers.iter().map(|p| parse_addr(p)).collect::<Result<Vec<_>, _>>()?;

    // Wait for the listener so callers (and tests) can rely on the port being open.
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(target: "scf::net", %address, peer_id = %local_peer_id, "transaction network listening");
                break;
            }
            SwarmEvent::ListenerError { error, .. } => return Err(libp2p_err(&error)),
            SwarmEvent::ListenerClosed { reason: Err(e), .. } => return Err(libp2p_err(&e)),
            _ => {}
        }
    }

    let (tx_out, rx_out) = mpsc::channel(100_000);
    let connected = Peers::default();
    let (verdicts_in, verdicts) = mpsc::channel(MAX_VALIDATING);
    let gossip = Gossip {
        chain,
        admission,
        validating: Arc::new(tokio::sync::Semaphore::new(MAX_VALIDATING)),
        verdicts: verdicts_in,
    };
    let task = tokio::spawn(run(swarm, gossip, verdicts, topic, peers, rx_out, connected.clone()));
    Ok(TxNetwork { announcer: TxAnnouncer(tx_out), local_peer_id, peers: connected, task })
}

/// Where gossiped transactions go: the admission workers, off the network task, so that
/// verifying one message's signatures does not stop the swarm from reading and relaying others.
struct Gossip {
    chain: Arc<Chain>,
    admission: Admission,
    /// Permits for messages being admitted (`MAX_VALIDATING`).
    validating: Arc<tokio::sync::Semaphore>,
    /// Each admitted message's verdict, back to the network task, which reports it to gossipsub
    /// (only accepted messages are relayed).
    verdicts: mpsc::Sender<(gossipsub::MessageId, PeerId, gossipsub::MessageAcceptance)>,
}

impl Gossip {
    fn receive(&self, swarm: &mut Swarm<Behaviour>, id: gossipsub::MessageId, from: PeerId, data: &[u8]) {
        let Some(txs) = decode_batch(&from, data) else {
            report(swarm, &id, &from, gossipsub::MessageAcceptance::Reject);
            return;
        };
        match self.validating.clone().try_acquire_owned() {
            Ok(permit) => {
                let (admission, verdicts) = (self.admission.clone(), self.verdicts.clone());
                tokio::spawn(async move {
                    let acceptance = match admission.submit_all(txs).await {
                        Ok(results) => acceptance(&from, results),
                        // The node is stopping: neither relay nor penalise.
                        Err(_) => gossipsub::MessageAcceptance::Ignore,
                    };
                    let _ = verdicts.send((id, from, acceptance)).await;
                    drop(permit);
                });
            }
            Err(_) => {
                let verdict = acceptance(&from, self.chain.submit_batch(txs));
                report(swarm, &id, &from, verdict);
            }
        }
    }
}

fn report(
    swarm: &mut Swarm<Behaviour>,
    id: &gossipsub::MessageId,
    from: &PeerId,
    acceptance: gossipsub::MessageAcceptance,
) {
    swarm.behaviour_mut().gossipsub.report_message_validation_result(id, from, acceptance);
}

async fn run(
    mut swarm: Swarm<Behaviour>,
    gossip: Gossip,
    mut verdicts: mpsc::Receiver<(gossipsub::MessageId, PeerId, gossipsub::MessageAcceptance)>,
    topic: gossipsub::IdentTopic,
    peers: Vec<Multiaddr>,
    mut outbound: mpsc::Receiver<SignedTransaction>,
    connected: Peers,
) {
    let chain = gossip.chain.clone();
    let mut members = BTreeSet::new();
    refresh_membership(&mut swarm, &chain, &mut members);
    let mut maintenance = tokio::time::interval(MAINTENANCE_INTERVAL);
    let mut batch: Vec<SignedTransaction> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut unsent = Unsent::default();
    let flush_at = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(flush_at);
    // Which dialled address last reached which peer, to avoid redialling connected peers.
    let mut dialled: HashMap<Multiaddr, PeerId> = HashMap::new();
    loop {
        tokio::select! {
            _ = maintenance.tick() => {
                refresh_membership(&mut swarm, &chain, &mut members);
                unsent.retry(&mut swarm, &topic, &chain);
                for addr in &peers {
                    let connected = dialled.get(addr).is_some_and(|p| swarm.is_connected(p));
                    if !connected {
                        let _ = swarm.dial(addr.clone());
                    }
                }
            }
            tx = outbound.recv() => {
                let Some(tx) = tx else { return };
                let size = borsh::object_length(&tx).unwrap_or(MAX_TX_BYTES);
                if batch_bytes + size > MAX_MESSAGE_BYTES {
                    unsent.keep(publish(&mut swarm, &topic, &mut batch));
                    batch_bytes = 0;
                }
                if batch.is_empty() {
                    flush_at.as_mut().reset(tokio::time::Instant::now() + BATCH_DELAY);
                }
                batch.push(tx);
                batch_bytes += size;
                if batch.len() >= BATCH_TXS {
                    unsent.keep(publish(&mut swarm, &topic, &mut batch));
                    batch_bytes = 0;
                }
            }
            _ = &mut flush_at, if !batch.is_empty() => {
                unsent.keep(publish(&mut swarm, &topic, &mut batch));
                batch_bytes = 0;
            }
            Some((id, from, acceptance)) = verdicts.recv() => report(&mut swarm, &id, &from, acceptance),
            event = swarm.select_next_some() => {
                if handle_event(&mut swarm, &gossip, event, &mut dialled, &connected) {
                    unsent.retry(&mut swarm, &topic, &chain);
                }
            }
        }
    }
}

fn refresh_membership(swarm: &mut Swarm<Behaviour>, chain: &Chain, members: &mut BTreeSet<PeerId>) {
    let now = admitted(chain);
    if now == *members {
        return;
    }
    for gone in members.difference(&now) {
        tracing::info!(target: "scf::net", peer = %gone, "transaction-network peer left the network membership; disconnecting");
        swarm.behaviour_mut().allowed.disallow_peer(*gone);
    }
    for new in now.difference(members) {
        swarm.behaviour_mut().allowed.allow_peer(*new);
    }
    *members = now;
}

/// Gossips `batch` (emptying it); returns the transactions if no peer could take them.
fn publish(
    swarm: &mut Swarm<Behaviour>,
    topic: &gossipsub::IdentTopic,
    batch: &mut Vec<SignedTransaction>,
) -> Option<Vec<SignedTransaction>> {
    let txs = std::mem::take(batch);
    let bytes = borsh::to_vec(&txs).expect("borsh into Vec is infallible");
    match swarm.behaviour_mut().gossipsub.publish(topic.clone(), bytes) {
        Ok(_) => {
            tracing::debug!(target: "scf::net", txs = txs.len(), "gossiped transactions");
            None
        }
        Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {
            tracing::debug!(target: "scf::net", txs = txs.len(), "no peers to gossip transactions to yet");
            Some(txs)
        }
        Err(e) => {
            tracing::warn!(target: "scf::net", error = %e, "cannot gossip transactions; will retry");
            Some(txs)
        }
    }
}

/// Transactions admitted here that no peer has received yet.
///
/// A node with no connected peer (alone at start, cut off, or with every peer restarting) still
/// admits transactions and tells the client so. A validator would include them when it next
/// proposes, but a full node never proposes: without a later gossip they would wait in its pool
/// forever. They are gossiped again when a peer subscribes and on every maintenance tick, until
/// a publish succeeds; transactions committed or dropped from the pool meanwhile are not.
#[derive(Default)]
struct Unsent(Vec<(Hash, SignedTransaction)>);

impl Unsent {
    fn keep(&mut self, txs: Option<Vec<SignedTransaction>>) {
        let Some(txs) = txs else { return };
        // Hashed once here, not on every retry of a long wait.
        self.0.extend(txs.into_iter().map(|tx| (tx.hash(), tx)));
        if self.0.len() > MAX_UNSENT_TXS {
            let dropped = self.0.len() - MAX_UNSENT_TXS;
            self.0.drain(..dropped);
            tracing::warn!(target: "scf::net", dropped, "too many transactions waiting for a peer; the oldest stay only in the local pool");
        }
    }

    fn retry(&mut self, swarm: &mut Swarm<Behaviour>, topic: &gossipsub::IdentTopic, chain: &Chain) {
        if self.0.is_empty() {
            return;
        }
        self.0.retain(|(hash, _)| chain.mempool.contains(hash));
        let mut sent = 0;
        while sent < self.0.len() {
            // The same bounds as fresh batches (count and message size), so a retried batch can
            // never be refused as too large and retried forever.
            let (mut end, mut bytes) = (sent, 0);
            while end < self.0.len() && end - sent < BATCH_TXS {
                let size = borsh::object_length(&self.0[end].1).unwrap_or(MAX_TX_BYTES);
                if end > sent && bytes + size > MAX_MESSAGE_BYTES {
                    break;
                }
                bytes += size;
                end += 1;
            }
            let mut batch: Vec<SignedTransaction> =
                self.0[sent..end].iter().map(|(_, tx)| tx.clone()).collect();
            if publish(swarm, topic, &mut batch).is_some() {
                break; // still no peer: the rest waits for the next attempt
            }
            sent = end;
        }
        self.0.drain(..sent);
    }
}

/// Handles one swarm event; returns whether a peer subscribed to a topic (a moment to retry
/// what could not be gossiped).
fn handle_event(
    swarm: &mut Swarm<Behaviour>,
    gossip: &Gossip,
    event: SwarmEvent<BehaviourEvent>,
    dialled: &mut HashMap<Multiaddr, PeerId>,
    connected: &Peers,
) -> bool {
    match event {
        SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Subscribed {
            peer_id, ..
        })) => {
            tracing::debug!(target: "scf::net", peer = %peer_id, "peer subscribed to transactions");
            return true;
        }
        SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
            propagation_source,
            message_id,
            message,
        })) => {
            gossip.receive(swarm, message_id, propagation_source, &message.data);
        }
        SwarmEvent::ConnectionEstablished { peer_id, endpoint, .. } => {
            if endpoint.is_dialer() {
                dialled.insert(endpoint.get_remote_address().clone(), peer_id);
            }
            tracing::debug!(target: "scf::net", peer = %peer_id, "peer connected");
            connected.set(peer_id, Some(endpoint.get_remote_address().clone()));
        }
        SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
            tracing::debug!(target: "scf::net", peer = %peer_id, "peer disconnected");
            connected.set(peer_id, None);
        }
        SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
            tracing::warn!(target: "scf::net", from = %send_back_addr, %error, "refused an incoming connection: the peer's node key is not in the network membership");
        }
        SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
            tracing::debug!(target: "scf::net", ?peer_id, %error, "dial failed");
        }
        _ => {}
    }
    false
}

/// A gossiped batch of transactions, or `None` (logged) if it does not decode: the message is
/// then rejected and gossipsub penalises the sender.
fn decode_batch(from: &PeerId, data: &[u8]) -> Option<Vec<SignedTransaction>> {
    match borsh::from_slice(data) {
        Ok(txs) => Some(txs),
        Err(e) => {
            tracing::warn!(target: "scf::net", peer = %from, error = %e, "undecodable transaction batch");
            None
        }
    }
}

/// The verdict on a gossiped batch from its transactions' admission: a transaction whose
/// signature or chain is wrong rejects the message (gossipsub then penalises the sender); stale
/// nonces and duplicates are normal on a gossip network and only ignored.
fn acceptance(from: &PeerId, results: Vec<Result<Hash, SubmitError>>) -> gossipsub::MessageAcceptance {
    let mut verdict = gossipsub::MessageAcceptance::Accept;
    for result in results {
        match result {
            Ok(_) => {}
            Err(SubmitError::Invalid(e))
                if matches!(
                    e,
                    scf_primitives::TxError::BadSignature | scf_primitives::TxError::WrongChainId { .. }
                ) =>
            {
                tracing::warn!(target: "scf::net", peer = %from, error = %e, "gossiped an invalid transaction");
                verdict = gossipsub::MessageAcceptance::Reject;
            }
            Err(_) => {}
        }
    }
    verdict
}
