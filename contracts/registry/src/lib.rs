//! # scf-registry
//!
//! The consortium's member registry: which organisations are members, under which name, legal
//! name, registration id and role, which accounts act for each, and whether they are active.
//! Operators onboard and suspend members. Its storage layout
//! (`scf_primitives::apps::registry::{member_key, account_key, member_index_key}`) is public API: other
//! contracts read it directly to check roles.
//!
//! Must not: hold business state (vouchers, balances); that belongs to the contracts that use it.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec::Vec};

use scf_sdk::{
    caller, emit, ensure, fail,
    primitives::apps::registry::{
        account_key, member_index_key, member_key, AccountArgs, InitArgs, Member, MemberPage, NetworkNode,
        NodeRole, Page, RegisterArgs, Role, SetActiveArgs, SetMakerCheckerArgs, SetValidatorNodeArgs,
        MAX_PAGE, MEMBER_COUNT_KEY, NODES_KEY,
    },
    storage, AccountId, Result,
};

scf_sdk::entry_points! {
    init => init,
    register => register,
    set_active => set_active,
    add_account => add_account,
    remove_account => remove_account,
    set_maker_checker => set_maker_checker,
    add_node => add_node,
    remove_node => remove_node,
    set_validator_node => set_validator_node,
    nodes => nodes,
    get => get,
    get_by_name => get_by_name,
    list => list,
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(MEMBER_COUNT_KEY).is_none(), "registry is already initialised");
    ensure!(
        args.members.iter().any(|m| m.role == Role::Operator && m.active),
        "the registry needs at least one active operator"
    );
    storage::set(MEMBER_COUNT_KEY, &0u64);
    for m in args.members {
        add(m)?;
    }
    let mut nodes = Vec::new();
    for n in args.nodes {
        check_new_node(&nodes, &n)?;
        nodes.push(n);
    }
    storage::set(NODES_KEY, &nodes);
    Ok(())
}

fn check_new_node(nodes: &[NetworkNode], n: &NetworkNode) -> Result<()> {
    ensure!(!n.name.is_empty() && n.name.len() <= 64, "node name {:?} must be 1-64 bytes", n.name);
    ensure!(nodes.len() < 1024, "the network already has 1024 nodes");
    if let Some(other) = nodes.iter().find(|o| o.name == n.name || o.node_key == n.node_key) {
        fail!("node {} or its key is already listed (as {})", n.name, other.name);
    }
    Ok(())
}

fn all_nodes() -> Vec<NetworkNode> {
    storage::get(NODES_KEY).unwrap_or_default()
}

/// Admits a full node to the network (operator). Validators change only with the validator set.
fn add_node(n: NetworkNode) -> Result<()> {
    require_operator()?;
    ensure!(n.role == NodeRole::FullNode, "operators add full nodes; validators change by governance");
    let mut nodes = all_nodes();
    check_new_node(&nodes, &n)?;
    nodes.push(n.clone());
    storage::set(NODES_KEY, &nodes);
    emit("node_added", &n);
    Ok(())
}

/// Removes a full node; peers drop its connections at their next block.
fn remove_node(name: String) -> Result<()> {
    require_operator()?;
    let mut nodes = all_nodes();
    let Some(i) = nodes.iter().position(|n| n.name == name) else {
        fail!("no node named {name:?}");
    };
    ensure!(
        nodes[i].role == NodeRole::FullNode,
        "node {name} is a validator; validators change by governance"
    );
    let removed = nodes.remove(i);
    storage::set(NODES_KEY, &nodes);
    emit("node_removed", &removed);
    Ok(())
}

/// Keeps validators' node keys in step with the validator set (governance contract only).
fn set_validator_node(args: SetValidatorNodeArgs) -> Result<()> {
    let governance = scf_sdk::ContractAddress::system("governance");
    ensure!(caller().0 == governance.0, "only the governance contract changes validator nodes");
    let mut nodes = all_nodes();
    if args.present {
        if let Some(full) =
            nodes.iter_mut().find(|n| n.node_key == args.node_key && n.role == NodeRole::FullNode)
        {
            // A full node promoted to validator keeps its entry.
            full.role = NodeRole::Validator;
            emit("node_promoted", &full.name);
        } else {
            let n = NetworkNode { name: args.name, node_key: args.node_key, role: NodeRole::Validator };
            check_new_node(&nodes, &n)?;
            nodes.push(n.clone());
            emit("node_added", &n);
        }
    } else {
        let before = nodes.len();
        nodes.retain(|n| !(n.role == NodeRole::Validator && n.node_key == args.node_key));
        ensure!(nodes.len() < before, "validator node {} is not listed", args.name);
        emit("node_removed", &args.name);
    }
    storage::set(NODES_KEY, &nodes);
    Ok(())
}

fn nodes(_: ()) -> Result<Vec<NetworkNode>> {
    Ok(all_nodes())
}

fn validate(m: &Member) -> Result<()> {
    let name = &m.name;
    ensure!(
        !name.is_empty()
            && name.len() <= 32
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'),
        "member name {name:?} must be 1-32 characters of a-z, 0-9, '_' or '-'"
    );
    ensure!(m.legal_name.len() <= 200, "legal name of {name} is longer than 200 bytes");
    ensure!(m.registration_id.len() <= 64, "registration id of {name} is longer than 64 bytes");
    ensure!(
        !m.accounts.is_empty() && m.accounts.len() <= MAX_ACCOUNTS,
        "member {name} needs 1 to 16 accounts"
    );
    ensure!(
        !m.maker_checker || m.accounts.len() >= 2,
        "member {name} requires maker–checker and so needs at least two accounts"
    );
    if let Some(parent) = &m.parent {
        ensure!(m.role == Role::CoreEnterprise, "only a core enterprise can be a subsidiary ({name} is not)");
        let Some(p) = storage::get::<Member>(&member_key(parent)) else {
            fail!("parent {parent:?} of {name} is not a member");
        };
        ensure!(p.role == Role::CoreEnterprise, "parent {parent} of {name} is not a core enterprise");
        // One level keeps credit-line resolution a single lookup and the group tree obvious.
        ensure!(
            p.parent.is_none(),
            "parent {parent} is itself a subsidiary; subsidiaries cannot have subsidiaries"
        );
    }
    Ok(())
}

