//! Node configuration: a TOML file for real validators, or the built-in dev setup.
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use scf_primitives::crypto::Keypair;
use scf_runtime::{genesis::Genesis, RuntimeError};
use serde::{Deserialize, Serialize};

use crate::{mempool::PoolLimits, rpc_guard::RpcLimits};

/// `scf-node --config <file>`. Relative paths are relative to the file's directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfigFile {
    /// Name shown in logs and to peers.
    pub moniker: String,
    pub data_dir: PathBuf,
    /// The chain spec (`genesis.json`).
    pub genesis: PathBuf,
    /// File holding the 32-byte consensus key seed as hex. Keep it secret. Without it the node
    /// is a full node: it follows the chain, serves RPC and forwards transactions.
    #[serde(default)]
    pub consensus_key_file: Option<PathBuf>,
    /// File holding the 32-byte libp2p node key seed as hex.
    pub node_key_file: PathBuf,
    #[serde(default = "default_rpc")]
    pub rpc_addr: SocketAddr,
    /// Whether RPC requests without a credential are answered (chain head, block headers, the
    /// validator set, submissions). `false`: only the operator and signed-in members are.
    #[serde(default = "default_true")]
    pub rpc_anonymous: bool,
    /// PEM certificate chain and private key: RPC is served over TLS. Required when `rpc_addr`
    /// is not a loopback address, unless `rpc_insecure` says otherwise.
    #[serde(default)]
    pub rpc_tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub rpc_tls_key: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback `rpc_addr` (members' logins and data in clear on the
    /// network): only behind a TLS-terminating proxy on the same host.
    #[serde(default)]
    pub rpc_insecure: bool,
    /// Consensus network (libp2p) listen address, e.g. `/ip4/127.0.0.1/tcp/27000`.
    pub p2p_listen: String,
    /// Consensus network addresses of the other nodes.
    #[serde(default)]
    pub persistent_peers: Vec<String>,
    /// Transaction network (libp2p, admission by node key) listen address.
    pub tx_listen: String,
    /// Transaction network addresses of other nodes.
    #[serde(default)]
    pub tx_peers: Vec<String>,
    /// Bounds of the transaction pool (docs/limits.md).
    #[serde(default)]
    pub pool: PoolConfig,
    /// Per-client bounds of the RPC server (docs/limits.md).
    #[serde(default)]
    pub rpc_limits: RpcLimitsConfig,
    /// Serve Prometheus metrics on `GET /metrics` at this address (off when absent). The
    /// endpoint has no authentication: bind it to loopback or a monitoring network.
    #[serde(default)]
    pub metrics_addr: Option<SocketAddr>,
    /// How this node paces the blocks it proposes (docs/limits.md).
    #[serde(default)]
    pub blocks: BlocksConfig,
}

/// `[blocks]`: how this validator paces the blocks it proposes. A proposer's choice, not a
/// validity rule: validators accept blocks of any spacing (timestamps only increase).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlocksConfig {
    /// A block is proposed at least this many milliseconds after its parent, so transactions
    /// accumulate: fewer, larger blocks cost every node less CPU per transaction (each block has
    /// a fixed cost on every node), at the price of latency. At most `MAX_MIN_INTERVAL_MS`.
    pub min_interval_ms: u64,
}

/// Largest `[blocks] min_interval_ms`: an empty block waits no longer
/// (`BlockPolicy::empty_block_interval`), and the proposer's wait is capped by that anyway (and by
/// the round's deadline), so a larger value would not do what it says.
pub const MAX_MIN_INTERVAL_MS: u64 = 1_000;

impl Default for BlocksConfig {
    fn default() -> Self {
        BlocksConfig {
            min_interval_ms: crate::consensus::app::BlockPolicy::default().min_block_interval.as_millis()
                as u64,
        }
    }
}

/// `[rpc_limits]`: what one RPC client may do. Every field is optional.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpcLimitsConfig {
    /// Calls per second one IP address may make, sustained.
    pub calls_per_sec: u32,
    /// Calls one address may make at once after being idle.
    pub burst: u32,
    /// Connections one address may hold open.
    pub connections_per_addr: u32,
    /// Seconds a call may take before it is answered `timeout`.
    pub call_timeout_secs: u64,
    /// Apply the per-address limits to loopback clients too (they are exempt by default: the
    /// operator's own tools).
    pub limit_loopback: bool,
    /// Web origins (`https://explorer.example.com`) whose pages may call this node. Requests
    /// from any other origin (a browser sends one with every request) are refused.
    pub allowed_origins: Vec<String>,
}

impl Default for RpcLimitsConfig {
    fn default() -> Self {
        let d = RpcLimits::default();
        RpcLimitsConfig {
            calls_per_sec: d.calls_per_sec,
            burst: d.burst,
            connections_per_addr: d.connections_per_addr,
            call_timeout_secs: d.call_timeout.as_secs(),
            limit_loopback: d.limit_loopback,
            allowed_origins: d.allowed_origins,
        }
    }
}

