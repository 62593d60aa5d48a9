//! `scf network`: nodes admitted to the peer-to-peer network.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::registry::{NetworkNode, NodeRole};
use scf_primitives::AccountId;
use serde_json::json;

use crate::client::{print_json, Ctx, TxOpts};

#[derive(Subcommand)]
pub enum NetworkCmd {
    /// Every admitted node: validators and full nodes with their node keys.
    Nodes,
    /// Admit a full node by its node (libp2p identity) public key (operator).
    AddNode {
        #[arg(long)]
        name: String,
        /// Hex ed25519 public key of the node's `node.key`.
        #[arg(long)]
        node_key: String,
        /// The member that runs the node: while it is suspended, every peer refuses the node.
        #[arg(long)]
        member: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Remove a full node; every peer disconnects it (operator).
    RemoveNode {
        #[arg(value_name = "NAME")]
        node_name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub async fn run(ctx: &Ctx, cmd: NetworkCmd) -> Result<()> {
    match cmd {
        NetworkCmd::Nodes => {
            let nodes: Vec<NetworkNode> = ctx.query(api::registry::NODES, &()).await?;
            let rows: Vec<_> = nodes
                .iter()
                .map(|n| {
                    json!({"name": n.name, "role": n.role.as_str(), "node_key": n.node_key.to_hex(),
                       "member": n.member})
                })
                .collect();
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for n in &nodes {
                    let member = n.member.as_deref().unwrap_or("-");
                    println!("{:<16} {:<10} {:<16} {}", n.name, n.role.as_str(), member, n.node_key);
                }
            }
        }
        NetworkCmd::AddNode { name, node_key, member, tx } => {
            let node_key = AccountId::from_hex(&node_key).map_err(|e| anyhow!("--node-key: {e}"))?;
            let args =
                NetworkNode { name: name.clone(), node_key, role: NodeRole::FullNode, member: Some(member) };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::ADD_NODE, &args).await?;
            ctx.report(&view, |_| format!("full node {name} is admitted to the network"))?;
        }
        NetworkCmd::RemoveNode { node_name, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REMOVE_NODE, &node_name).await?;
            ctx.report(&view, |_| format!("node {node_name} is removed from the network"))?;
        }
    }
    Ok(())
}
