//! Local test networks: `scf genesis new` writes the keys, configs and chain spec of a
//! multi-node network on loopback ports, and `scf localnet up|down|stop|start` runs its nodes as
//! background `scf-node` processes (pid files and logs in each node's directory).
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, bail, Context, Result};
use scf_primitives::crypto::Keypair;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The built-in dev spec and contracts: a localnet has the dev chain's members, under the same
/// key names (`core`, `bank`, ...) so that every `scf` command and demo works against it, but with
/// fresh keys of its own in `<dir>/keys` (`SCF_HOME=<dir>`): a chain that is not a dev chain
/// refuses the public dev keys.
const DEV_GENESIS: &str = include_str!("../../genesis/dev.json");
const CONTRACTS: [(&str, &[u8]); 5] = [
    ("registry.wasm", include_bytes!("../../genesis/registry.wasm")),
    ("deposit_token.wasm", include_bytes!("../../genesis/deposit_token.wasm")),
    ("receivables.wasm", include_bytes!("../../genesis/receivables.wasm")),
    ("governance.wasm", include_bytes!("../../genesis/governance.wasm")),
    ("trade.wasm", include_bytes!("../../genesis/trade.wasm")),
];
const MANIFEST: &str = "localnet.json";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeEntry {
    pub name: String,
    /// `validator` or `full_node`.
    pub role: String,
    /// Directory of the node (config, keys, data, log), relative to the localnet directory.
    pub dir: String,
    pub rpc: String,
    pub p2p: String,
    pub tx: String,
    /// Where the node serves Prometheus metrics (`GET /metrics`): what `scf bench` reads each
    /// node's CPU from. Absent in manifests written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<String>,
    /// libp2p peer id of the node key.
    pub peer_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub chain_id: String,
    pub nodes: Vec<NodeEntry>,
}

pub struct GenesisOptions {
    pub validators: usize,
    pub full_nodes: usize,
    pub out: PathBuf,
    pub chain_id: String,
    pub base_port: u16,
}

fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    seed
}

fn write_secret(path: &Path, seed: &[u8; 32]) -> Result<()> {
    crate::keystore::write_private(path, &format!("{}\n", hex::encode(seed)))
        .with_context(|| format!("writing {}", path.display()))
}

/// Ports each node of a new network takes from `--base-port`: consensus, transactions, RPC, metrics.
pub const PORTS_PER_NODE: u16 = 4;