impl RpcLimitsConfig {
    fn limits(&self) -> RpcLimits {
        RpcLimits {
            calls_per_sec: self.calls_per_sec,
            burst: self.burst.max(1),
            connections_per_addr: self.connections_per_addr,
            call_timeout: std::time::Duration::from_secs(self.call_timeout_secs.max(1)),
            limit_loopback: self.limit_loopback,
            allowed_origins: self.allowed_origins.clone(),
        }
    }
}

/// `[pool]`: how much the transaction pool holds. Every field is optional.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    pub max_txs: usize,
    pub max_bytes: usize,
    pub max_txs_per_sender: usize,
    pub max_bytes_per_sender: usize,
    /// Seconds a transaction that cannot execute yet (a nonce gap before it) may wait.
    pub future_ttl_secs: u64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        let d = PoolLimits::default();
        PoolConfig {
            max_txs: d.max_txs,
            max_bytes: d.max_bytes,
            max_txs_per_sender: d.max_txs_per_sender,
            max_bytes_per_sender: d.max_bytes_per_sender,
            future_ttl_secs: d.future_ttl.as_secs(),
        }
    }
}

impl PoolConfig {
    fn limits(&self) -> PoolLimits {
        PoolLimits {
            max_txs: self.max_txs,
            max_bytes: self.max_bytes,
            max_txs_per_sender: self.max_txs_per_sender,
            max_bytes_per_sender: self.max_bytes_per_sender,
            future_ttl: std::time::Duration::from_secs(self.future_ttl_secs),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_rpc() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9944))
}

/// Everything a node needs to start.
pub struct Settings {
    pub moniker: String,
    pub data_dir: PathBuf,
    pub genesis: Genesis,
    /// `None` for a full node.
    pub consensus_key: Option<Keypair>,
    pub node_key: [u8; 32],
    pub rpc_addr: SocketAddr,
    /// See `NodeConfigFile::rpc_anonymous`.
    pub rpc_anonymous: bool,
    /// The certificate chain and key files of `rpc_tls_cert` / `rpc_tls_key`.
    pub rpc_tls: Option<(PathBuf, PathBuf)>,
    /// See `NodeConfigFile::rpc_insecure`.
    pub rpc_insecure: bool,
    pub p2p_listen: String,
    pub persistent_peers: Vec<String>,
    pub tx_listen: String,
    pub tx_peers: Vec<String>,
    pub pool: PoolLimits,
    pub rpc_limits: RpcLimits,
    /// See `NodeConfigFile::metrics_addr`.
    pub metrics_addr: Option<SocketAddr>,
    /// See `BlocksConfig::min_interval_ms`.
    pub min_block_interval: std::time::Duration,
    /// Tests only: run this validator as an attacker (never set from a file or the command line).
    #[cfg(feature = "hostile")]
    pub hostility: Option<crate::consensus::hostile::Hostility>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Genesis(#[from] RuntimeError),
}

/// Reads a hex-encoded 32-byte seed.
pub fn read_key_file(path: &Path) -> Result<[u8; 32], ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
    let text = text.trim();
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut seed).map_err(|e| {
        ConfigError::Invalid { path: path.into(), message: format!("expected a 32-byte hex seed: {e}") }
    })?;
    Ok(seed)
}

impl Settings {
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        let file: NodeConfigFile = toml::from_str(&text)
            .map_err(|e| ConfigError::Invalid { path: path.into(), message: e.to_string() })?;
        if file.blocks.min_interval_ms > MAX_MIN_INTERVAL_MS {
            return Err(ConfigError::Invalid {
                path: path.into(),
                message: format!(
                    "[blocks] min_interval_ms is {} ms; at most {MAX_MIN_INTERVAL_MS} ms (an empty block's wait)",
                    file.blocks.min_interval_ms
                ),
            });
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
        Ok(Settings {
            moniker: file.moniker,
            data_dir: resolve(&file.data_dir),
            genesis: Genesis::load(&resolve(&file.genesis))?,
            consensus_key: match &file.consensus_key_file {
                Some(f) => Some(Keypair::from_seed(read_key_file(&resolve(f))?)),
                None => None,
            },
            node_key: read_key_file(&resolve(&file.node_key_file))?,
            rpc_addr: file.rpc_addr,
            rpc_anonymous: file.rpc_anonymous,
            rpc_tls: match (&file.rpc_tls_cert, &file.rpc_tls_key) {
                (Some(cert), Some(key)) => Some((resolve(cert), resolve(key))),
                (None, None) => None,
                _ => {
                    return Err(ConfigError::Invalid {
                        path: path.into(),
                        message: "rpc_tls_cert and rpc_tls_key go together".into(),
                    })
                }
            },
            rpc_insecure: file.rpc_insecure,
            p2p_listen: file.p2p_listen,
            persistent_peers: file.persistent_peers,
            tx_listen: file.tx_listen,
            tx_peers: file.tx_peers,
            pool: file.pool.limits(),
            rpc_limits: file.rpc_limits.limits(),
            metrics_addr: file.metrics_addr,
            min_block_interval: std::time::Duration::from_millis(file.blocks.min_interval_ms),
            #[cfg(feature = "hostile")]
            hostility: None,
        })
    }

