//! `scf governance`: validator-set and code governance.
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::governance as gv;
use scf_primitives::AccountId;
use scf_rpc_api::ScfApiClient;
use serde_json::json;

use super::contract::contract_address;
use crate::client::{print_json, return_data, rpc_err, Ctx, TxOpts};

#[derive(Subcommand)]
pub enum GovernanceCmd {
    /// The validator set deciding a height (default: the next block).
    Validators {
        #[arg(long)]
        height: Option<u64>,
    },
    /// The schedule: every set with the height it starts at.
    Schedule,
    /// Open proposals.
    Proposals,
    /// Propose adding a validator.
    ProposeAdd {
        #[arg(long)]
        name: String,
        /// Hex consensus public key.
        #[arg(long)]
        consensus_key: String,
        /// Hex node (libp2p identity) public key.
        #[arg(long)]
        node_key: String,
        #[arg(long, default_value_t = 1)]
        power: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose removing a validator (by consensus key or validator name).
    ProposeRemove {
        validator: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose changing a validator's voting power.
    ProposePower {
        validator: String,
        #[arg(long)]
        power: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose approving contract code (SHA-256 of FILE): for a new contract, or with
    /// `--upgrade CONTRACT` to replace that contract's code. Once more than two thirds of the
    /// voting power approve, anyone who is a member may install it within 7 days.
    ProposeCode {
        file: PathBuf,
        /// The contract to upgrade: an address or a system contract name.
        #[arg(long)]
        upgrade: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Vote on a proposal.
    Vote {
        proposal: u64,
        #[arg(value_parser = ["yes", "no"])]
        choice: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub(crate) fn proposal_json(p: &gv::Proposal) -> serde_json::Value {
    let change = match &p.change {
        gv::Change::Add(v) => {
            json!({"add": {"name": v.name, "consensus_key": v.consensus_key.to_hex(),
            "node_key": v.node_key.to_hex(), "power": v.power}})
        }
        gv::Change::Remove { consensus_key } => json!({"remove": consensus_key.to_hex()}),
        gv::Change::SetPower { consensus_key, power } => {
            json!({"set_power": {"consensus_key": consensus_key.to_hex(), "power": power}})
        }
        gv::Change::Code { code_hash, action } => json!({"code": {
            "code_hash": code_hash.to_hex(),
            "action": match action {
                gv::CodeAction::Deploy => json!("deploy"),
                gv::CodeAction::Upgrade { contract } => json!({"upgrade": contract.to_hex()}),
            },
        }}),
    };
    let status = match p.status {
        gv::ProposalStatus::Open => json!("open"),
        gv::ProposalStatus::Rejected => json!("rejected"),
        gv::ProposalStatus::Expired => json!("expired"),
        gv::ProposalStatus::Passed { activation_height } => {
            json!({"passed": {"activation_height": activation_height}})
        }
    };
    json!({"id": p.id, "change": change, "proposer": p.proposer.to_hex(), "created_height": p.created_height,
           "created_ms": p.created_ms, "yes": p.yes.len(), "no": p.no.len(), "status": status})
}

pub(crate) fn proposal_line(p: &gv::Proposal) -> String {
    match (&p.status, &p.change) {
        (gv::ProposalStatus::Passed { .. }, gv::Change::Code { code_hash, .. }) => {
            format!("proposal {} passed: code {code_hash} may now be installed (within 7 days)", p.id)
        }
        (gv::ProposalStatus::Passed { activation_height }, _) => {
            format!("proposal {} passed: the new set decides from height {activation_height}", p.id)
        }
        _ => format!("proposal {} is open for the other validators' votes", p.id),
    }
}

pub(crate) fn validators_json(set: &[gv::ValidatorEntry]) -> serde_json::Value {
    json!(set
        .iter()
        .map(|v| json!({"name": v.name, "consensus_key": v.consensus_key.to_hex(), "node_key": v.node_key.to_hex(), "power": v.power}))
        .collect::<Vec<_>>())
}

pub async fn run(ctx: &Ctx, cmd: GovernanceCmd) -> Result<()> {
    // A validator by name or consensus key, looked up in the latest scheduled set.
    let validator_key = |who: String| async move {
        if let Ok(k) = AccountId::from_hex(&who) {
            return Ok::<_, anyhow::Error>(k);
        }
        let schedule: Vec<gv::ScheduledSet> = ctx.query(api::governance::SCHEDULE, &()).await?;
        schedule
            .iter()
            .rev()
            .flat_map(|s| s.validators.iter())
            .find(|v| v.name == who)
            .map(|v| v.consensus_key)
            .ok_or_else(|| anyhow!("no validator named {who:?}"))
    };
    let propose = |change: gv::Change, tx: TxOpts| async move {
        let view = ctx.call(ctx.signer()?, tx.no_wait, api::governance::PROPOSE, &change).await?;
        ctx.report_value(&view, api::governance::PROPOSE, |p| json!({ "proposal_id": p.id }), proposal_line)
    };
    match cmd {
        GovernanceCmd::Validators { height } => {
            let height = match height {
                Some(h) => h,
                None => ctx.client.chain_head().await.map_err(rpc_err)?.height + 1,
            };
            let set: Vec<gv::ValidatorEntry> = ctx.query(api::governance::VALIDATORS_AT, &height).await?;
            if ctx.json {
                print_json(&validators_json(&set));
            } else {
                println!("validators deciding height {height}:");
                for v in &set {
                    println!("  {:<16} power {:<4} {}", v.name, v.power, v.consensus_key);
                }
            }
        }
        GovernanceCmd::Schedule => {
            let schedule: Vec<gv::ScheduledSet> = ctx.query(api::governance::SCHEDULE, &()).await?;
            let rows: Vec<_> = schedule
                .iter()
                .map(|s| json!({"from_height": s.from_height, "validators": validators_json(&s.validators)}))
                .collect();
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for s in &schedule {
                    let names: Vec<String> =
                        s.validators.iter().map(|v| format!("{} ({})", v.name, v.power)).collect();
                    println!("from height {:<8} {}", s.from_height, names.join(", "));
                }
            }
        }
        GovernanceCmd::Proposals => {
            let open: Vec<gv::Proposal> = ctx.query(api::governance::OPEN_PROPOSALS, &()).await?;
            let rows: Vec<_> = open.iter().map(proposal_json).collect();
            if ctx.json {
                print_json(&json!(rows));
            } else if rows.is_empty() {
                println!("no open proposals");
            } else {
                for r in rows {
                    println!("{r}");
                }
            }
        }
        GovernanceCmd::ProposeAdd { name, consensus_key, node_key, power, tx } => {
            let entry = gv::ValidatorEntry {
                name,
                consensus_key: AccountId::from_hex(&consensus_key)
                    .map_err(|e| anyhow!("--consensus-key: {e}"))?,
                node_key: AccountId::from_hex(&node_key).map_err(|e| anyhow!("--node-key: {e}"))?,
                power,
            };
            propose(gv::Change::Add(entry), tx).await?;
        }
        GovernanceCmd::ProposeRemove { validator, tx } => {
            let consensus_key = validator_key(validator).await?;
            propose(gv::Change::Remove { consensus_key }, tx).await?;
        }
        GovernanceCmd::ProposePower { validator, power, tx } => {
            let consensus_key = validator_key(validator).await?;
            propose(gv::Change::SetPower { consensus_key, power }, tx).await?;
        }
        GovernanceCmd::ProposeCode { file, upgrade, tx } => {
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let action = match upgrade {
                Some(contract) => gv::CodeAction::Upgrade { contract: contract_address(&contract)? },
                None => gv::CodeAction::Deploy,
            };
            propose(gv::Change::Code { code_hash: scf_primitives::sha256(&code), action }, tx).await?;
        }
        GovernanceCmd::Vote { proposal, choice, tx } => {
            let args = gv::VoteArgs { proposal, approve: choice == "yes" };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::governance::VOTE, &args).await?;
            ctx.report(&view, |data| match borsh::from_slice::<gv::Proposal>(data) {
                Ok(p) => format!("voted {choice} on proposal {}: {}", p.id, proposal_json(&p)["status"]),
                Err(_) => "voted".into(),
            })?;
        }
    }
    Ok(())
}

/// Checks that governance approved `code` for `action` before sending it (the chain would refuse
/// it anyway, after a block). On a dev chain whose one validator is the dev key `validator0`, that
/// validator proposes it, which alone passes it: one command deploys there, as developers expect.
pub(crate) async fn ensure_approved(ctx: &Ctx, code: &[u8], action: gv::CodeAction) -> Result<()> {
    let code_hash = scf_primitives::sha256(code);
    let approval: Option<gv::CodeApproval> = ctx.query(api::governance::CODE_APPROVAL, &code_hash).await?;
    match approval {
        Some(a) if a.action == action => return Ok(()),
        Some(a) => bail!(
            "code {code_hash} was approved by proposal {} for something else ({:?}); propose it again for this",
            a.proposal,
            a.action
        ),
        None => {}
    }
    let head = ctx.client.chain_head().await.map_err(rpc_err)?;
    if !head.dev {
        bail!(
            "code {code_hash} has no live approval: a validator proposes it with `scf governance propose-code \
             FILE{}` and more than two thirds of the voting power approve (`scf governance vote`)",
            match &action {
                gv::CodeAction::Upgrade { contract } => format!(" --upgrade {contract}"),
                gv::CodeAction::Deploy => String::new(),
            }
        );
    }
    let validator = ctx.acting_as("validator0").await?;
    let view = validator
        .call("validator0", false, api::governance::PROPOSE, &gv::Change::Code { code_hash, action })
        .await?;
    let proposal: gv::Proposal = borsh::from_slice(&return_data(&view)?)?;
    if !matches!(proposal.status, gv::ProposalStatus::Passed { .. }) {
        bail!(
            "dev chain: validator0's approval did not pass proposal {} (has the validator set changed?)",
            proposal.id
        );
    }
    if !ctx.json {
        println!("dev chain: validator0 approved code {code_hash} (proposal {})", proposal.id);
    }
    Ok(())
}
