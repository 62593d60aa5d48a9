//! `scf contract`: deploy, upgrade, call and query contracts.
use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use scf_interface::governance as gv;
use scf_primitives::{ContractAddress, Payload};
use scf_rpc_api::{to_hex, ScfApiClient};
use serde_json::json;

use super::governance::ensure_approved;
use crate::{
    args,
    client::{print_json, rpc_err, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum ContractCmd {
    /// Every installed contract: address, code hash, version and the approval behind it.
    List,
    /// Deploy a Wasm contract whose code the validators approved (`scf governance propose-code`).
    /// On a dev chain, its one validator approves it first, so one command deploys.
    Deploy {
        file: PathBuf,
        /// Arguments of its `init`, as a JSON array of "type:value" strings.
        #[arg(long, default_value = "[]")]
        init_args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Replace a contract's code with approved code (`scf governance propose-code FILE --upgrade
    /// CONTRACT`); it keeps its address and storage, and the new code's `migrate` runs if present.
    Upgrade {
        /// An address or a system contract name.
        contract: String,
        file: PathBuf,
        /// Arguments of its `migrate`, as a JSON array of "type:value" strings.
        #[arg(long, default_value = "[]")]
        migrate_args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Call a contract method in a transaction.
    Call {
        address: String,
        method: String,
        /// JSON array of "type:value" strings, e.g. '["u64:1", "string:supplier2", "u128:40000"]'.
        #[arg(long, default_value = "[]")]
        args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Run a method read-only and print its return data (hex).
    Query {
        address: String,
        method: String,
        #[arg(long, default_value = "[]")]
        args: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: ContractCmd) -> Result<()> {
    match cmd {
        ContractCmd::List => {
            let contracts = ctx.client.list_contracts(0, 1000).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&contracts)?);
            } else {
                for c in &contracts {
                    let approval = match c.proposal {
                        Some(p) => format!("proposal {p}, {} approver(s)", c.approvers.len()),
                        None => "genesis".into(),
                    };
                    println!(
                        "{:<14} v{:<3} {}  code {}  ({approval})",
                        c.name.as_deref().unwrap_or("-"),
                        c.version,
                        c.address,
                        c.code_hash
                    );
                }
            }
        }
        ContractCmd::Deploy { file, init_args, tx } => {
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let init_args = encode_args(ctx, &init_args).await?;
            ensure_approved(ctx, &code, gv::CodeAction::Deploy).await?;
            let account = ctx.keys.account(ctx.signer()?)?;
            let nonce = ctx.client.get_account(account.to_hex()).await.map_err(rpc_err)?.nonce;
            let address = ContractAddress::derive(&account, nonce);
            let view = ctx.submit(ctx.signer()?, tx.no_wait, Payload::Deploy { code, init_args }).await?;
            let mut extra = serde_json::Map::new();
            extra.insert("address".into(), json!(address.to_hex()));
            ctx.report_with(&view, extra, |_| format!("deployed contract {address}"))?;
        }
        ContractCmd::Upgrade { contract, file, migrate_args, tx } => {
            let contract = contract_address(&contract)?;
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let migrate_args = encode_args(ctx, &migrate_args).await?;
            ensure_approved(ctx, &code, gv::CodeAction::Upgrade { contract }).await?;
            let view = ctx
                .submit(ctx.signer()?, tx.no_wait, Payload::Upgrade { contract, code, migrate_args })
                .await?;
            let mut extra = serde_json::Map::new();
            extra.insert("address".into(), json!(contract.to_hex()));
            ctx.report_with(&view, extra, |_| format!("upgraded contract {contract}"))?;
        }
        ContractCmd::Call { address, method, args, tx } => {
            let contract =
                ContractAddress::from_hex(&address).map_err(|e| anyhow!("contract address: {e}"))?;
            let args = encode_args(ctx, &args).await?;
            let view =
                ctx.submit(ctx.signer()?, tx.no_wait, Payload::Call { contract, method, args }).await?;
            ctx.report(&view, |data| format!("ok, return data {}", to_hex(data)))?;
        }
        ContractCmd::Query { address, method, args } => {
            let contract =
                ContractAddress::from_hex(&address).map_err(|e| anyhow!("contract address: {e}"))?;
            let args = encode_args(ctx, &args).await?;
            let data = ctx.query_raw(contract, &method, args).await?;
            if ctx.json {
                print_json(&json!({"data": to_hex(&data)}));
            } else {
                println!("{}", to_hex(&data));
            }
        }
    }
    Ok(())
}

/// A contract by address (hex) or system contract name (`receivables`, ...).
pub(crate) fn contract_address(s: &str) -> Result<ContractAddress> {
    if scf_primitives::SYSTEM_CONTRACTS.contains(&s) {
        return Ok(ContractAddress::system(s));
    }
    ContractAddress::from_hex(s)
        .map_err(|e| anyhow!("contract {s:?} is neither a system contract name nor an address: {e}"))
}

pub(crate) async fn encode_args(ctx: &Ctx, json_args: &str) -> Result<Vec<u8>> {
    // Names in `account:` arguments resolve to accounts through local keys, then the registry.
    let items: Vec<String> = serde_json::from_str(json_args)
        .map_err(|e| anyhow!("--args must be a JSON array of strings: {e}"))?;
    let mut names = std::collections::BTreeMap::new();
    for item in &items {
        let mut rest = item.as_str();
        while let Some(r) = rest.strip_prefix("some:") {
            rest = r;
        }
        if let Some(name) = rest.strip_prefix("account:") {
            if let Ok(a) = ctx.resolve_account(name).await {
                names.insert(name.to_string(), a);
            }
        }
    }
    Ok(args::encode(json_args, &|n| names.get(n).copied())?)
}
