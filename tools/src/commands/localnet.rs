//! `scf localnet`: a local multi-node network in the background.
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use scf_rpc_api::ScfApiClient;
use serde_json::json;

use crate::{
    client::{print_json, Ctx},
    localnet,
};

#[derive(Subcommand)]
pub enum LocalnetCmd {
    /// Start every node that is not running and wait for its RPC.
    Up { dir: PathBuf },
    /// Stop every node.
    Down { dir: PathBuf },
    /// Stop one node (SIGTERM, or SIGKILL with --kill).
    Stop {
        dir: PathBuf,
        /// Node name, e.g. validator2.
        #[arg(value_name = "NODE")]
        name: String,
        #[arg(long)]
        kill: bool,
    },
    /// Start one node again; waits until it answers JSON-RPC (a node that exits instead fails the
    /// command with the end of its log).
    Start {
        dir: PathBuf,
        #[arg(value_name = "NODE")]
        name: String,
    },
    /// Which nodes run, with their height.
    Status { dir: PathBuf },
}

/// How long a started node may take to open its chain and answer JSON-RPC.
pub(crate) const NODE_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits until a just-started node answers JSON-RPC. A node that exits instead (a port taken,
/// a damaged data directory) fails the command with the end of its log, not later and silently.
pub(crate) async fn wait_answering(
    dir: &Path,
    node: &localnet::NodeEntry,
    client: &HttpClient,
    deadline: std::time::Instant,
) -> Result<()> {
    let log = dir.join(&node.dir).join("node.log");
    while client.chain_head().await.is_err() {
        if localnet::running_pid(dir, node).is_none() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            bail!(
                "node {} exited; the end of {}:\n{}",
                node.name,
                log.display(),
                localnet::log_tail(&text, 15)
            );
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "node {} did not answer on {} within {} s",
                node.name,
                node.rpc,
                NODE_START_TIMEOUT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, cmd: LocalnetCmd) -> Result<()> {
    let rpc_client = |rpc: &str| {
        HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(2))
            .build(format!("http://{rpc}"))
            .map_err(|e| anyhow!("{e}"))
    };
    match cmd {
        LocalnetCmd::Up { dir } => {
            let m = localnet::load(&dir)?;
            for n in &m.nodes {
                localnet::start_node(&dir, n)?;
            }
            let deadline = std::time::Instant::now() + NODE_START_TIMEOUT;
            for n in &m.nodes {
                wait_answering(&dir, n, &rpc_client(&n.rpc)?, deadline).await?;
            }
            let list: Vec<_> = m
                .nodes
                .iter()
                .map(|n| {
                    json!({"name": n.name, "role": n.role, "rpc": format!("http://{}", n.rpc),
                           "metrics": n.metrics.as_ref().map(|m| format!("http://{m}/metrics"))})
                })
                .collect();
            if ctx.json {
                print_json(&json!(list));
            } else {
                for n in &list {
                    println!(
                        "{:<12} {:<10} {:<28} {}",
                        n["name"].as_str().unwrap_or(""),
                        n["role"].as_str().unwrap_or(""),
                        n["rpc"].as_str().unwrap_or(""),
                        n["metrics"].as_str().map(|m| format!("metrics {m}")).unwrap_or_default()
                    );
                }
            }
        }
        LocalnetCmd::Down { dir } => {
            let m = localnet::load(&dir)?;
            for n in &m.nodes {
                if localnet::stop_node(&dir, n, false)? && !ctx.json {
                    println!("stopped {}", n.name);
                }
            }
        }
        LocalnetCmd::Stop { dir, name: node, kill } => {
            let m = localnet::load(&dir)?;
            let stopped = localnet::stop_node(&dir, m.node(&node)?, kill)?;
            if !ctx.json {
                println!("{node} {}", if stopped { "stopped" } else { "was not running" });
            }
        }
        LocalnetCmd::Start { dir, name: node } => {
            let m = localnet::load(&dir)?;
            let entry = m.node(&node)?;
            let started = localnet::start_node(&dir, entry)?;
            let deadline = std::time::Instant::now() + NODE_START_TIMEOUT;
            wait_answering(&dir, entry, &rpc_client(&entry.rpc)?, deadline).await?;
            if !ctx.json {
                println!("{node} {}", if started { "started" } else { "is already running" });
            }
        }
        LocalnetCmd::Status { dir } => {
            let m = localnet::load(&dir)?;
            let mut rows = Vec::new();
            for n in &m.nodes {
                let height = match localnet::running_pid(&dir, n) {
                    Some(_) => rpc_client(&n.rpc)?.chain_head().await.ok().map(|h| h.height),
                    None => None,
                };
                rows.push(json!({"name": n.name, "role": n.role, "rpc": format!("http://{}", n.rpc),
                                 "running": localnet::running_pid(&dir, n).is_some(), "height": height}));
            }
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for r in rows {
                    println!(
                        "{:<12} {:<10} {:<28} {}",
                        r["name"].as_str().unwrap_or(""),
                        r["role"].as_str().unwrap_or(""),
                        r["rpc"].as_str().unwrap_or(""),
                        if r["running"] == json!(true) {
                            format!("running, height {}", r["height"])
                        } else {
                            "stopped".into()
                        }
                    );
                }
            }
        }
    }
    Ok(())
}