    /// The single-validator dev chain, from the chain spec and contracts built into the binary.
    /// Its keys are public (`Keypair::dev`): never use it for anything of value.
    pub fn dev(
        data_dir: PathBuf,
        rpc_addr: SocketAddr,
        p2p_listen: String,
        tx_listen: String,
    ) -> Result<Settings, ConfigError> {
        let genesis = Genesis::parse(DEV_GENESIS, |name| match name {
            "registry.wasm" => Ok(DEV_REGISTRY.to_vec()),
            "deposit_token.wasm" => Ok(DEV_DEPOSIT_TOKEN.to_vec()),
            "receivables.wasm" => Ok(DEV_RECEIVABLES.to_vec()),
            "governance.wasm" => Ok(DEV_GOVERNANCE.to_vec()),
            "trade.wasm" => Ok(DEV_TRADE.to_vec()),
            other => Err(format!("the built-in dev genesis has no file {other}")),
        })?;
        Ok(Settings {
            moniker: "dev-validator".into(),
            data_dir,
            genesis,
            consensus_key: Some(Keypair::dev("validator0")),
            node_key: Keypair::dev(scf_primitives::crypto::DEV_NODE_KEY_NAME).seed(),
            rpc_addr,
            rpc_anonymous: true,
            rpc_tls: None,
            rpc_insecure: false,
            p2p_listen,
            persistent_peers: Vec::new(),
            tx_listen,
            tx_peers: Vec::new(),
            pool: PoolLimits::default(),
            rpc_limits: RpcLimits::default(),
            metrics_addr: None,
            min_block_interval: DEV_MIN_BLOCK_INTERVAL,
            #[cfg(feature = "hostile")]
            hostility: None,
        })
    }
}

/// The dev chain's blocks are at least this far apart: one validator, whose blocks cost little,
/// and a developer who waits for each transaction, so it answers sooner than a network's default.
pub const DEV_MIN_BLOCK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// The dev chain spec and system contracts, compiled in so `scf-node --dev` needs no files.
pub const DEV_GENESIS: &str = include_str!("../../genesis/dev.json");
pub const DEV_REGISTRY: &[u8] = include_bytes!("../../genesis/registry.wasm");
pub const DEV_RECEIVABLES: &[u8] = include_bytes!("../../genesis/receivables.wasm");
pub const DEV_DEPOSIT_TOKEN: &[u8] = include_bytes!("../../genesis/deposit_token.wasm");
pub const DEV_GOVERNANCE: &[u8] = include_bytes!("../../genesis/governance.wasm");
pub const DEV_TRADE: &[u8] = include_bytes!("../../genesis/trade.wasm");

#[cfg(test)]
mod tests {
    use super::*;

    /// A node config file `name` in `dir`, with the repository's dev spec and a node key, and
    /// `extra` appended.
    fn config_with(dir: &Path, name: &str, extra: &str) -> PathBuf {
        std::fs::write(dir.join("node.key"), hex::encode([7u8; 32])).unwrap();
        let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis/dev.json");
        let text = format!(
            "moniker = \"n\"\ndata_dir = \"data\"\ngenesis = \"{spec}\"\nnode_key_file = \"node.key\"\n\
             p2p_listen = \"/ip4/127.0.0.1/tcp/1\"\ntx_listen = \"/ip4/127.0.0.1/tcp/2\"\n{extra}"
        );
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn block_pacing_is_read_bounded_and_defaulted() {
        let dir = tempfile::tempdir().unwrap();
        let config_with = |name: &str, extra: &str| config_with(dir.path(), name, extra);
        let ms = std::time::Duration::from_millis;
        let default = Settings::from_file(&config_with("default", "")).unwrap();
        assert_eq!(default.min_block_interval, ms(250), "the documented default");

        let longest = config_with("longest", "[blocks]\nmin_interval_ms = 1000\n");
        assert_eq!(Settings::from_file(&longest).unwrap().min_block_interval, ms(MAX_MIN_INTERVAL_MS));

        let set = Settings::from_file(&config_with("set", "[blocks]\nmin_interval_ms = 400\n")).unwrap();
        assert_eq!(set.min_block_interval, ms(400));

        let too_long = config_with("too-long", "[blocks]\nmin_interval_ms = 1001\n");
        match Settings::from_file(&too_long) {
            Err(ConfigError::Invalid { message, .. }) => {
                assert!(message.contains("min_interval_ms is 1001 ms"), "{message}")
            }
            other => panic!("an interval past the maximum must be refused, got {:?}", other.err()),
        }

        let misspelt = config_with("misspelt", "[blocks]\nmin_interval = 250\n");
        assert!(matches!(Settings::from_file(&misspelt), Err(ConfigError::Invalid { .. })));

        // The dev chain keeps its own, shorter spacing.
        let dev = Settings::dev(
            dir.path().join("dev"),
            "127.0.0.1:0".parse().unwrap(),
            "/ip4/127.0.0.1/tcp/0".into(),
            "/ip4/127.0.0.1/tcp/0".into(),
        )
        .unwrap();
        assert_eq!(dev.min_block_interval, ms(50));
        assert_eq!(dev.min_block_interval, DEV_MIN_BLOCK_INTERVAL);
    }
}
