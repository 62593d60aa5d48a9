//! `scf keys`: local signing keys, encrypted at rest.
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use scf_primitives::crypto::Keypair;
use serde_json::json;

use crate::client::{print_json, Ctx};

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Create a key from OS randomness and store it under $SCF_HOME/keys (default ~/.scf),
    /// encrypted under the key store's passphrase (SCF_PASSPHRASE, SCF_PASSPHRASE_FILE, or asked).
    New { name: String },
    /// List stored keys and the built-in dev keys.
    List,
    /// Show a key's account.
    Show { name: String },
    /// Store a key from a seed file (hex), e.g. a validator's consensus.key to vote with it
    /// (encrypted, as `new`).
    Import {
        name: String,
        #[arg(long)]
        file: PathBuf,
    },
}

pub fn run(ctx: &Ctx, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::New { name } => {
            let k = ctx.keys.create(&name)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": k.account_id().to_hex()}));
            } else {
                println!("created key {name}: {}", k.account_id());
            }
        }
        KeysCmd::List => {
            let mut rows = Vec::new();
            for name in ctx.keys.list() {
                rows.push(json!({"name": name, "account": ctx.keys.account(&name)?.to_hex(), "dev": false}));
            }
            for name in scf_primitives::crypto::DEV_KEY_NAMES {
                rows.push(
                    json!({"name": name, "account": Keypair::dev(name).account_id().to_hex(), "dev": true}),
                );
            }
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for r in rows {
                    let tag = if r["dev"] == json!(true) { "  (dev key: public, insecure)" } else { "" };
                    println!(
                        "{:<12} {}{tag}",
                        r["name"].as_str().unwrap_or(""),
                        r["account"].as_str().unwrap_or("")
                    );
                }
            }
        }
        KeysCmd::Import { name, file } => {
            let k = ctx.keys.import(&name, &file)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": k.account_id().to_hex()}));
            } else {
                println!("imported key {name}: {}", k.account_id());
            }
        }
        KeysCmd::Show { name } => {
            let account = ctx.keys.account(&name)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": account.to_hex()}));
            } else {
                println!("{name}: {account}");
            }
        }
    }
    Ok(())
}
