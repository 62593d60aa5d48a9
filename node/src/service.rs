//! Wires storage, runtime, consensus and RPC into a running node, and stops them in order.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use malachitebft_app_channel::app::config::{ConsensusConfig, PubSubProtocol, ValueSyncConfig};

use crate::{
    chain::Chain,
    config::Settings,
    consensus::{app::BlockPolicy, Consensus, EngineConfig},
    storage::Storage,
};

pub struct Node {
    pub chain: Arc<Chain>,
    pub rpc_addr: SocketAddr,
    /// Where `GET /metrics` is served, if it is.
    pub metrics_addr: Option<SocketAddr>,
    metrics: Option<tokio::task::JoinHandle<()>>,
    indexer: tokio::task::JoinHandle<()>,
    rpc: jsonrpsee::server::ServerHandle,
    consensus: Consensus,
    network: crate::network::TxNetwork,
}

impl Node {
    pub async fn start(settings: Settings) -> anyhow::Result<Node> {
        let data_dir = settings.data_dir.display();
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {data_dir}: {e}; it must be writable by this node"
            )
        })?;
        // A directory the node cannot write into fails here, before anything starts, with its
        // name (RocksDB's own message names only a file inside it).
        let probe = settings.data_dir.join(".write-test");
        std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)).map_err(|e| {
            anyhow::anyhow!(
                "the data directory {data_dir} is not writable: {e}; the node keeps its chain there"
            )
        })?;
        let storage =
            Storage::open(&settings.data_dir.join("db"), &settings.genesis.spec.chain_id).map_err(|e| {
                let advice = if e.to_string().contains("Corruption") {
                    "; the database is damaged: move the db directory aside and let the node sync the chain \
                     from its peers (or restore a backup); it will not serve a damaged chain"
                } else {
                    ""
                };
                anyhow::anyhow!("opening the database in {data_dir}: {e}{advice}")
            })?;
        let chain = Chain::open(storage, &settings.genesis, settings.pool.clone())?;
        tracing::info!(
            target: "scf::node",
            chain_id = %settings.genesis.spec.chain_id,
            head = chain.head_height(),
            role = if settings.consensus_key.is_some() { "validator" } else { "full node" },
            "chain opened"
        );
        if let Some(key) = &settings.consensus_key {
            let id = key.account_id();
            if !settings.genesis.validators.iter().any(|(v, _)| *v == id) {
                tracing::warn!(target: "scf::node", validator = %id, "this consensus key is not in the genesis validator set");
            }
        }
        // Beyond loopback, RPC carries members' logins and data: TLS, or an explicit opt-out.
        let tls = match &settings.rpc_tls {
            Some((cert, key)) => Some(crate::rpc::tls_config(cert, key)?),
            None if settings.rpc_addr.ip().is_loopback() => None,
            None if settings.rpc_insecure => {
                tracing::warn!(
                    target: "scf::node", addr = %settings.rpc_addr,
                    "rpc_insecure: RPC is plain HTTP beyond loopback; only behind a TLS proxy on this host"
                );
                None
            }
            None => anyhow::bail!(
                "RPC on {} is reachable beyond this machine: set rpc_tls_cert and rpc_tls_key to serve it over \
                 TLS, or rpc_insecure = true to serve plain HTTP behind a TLS-terminating proxy on this host",
                settings.rpc_addr
            ),
        };
        // The readers' index follows the head in its own task (catching up first on an older
        // database); it stops with the runtime.
        let indexer = tokio::spawn(crate::index::run(chain.clone()));
        // Transactions from clients and from peers are admitted by the same workers, in batches.
        let admission = crate::admission::Admission::start(chain.clone())?;
        let network = crate::network::start(
            chain.clone(),
            admission.clone(),
            settings.node_key,
            &settings.tx_listen,
            &settings.tx_peers,
        )
        .await?;
        // Transactions restored from the data directory go out again: peers may have lost them.
        for tx in chain.mempool.all() {
            network.announcer.announce(tx);
        }

        let mut consensus_cfg = ConsensusConfig::default();
        consensus_cfg.p2p.listen_addr =
            settings.p2p_listen.parse().map_err(|e| anyhow::anyhow!("invalid p2p listen address: {e}"))?;
        // Consensus gossip stays among the configured peers: no discovery of strangers.
        consensus_cfg.p2p.persistent_peers_only = true;
        consensus_cfg.p2p.protocol = PubSubProtocol::Broadcast;
        consensus_cfg.p2p.persistent_peers = settings
            .persistent_peers
            .iter()
            .map(|p| p.parse().map_err(|e| anyhow::anyhow!("invalid peer address {p}: {e}")))
            .collect::<anyhow::Result<_>>()?;
        let engine_cfg = EngineConfig {
            moniker: settings.moniker.clone(),
            consensus: consensus_cfg,
            value_sync: ValueSyncConfig::default(),
        };
        let consensus = Consensus::start(
            chain.clone(),
            engine_cfg,
            settings.consensus_key.clone(),
            settings.node_key,
            settings.data_dir.join("wal"),
            BlockPolicy {
                min_block_interval: settings.min_block_interval,
                #[cfg(feature = "hostile")]
                hostility: settings.hostility.clone(),
                ..BlockPolicy::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("starting consensus: {e}"))?;

        // The operator's credential: a fresh cookie in the data directory at every start.
        let access =
            crate::access::Access::create(&settings.data_dir, settings.rpc_anonymous).map_err(|e| {
                anyhow::anyhow!("writing the RPC cookie into {}: {e}", settings.data_dir.display())
            })?;
        let (rpc, rpc_addr) = crate::rpc::start(
            chain.clone(),
            crate::rpc::Intake { admission, announcer: Some(network.announcer.clone()) },
            network.peers.clone(),
            settings.rpc_addr,
            access,
            tls,
            settings.rpc_limits.clone(),
        )
        .await?;
        let (metrics_addr, metrics) = match settings.metrics_addr {
            Some(addr) => {
                let (local, task) =
                    crate::metrics::serve(addr, chain.clone(), settings.data_dir.join("db")).await?;
                (Some(local), Some(task))
            }
            None => (None, None),
        };
        Ok(Node { chain, rpc_addr, metrics_addr, metrics, indexer, rpc, consensus, network })
    }

    /// Runs until the consensus loop ends (an error) or `shutdown` resolves.
    pub async fn run_until(mut self, shutdown: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
        let outcome = tokio::select! {
            _ = shutdown => Ok(()),
            r = &mut self.consensus.app => match r {
                Ok(Ok(())) => Err(anyhow::anyhow!("consensus stopped")),
                Ok(Err(e)) => Err(anyhow::anyhow!("consensus failed: {e}")),
                Err(e) => Err(anyhow::anyhow!("consensus task panicked: {e}")),
            },
        };
        tracing::info!(target: "scf::node", "shutting down");
        let _ = self.rpc.stop();
        if let Some(metrics) = self.metrics.take() {
            metrics.abort();
        }
        self.indexer.abort();
        self.network.stop();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.consensus.stop()).await;
        if let Err(e) = self.chain.storage.flush() {
            tracing::warn!(target: "scf::node", error = %e, "flushing the database at shutdown failed; the next start replays its log");
        }
        outcome
    }
}
