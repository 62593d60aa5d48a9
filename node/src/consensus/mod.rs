//! Consensus: Malachite (Tendermint BFT) driven through its channel API. `context` defines the
//! chain's consensus types, `codec` their wire encoding, `app` the application loop.
pub mod app;
pub mod codec;
pub mod context;
#[cfg(feature = "hostile")]
pub mod hostile;
mod membership;
mod wal_check;

use std::{path::PathBuf, sync::Arc};

use malachitebft_app_channel::{
    app::{
        config::{ConsensusConfig, NodeConfig, ValueSyncConfig},
        types::Keypair as NetKeypair,
    },
    ConsensusContext, EngineHandle, NetworkContext, NetworkIdentity, RequestContext, SyncContext, WalContext,
};
use malachitebft_signing::Signer;
use scf_primitives::crypto::Keypair;

use self::{
    app::{App, BlockPolicy},
    codec::BorshCodec,
    context::{Address, ConsensusSigner, ConsensusVerifier, ScfContext},
};
use crate::chain::Chain;

fn net_keypair_peer_id(node_key: [u8; 32]) -> eyre::Result<libp2p::PeerId> {
    let key = libp2p::identity::Keypair::ed25519_from_bytes(node_key)
        .map_err(|e| eyre::eyre!("invalid node key: {e}"))?;
    Ok(key.public().to_peer_id())
}

/// The consensus write-ahead log's file in the WAL directory.
pub const WAL_FILE: &str = "consensus.wal";

/// Engine settings Malachite reads through `NodeConfig`.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub moniker: String,
    pub consensus: ConsensusConfig,
    pub value_sync: ValueSyncConfig,
}

impl NodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }
    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }
    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }
    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }
    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

/// A running consensus engine and the task serving it, on their own runtime.
///
/// Why a runtime of its own: a decision takes several hops between Malachite's actors (propose,
/// vote, WAL, decide), and on the node's shared runtime each hop queued behind every pending RPC
/// request. Under load (thousands of submissions after each commit) a lone validator spent
/// 250–350 ms per height waiting in that queue while its block path stood idle. On separate
/// threads the OS scheduler lets these briefly-woken hops run at once.
pub struct Consensus {
    pub engine: EngineHandle,
    pub app: tokio::task::JoinHandle<eyre::Result<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Worker threads of the consensus runtime: one may be busy executing or committing a block
/// while the other keeps the engine's actors moving.
const CONSENSUS_THREADS: usize = 2;

impl Consensus {
    /// Starts Malachite and the application loop: as a validator with `consensus_key`, or as a
    /// full node (follows and verifies decisions, never votes) without one.
    pub async fn start(
        chain: Arc<Chain>,
        mut config: EngineConfig,
        consensus_key: Option<Keypair>,
        node_key: [u8; 32],
        wal_dir: PathBuf,
        policy: BlockPolicy,
    ) -> eyre::Result<Consensus> {
        let net_keypair =
            NetKeypair::ed25519_from_bytes(node_key).map_err(|e| eyre::eyre!("invalid node key: {e}"))?;
        let (identity, consensus, app_key) = match consensus_key {
            Some(key) => {
                let address = Address(key.account_id());
                let signer = ConsensusSigner { keypair: key.clone() };
                let proof = signer
                    .sign_validator_proof(address.0 .0.to_vec(), net_keypair.public().to_peer_id().to_bytes())
                    .await
                    .map_err(|e| eyre::eyre!("signing validator proof: {e}"))?;
                let proof_bytes = malachitebft_codec::Codec::encode(&BorshCodec, &proof)?;
                let identity = NetworkIdentity::new_validator(
                    config.moniker.clone(),
                    net_keypair,
                    address.to_string(),
                    proof_bytes,
                );
                let consensus =
                    ConsensusContext::new_validator(address, Box::new(ConsensusVerifier), Box::new(signer));
                (identity, consensus, key)
            }
            None => {
                // The node key stands in as an address that is in no validator set.
                let key = Keypair::from_seed(node_key);
                let identity = NetworkIdentity::new(config.moniker.clone(), net_keypair, None);
                let consensus =
                    ConsensusContext::new_full_node(Address(key.account_id()), Box::new(ConsensusVerifier));
                (identity, consensus, key)
            }
        };
        // Consensus peers follow the chain's network membership (`membership`): start with the
        // configured peers it admits, and let the follower add and remove from there.
        let own_peer = net_keypair_peer_id(node_key)?;
        let configured = config.consensus.p2p.persistent_peers.clone();
        let admitted = crate::network::membership(&chain).unwrap_or_default();
        let initial: std::collections::BTreeSet<_> =
            configured.iter().filter(|a| membership::admits(a, &admitted)).cloned().collect();
        config.consensus.p2p.persistent_peers = initial.iter().cloned().collect();
        std::fs::create_dir_all(&wal_dir)?;
        wal_check::refuse_damaged(&wal_dir.join(WAL_FILE))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(CONSENSUS_THREADS)
            .thread_name("consensus")
            .enable_all()
            .build()?;
        // Everything the engine spawns (actors, its libp2p swarm, the WAL) lands on the runtime
        // it is started from.
        let (channels, engine) = runtime
            .spawn(malachitebft_app_channel::start_engine(
                ScfContext,
                config,
                WalContext::new(wal_dir.join(WAL_FILE), BorshCodec),
                NetworkContext::new(identity, BorshCodec),
                consensus,
                SyncContext::new(BorshCodec),
                RequestContext::new(100),
            ))
            .await??;
        runtime.spawn(membership::follow(
            chain.clone(),
            channels.net_requests.clone(),
            configured,
            own_peer,
            initial,
        ));
        let app = App::new(chain, app_key, policy);
        let app = runtime.spawn(app.run(channels));
        Ok(Consensus { engine, app, runtime: Some(runtime) })
    }

    /// Stops the engine first (so it stops sending work), then waits for the app loop.
    pub async fn stop(mut self) {
        self.engine.actor.stop(None);
        let _ = (&mut self.engine.handle).await;
        // The app task may be over already, its result taken by whoever stopped the node because
        // of it (a failed commit): a finished handle must not be polled again.
        if !self.app.is_finished() {
            self.app.abort();
            let _ = (&mut self.app).await;
        }
    }
}

impl Drop for Consensus {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its threads end, which tokio forbids inside another
        // runtime (where nodes are stopped); its tasks are over or aborted by now anyway.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
