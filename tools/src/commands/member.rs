//! `scf member`: consortium members and who controls them.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::registry::{
    AccountArgs, ControlChange, ControlDecision, ControlOutcome, ControlRequest, ControlStatus, Member,
    MemberPage, Page, RegisterArgs, Role, SetActiveArgs, SetMakerCheckerArgs, MAX_PAGE,
};
use serde_json::json;

use crate::client::{print_json, return_data, Ctx, TxOpts};

#[derive(Subcommand)]
pub enum MemberCmd {
    /// All members.
    List,
    /// One member, by name, account or key.
    Show { who: String },
    /// Onboard a member (operator).
    Register {
        #[arg(long)]
        name: String,
        #[arg(long)]
        legal_name: String,
        #[arg(long, default_value = "")]
        registration_id: String,
        /// operator, core_enterprise, supplier, financier or auditor.
        #[arg(long)]
        role: String,
        /// Accounts (hex or key names) that act for the member; repeat for several.
        #[arg(long = "account", required = true)]
        accounts: Vec<String>,
        /// Require a second account's approval for issuance, transfers and financing.
        #[arg(long)]
        maker_checker: bool,
        /// Parent core enterprise of a subsidiary (issues under the parent's credit line).
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Let another account act for a member: applies at once when the member itself asks; an
    /// operator's is a request the member approves (`member approve-change`).
    AddAccount {
        name: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Stop an account acting for a member (as `add-account`: the member itself, or an
    /// operator's request).
    RemoveAccount {
        name: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Require (`on`) or drop (`off`) maker–checker for a member. The member or an operator
    /// switches it on; switching it off is an operator's request the member approves.
    MakerChecker {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        setting: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Open requests to change who controls a member (accounts, maker–checker off).
    Changes,
    /// Approve a control request: as the member (applies it), or as another operator (applies
    /// it once two thirds of the operator members, and at least two, approved).
    ApproveChange {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a control request about your member.
    RejectChange {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Suspend a member (operator).
    Suspend {
        name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reactivate a member (operator).
    Activate {
        name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

pub(crate) fn print_member(ctx: &Ctx, m: &Member) {
    if ctx.json {
        print_json(&member_json(m));
    } else {
        let mut notes = Vec::new();
        if let Some(p) = &m.parent {
            notes.push(format!("subsidiary of {p}"));
        }
        if m.maker_checker {
            notes.push("maker–checker".to_string());
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" [{}]", notes.join(", ")) };
        println!(
            "{:<12} {:<16} {:<8} {:<20} {}{notes}",
            m.name,
            m.role.as_str(),
            if m.active { "active" } else { "SUSPENDED" },
            m.registration_id,
            m.legal_name
        );
    }
}

pub(crate) fn member_json(m: &Member) -> serde_json::Value {
    json!({"name": m.name, "legal_name": m.legal_name, "registration_id": m.registration_id,
           "role": m.role.as_str(), "active": m.active, "maker_checker": m.maker_checker, "parent": m.parent,
           "accounts": m.accounts.iter().map(|a| a.to_hex()).collect::<Vec<_>>()})
}

pub(crate) fn control_json(r: &ControlRequest) -> serde_json::Value {
    let change = match &r.change {
        ControlChange::AddAccount(a) => json!({"add_account": a.to_hex()}),
        ControlChange::RemoveAccount(a) => json!({"remove_account": a.to_hex()}),
        ControlChange::MakerCheckerOff => json!("maker_checker_off"),
    };
    let status = match r.status {
        ControlStatus::Open => "open",
        ControlStatus::Applied => "applied",
        ControlStatus::Rejected => "rejected",
        ControlStatus::Expired => "expired",
    };
    json!({"id": r.id, "member": r.member, "change": change, "requested_by": r.requested_by,
           "operator_approvals": r.operator_approvals, "created_ms": r.created_ms, "status": status})
}

/// Prints what a control change did: applied, or requested (and how it gets approved).
pub(crate) fn report_control(ctx: &Ctx, view: &scf_rpc_api::TxView, applied: String) -> Result<()> {
    let mut extra = serde_json::Map::new();
    let outcome = return_data(view).ok().and_then(|d| borsh::from_slice::<ControlOutcome>(&d).ok());
    if let Some(ControlOutcome::Requested(r)) = &outcome {
        extra.insert("request".into(), control_json(r));
    }
    ctx.report_with(view, extra, |_| match outcome {
        Some(ControlOutcome::Requested(r)) => format!(
            "requested as control request {}: it applies when {} approves it (`scf member approve-change {} --as <one of its keys>`), \
             or enough other operators do",
            r.id, r.member, r.id
        ),
        _ => applied,
    })
}

pub(crate) async fn decide_control(ctx: &Ctx, id: u64, approve: bool, tx: TxOpts) -> Result<()> {
    let args = ControlDecision { id, approve };
    let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::DECIDE_CONTROL, &args).await?;
    let mut extra = serde_json::Map::new();
    let decided = return_data(&view).ok().and_then(|d| borsh::from_slice::<ControlRequest>(&d).ok());
    if let Some(r) = &decided {
        extra.insert("request".into(), control_json(r));
    }
    ctx.report_with(&view, extra, |_| match decided {
        Some(r) => format!("control request {id} is {}", control_json(&r)["status"].as_str().unwrap_or("?")),
        None => format!("decided control request {id}"),
    })
}

pub async fn run(ctx: &Ctx, cmd: MemberCmd) -> Result<()> {
    match cmd {
        MemberCmd::List => {
            let mut all: Vec<Member> = Vec::new();
            let mut from = Some(0);
            while let Some(start) = from {
                let page: MemberPage =
                    ctx.query(api::registry::LIST, &Page { from: start, limit: MAX_PAGE }).await?;
                all.extend(page.members);
                from = page.next;
            }
            if ctx.json {
                print_json(&json!(all.iter().map(member_json).collect::<Vec<_>>()));
            } else {
                for m in &all {
                    print_member(ctx, m);
                }
            }
        }
        MemberCmd::Show { who } => print_member(ctx, &ctx.member(&who).await?),
        MemberCmd::Register {
            name,
            legal_name,
            registration_id,
            role,
            accounts,
            maker_checker,
            parent,
            tx,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!("role {role:?} must be operator, core_enterprise, supplier, financier, auditor or logistics")
            })?;
            let mut resolved = Vec::new();
            for a in &accounts {
                resolved.push(ctx.resolve_account(a).await?);
            }
            let parent = match parent {
                Some(p) => Some(ctx.member_name(&p).await?),
                None => None,
            };
            let args = RegisterArgs {
                name: name.clone(),
                legal_name,
                registration_id,
                role,
                accounts: resolved,
                maker_checker,
                parent,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REGISTER, &args).await?;
            ctx.report(&view, |_| format!("registered member {name}"))?;
        }
        MemberCmd::AddAccount { name, account, tx } => {
            let args = AccountArgs {
                name: ctx.member_name(&name).await?,
                account: ctx.resolve_account(&account).await?,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::ADD_ACCOUNT, &args).await?;
            report_control(ctx, &view, format!("account {} now acts for {}", args.account, args.name))?;
        }
        MemberCmd::RemoveAccount { name, account, tx } => {
            let args = AccountArgs {
                name: ctx.member_name(&name).await?,
                account: ctx.resolve_account(&account).await?,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REMOVE_ACCOUNT, &args).await?;
            report_control(ctx, &view, format!("account {} no longer acts for {}", args.account, args.name))?;
        }
        MemberCmd::MakerChecker { name, setting, tx } => {
            let args = SetMakerCheckerArgs { name: ctx.member_name(&name).await?, required: setting == "on" };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_MAKER_CHECKER, &args).await?;
            report_control(ctx, &view, format!("maker–checker for {} is {setting}", args.name))?;
        }
        MemberCmd::Changes => {
            let open: Vec<ControlRequest> = ctx.query(api::registry::CONTROL_REQUESTS, &()).await?;
            if ctx.json {
                print_json(&json!(open.iter().map(control_json).collect::<Vec<_>>()));
            } else if open.is_empty() {
                println!("no open control requests");
            } else {
                for r in &open {
                    println!("{}", control_json(r));
                }
            }
        }
        MemberCmd::ApproveChange { id, tx } => decide_control(ctx, id, true, tx).await?,
        MemberCmd::RejectChange { id, tx } => decide_control(ctx, id, false, tx).await?,
        MemberCmd::Suspend { name, tx } => {
            let args = SetActiveArgs { name: name.clone(), active: false };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_ACTIVE, &args).await?;
            ctx.report(&view, |_| format!("suspended member {name}"))?;
        }
        MemberCmd::Activate { name, tx } => {
            let args = SetActiveArgs { name: name.clone(), active: true };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_ACTIVE, &args).await?;
            ctx.report(&view, |_| format!("reactivated member {name}"))?;
        }
    }
    Ok(())
}