/// Writes a new network: `genesis.json` and the contracts, and per node a directory with
/// `node.toml`, `node.key` and (validators) `consensus.key`. Every node lists every other as a
/// peer. Ports: node i uses `base_port + 4i` (consensus), `+1` (transactions), `+2` (RPC), `+3`
/// (metrics).
pub fn genesis_new(opts: &GenesisOptions) -> Result<Manifest> {
    if opts.validators == 0 {
        bail!("a network needs at least one validator");
    }
    let total = opts.validators + opts.full_nodes;
    if opts.base_port as usize + PORTS_PER_NODE as usize * total > u16::MAX as usize {
        bail!("--base-port {} leaves no room for {total} nodes", opts.base_port);
    }
    if opts.out.join(MANIFEST).exists() {
        bail!("{} already holds a localnet; remove it or choose another --out", opts.out.display());
    }
    std::fs::create_dir_all(&opts.out).with_context(|| format!("creating {}", opts.out.display()))?;

    struct Planned {
        entry: NodeEntry,
        node_seed: [u8; 32],
        consensus_seed: Option<[u8; 32]>,
    }
    let mut planned = Vec::new();
    for i in 0..total {
        let validator = i < opts.validators;
        let name = if validator { format!("validator{i}") } else { format!("full{}", i - opts.validators) };
        let port = opts.base_port + PORTS_PER_NODE * i as u16;
        let node_seed = random_seed();
        let peer_id = libp2p_identity::Keypair::ed25519_from_bytes(node_seed)
            .expect("any 32 bytes are an ed25519 seed")
            .public()
            .to_peer_id()
            .to_string();
        planned.push(Planned {
            entry: NodeEntry {
                dir: name.clone(),
                name,
                role: if validator { "validator" } else { "full_node" }.into(),
                p2p: format!("/ip4/127.0.0.1/tcp/{port}"),
                tx: format!("/ip4/127.0.0.1/tcp/{}", port + 1),
                rpc: format!("127.0.0.1:{}", port + 2),
                metrics: Some(format!("127.0.0.1:{}", port + 3)),
                peer_id,
            },
            node_seed,
            consensus_seed: validator.then(random_seed),
        });
    }

    let mut spec: Value = serde_json::from_str(DEV_GENESIS).expect("the built-in dev spec is JSON");
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
    spec["chain_id"] = Value::from(opts.chain_id.clone());
    spec["genesis_time_ms"] = Value::from(now_ms - now_ms % 1000);
    spec["dev"] = Value::from(false);
    // Every member account gets a fresh key, stored under the name of the dev key it replaces.
    let passphrase = crate::keystore::passphrase_from_environment("the new network's key store")?;
    let keys = crate::keystore::KeyStore::at(opts.out.join("keys"))
        .with_passphrase(passphrase)
        .with_work_factor(crate::keystore::NETWORK_KEY_WORK_FACTOR);
    let members = spec["members"].as_array_mut().expect("the dev spec lists members");
    for member in members {
        let accounts = member["accounts"].as_array_mut().expect("members list accounts");
        for account in accounts {
            let dev = scf_primitives::AccountId::from_hex(account.as_str().unwrap_or_default())
                .ok()
                .and_then(|a| Keypair::dev_key_name(&a))
                .ok_or_else(|| anyhow!("the dev spec has an account that is not a dev key: {account}"))?;
            let key = keys.store_any(dev, random_seed())?;
            *account = Value::from(key.account_id().to_hex());
        }
    }
    let node_key = |p: &Planned| Keypair::from_seed(p.node_seed).account_id().to_hex();
    spec["validators"] = planned
        .iter()
        .filter_map(|p| {
            p.consensus_seed.map(|c| {
                serde_json::json!({"name": p.entry.name, "consensus_key": Keypair::from_seed(c).account_id().to_hex(),
                               "power": 1, "node_key": node_key(p)})
            })
        })
        .collect();
    // The localnet's full nodes are the operator's (the first operator member of the dev spec).
    let operator = spec["members"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["role"] == "operator"))
        .and_then(|m| m["name"].as_str())
        .ok_or_else(|| anyhow!("the dev spec has no operator member to run the full nodes"))?
        .to_string();
    spec["full_nodes"] = planned
        .iter()
        .filter(|p| p.consensus_seed.is_none())
        .map(|p| serde_json::json!({"name": p.entry.name, "node_key": node_key(p), "member": operator}))
        .collect();
    std::fs::write(opts.out.join("genesis.json"), serde_json::to_string_pretty(&spec)? + "\n")?;
    for (file, bytes) in CONTRACTS {
        std::fs::write(opts.out.join(file), bytes)?;
    }

    for p in &planned {
        let dir = opts.out.join(&p.entry.dir);
        std::fs::create_dir_all(&dir)?;
        write_secret(&dir.join("node.key"), &p.node_seed)?;
        let mut toml =
            format!("moniker = \"{}\"\ndata_dir = \"data\"\ngenesis = \"../genesis.json\"\n", p.entry.name);
        if let Some(c) = &p.consensus_seed {
            write_secret(&dir.join("consensus.key"), c)?;
            // The validator's consensus key signs its governance votes: `--as validatorN`.
            keys.store_any(&p.entry.name, *c)?;
            toml.push_str("consensus_key_file = \"consensus.key\"\n");
        }
        let others = planned.iter().filter(|o| o.entry.name != p.entry.name);
        // Addresses carry the peer id: consensus admits only these peers, by identity.
        let list = |f: fn(&NodeEntry) -> &String| {
            others
                .clone()
                .map(|o| format!("\"{}/p2p/{}\"", f(&o.entry), o.entry.peer_id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        toml.push_str(&format!(
            "node_key_file = \"node.key\"\nrpc_addr = \"{}\"\nmetrics_addr = \"{}\"\np2p_listen = \"{}\"\n\
             persistent_peers = [{}]\ntx_listen = \"{}\"\ntx_peers = [{}]\n",
            p.entry.rpc,
            p.entry.metrics.as_deref().unwrap_or_default(),
            p.entry.p2p,
            list(|e| &e.p2p),
            p.entry.tx,
            list(|e| &e.tx)
        ));
        std::fs::write(dir.join("node.toml"), toml)?;
    }
    let manifest =
        Manifest { chain_id: opts.chain_id.clone(), nodes: planned.into_iter().map(|p| p.entry).collect() };
    std::fs::write(opts.out.join(MANIFEST), serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(manifest)
}

pub fn load(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("{} is not a localnet (no {MANIFEST}; create one with `scf genesis new`)", dir.display())
    })?;
    serde_json::from_str(&text).with_context(|| format!("invalid {}", path.display()))
}

impl Manifest {
    pub fn node(&self, name: &str) -> Result<&NodeEntry> {
        self.nodes.iter().find(|n| n.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
            anyhow!("no node {name:?} in this localnet (nodes: {})", names.join(", "))
        })
    }
}

