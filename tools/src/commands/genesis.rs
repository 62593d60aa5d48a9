//! `scf genesis`: chain specs and keys for new networks.
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use crate::{
    client::{print_json, Ctx},
    localnet,
};

#[derive(Subcommand)]
pub enum GenesisCmd {
    /// Write keys, per-node configs (distinct loopback ports) and a chain spec for a local
    /// network. Members are the dev chain's (public dev keys): for testing only.
    New {
        #[arg(long, default_value_t = 4)]
        validators: usize,
        #[arg(long, default_value_t = 0)]
        full_nodes: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "scf-localnet")]
        chain_id: String,
        /// Node i listens on base+4i (consensus), base+4i+1 (transactions), base+4i+2 (RPC) and
        /// serves metrics on base+4i+3.
        #[arg(long, default_value_t = 30000)]
        base_port: u16,
    },
}

pub async fn run(ctx: &Ctx, cmd: GenesisCmd) -> Result<()> {
    let GenesisCmd::New { validators, full_nodes, out, chain_id, base_port } = cmd;
    let m = localnet::genesis_new(&localnet::GenesisOptions {
        validators,
        full_nodes,
        out: out.clone(),
        chain_id,
        base_port,
    })?;
    if ctx.json {
        print_json(&serde_json::to_value(&m)?);
    } else {
        println!("wrote chain {} to {}:", m.chain_id, out.display());
        for n in &m.nodes {
            println!("  {:<12} {:<10} rpc http://{}", n.name, n.role, n.rpc);
        }
        println!("start it with: scf localnet up {}", out.display());
    }
    Ok(())
}