const MAX_ACCOUNTS: usize = 16;

fn add(m: Member) -> Result<()> {
    validate(&m)?;
    ensure!(storage::get_raw(&member_key(&m.name)).is_none(), "member name {:?} is taken", m.name);
    for a in &m.accounts {
        if let Some(other) = storage::get::<String>(&account_key(a)) {
            fail!("account {a} already acts for member {other}");
        }
        storage::set(&account_key(a), &m.name);
    }
    storage::set(&member_key(&m.name), &m);
    let count: u64 = storage::get(MEMBER_COUNT_KEY).unwrap_or(0);
    storage::set(&member_index_key(count), &m.name);
    storage::set(MEMBER_COUNT_KEY, &(count + 1));
    emit("member_registered", &m);
    Ok(())
}

fn member_of(account: &AccountId) -> Option<Member> {
    let name: String = storage::get(&account_key(account))?;
    storage::get(&member_key(&name))
}

fn require_operator() -> Result<Member> {
    let who = caller();
    match member_of(&who) {
        Some(m) if m.role == Role::Operator && m.active => Ok(m),
        Some(m) if m.role == Role::Operator => fail!("operator {} is suspended", m.name),
        _ => fail!("caller {who} is not an operator"),
    }
}

fn register(args: RegisterArgs) -> Result<()> {
    require_operator()?;
    add(Member {
        name: args.name,
        legal_name: args.legal_name,
        registration_id: args.registration_id,
        role: args.role,
        active: true,
        accounts: args.accounts,
        maker_checker: args.maker_checker,
        parent: args.parent,
    })
}

fn load(name: &str) -> Result<Member> {
    match storage::get::<Member>(&member_key(name)) {
        Some(m) => Ok(m),
        None => fail!("{name:?} is not a member"),
    }
}

fn add_account(args: AccountArgs) -> Result<()> {
    require_operator()?;
    let mut m = load(&args.name)?;
    ensure!(m.accounts.len() < MAX_ACCOUNTS, "member {} already has {MAX_ACCOUNTS} accounts", m.name);
    if let Some(other) = storage::get::<String>(&account_key(&args.account)) {
        fail!("account {} already acts for member {other}", args.account);
    }
    storage::set(&account_key(&args.account), &m.name);
    m.accounts.push(args.account);
    storage::set(&member_key(&m.name), &m);
    emit("member_account_added", &(m.name, args.account));
    Ok(())
}

fn remove_account(args: AccountArgs) -> Result<()> {
    require_operator()?;
    let mut m = load(&args.name)?;
    ensure!(m.accounts.contains(&args.account), "account {} does not act for {}", args.account, m.name);
    let min = if m.maker_checker { 2 } else { 1 };
    ensure!(
        m.accounts.len() > min,
        "member {} must keep at least {min} account(s){}",
        m.name,
        if m.maker_checker { " while it requires maker–checker" } else { "" }
    );
    m.accounts.retain(|a| *a != args.account);
    storage::remove(&account_key(&args.account));
    storage::set(&member_key(&m.name), &m);
    emit("member_account_removed", &(m.name, args.account));
    Ok(())
}

fn set_maker_checker(args: SetMakerCheckerArgs) -> Result<()> {
    let who = caller();
    let Some(actor) = member_of(&who).filter(|m| m.active) else {
        fail!("caller {who} is not an active member");
    };
    let mut m = load(&args.name)?;
    let is_operator = actor.role == Role::Operator;
    ensure!(
        is_operator || (actor.name == m.name && args.required),
        "only an operator may change maker–checker for {}; a member may only switch it on for itself",
        m.name
    );
    ensure!(
        !args.required || m.accounts.len() >= 2,
        "member {} needs at least two accounts before it can require maker–checker",
        m.name
    );
    m.maker_checker = args.required;
    storage::set(&member_key(&m.name), &m);
    emit("member_maker_checker", &(m.name, args.required));
    Ok(())
}

fn set_active(args: SetActiveArgs) -> Result<()> {
    let operator = require_operator()?;
    let mut m = load(&args.name)?;
    ensure!(args.name != operator.name || args.active, "an operator cannot suspend itself");
    m.active = args.active;
    storage::set(&member_key(&args.name), &m);
    emit(if args.active { "member_activated" } else { "member_suspended" }, &m);
    Ok(())
}

fn get(account: AccountId) -> Result<Option<Member>> {
    Ok(member_of(&account))
}

fn get_by_name(name: String) -> Result<Option<Member>> {
    Ok(storage::get(&member_key(&name)))
}

fn list(page: Page) -> Result<MemberPage> {
    ensure!((1..=MAX_PAGE).contains(&page.limit), "a page holds 1 to {MAX_PAGE} members");
    let count: u64 = storage::get(MEMBER_COUNT_KEY).unwrap_or(0);
    let end = count.min(page.from.saturating_add(page.limit as u64));
    let members = (page.from..end)
        .filter_map(|i| storage::get::<String>(&member_index_key(i)))
        .filter_map(|n| storage::get(&member_key(&n)))
        .collect();
    Ok(MemberPage { members, next: (end < count).then_some(end) })
}