fn pid_file(dir: &Path, node: &NodeEntry) -> PathBuf {
    dir.join(&node.dir).join("node.pid")
}

/// The pid of the node's process, if it is running.
pub fn running_pid(dir: &Path, node: &NodeEntry) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pid_file(dir, node)).ok()?.trim().parse().ok()?;
    // Signal 0 checks that the process exists without touching it; a zombie left by a parent
    // that never waited counts as gone.
    let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')))
        .unwrap_or(false);
    (alive && !zombie).then_some(pid)
}

/// The last `count` lines of a node's log, leaving out backtrace frames: with RUST_BACKTRACE
/// set, a node that fails or panics ends its log with a long backtrace that would otherwise
/// hide the message.
pub fn log_tail(log: &str, count: usize) -> String {
    let frame = |line: &&str| {
        let t = line.trim_start();
        t.starts_with("at ") || t.split_once(": ").is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    let lines: Vec<&str> = log.lines().filter(|l| !frame(l)).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// `scf-node` beside this executable, else on the PATH.
fn node_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name("scf-node"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("scf-node"))
}

/// Starts the node in the background (its own process group, so it outlives `scf`).
pub fn start_node(dir: &Path, node: &NodeEntry) -> Result<bool> {
    if running_pid(dir, node).is_some() {
        return Ok(false);
    }
    let node_dir = dir.join(&node.dir);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(node_dir.join("node.log"))?;
    let mut cmd = Command::new(node_binary());
    cmd.arg("--config")
        .arg(node_dir.join("node.toml"))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn().with_context(|| format!("starting {}", node_binary().display()))?;
    std::fs::write(pid_file(dir, node), format!("{}\n", child.id()))?;
    Ok(true)
}

/// Stops the node: SIGTERM (a clean shutdown, up to 10 s, then SIGKILL), or SIGKILL at once.
pub fn stop_node(dir: &Path, node: &NodeEntry, kill: bool) -> Result<bool> {
    use nix::sys::signal::{kill as send, Signal};
    let Some(pid) = running_pid(dir, node) else {
        let _ = std::fs::remove_file(pid_file(dir, node));
        return Ok(false);
    };
    let target = nix::unistd::Pid::from_raw(pid);
    send(target, if kill { Signal::SIGKILL } else { Signal::SIGTERM })?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while running_pid(dir, node).is_some() {
        if Instant::now() > deadline {
            send(target, Signal::SIGKILL)?;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(pid_file(dir, node));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::log_tail;

    #[test]
    fn a_log_tail_keeps_the_error_and_drops_backtrace_frames() {
        let log = "INFO chain opened\nError: starting consensus: address in use\n\nStack backtrace:\n   0: \
                   anyhow::error::new\n             at /src/error.rs:10:5\n  33: _start\n";
        let tail = log_tail(log, 3);
        assert_eq!(tail, "Error: starting consensus: address in use\n\nStack backtrace:");
        assert_eq!(log_tail(log, 100).lines().next(), Some("INFO chain opened"));
    }
}
