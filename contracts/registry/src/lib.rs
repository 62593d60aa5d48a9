//! # scf-registry
//!
//! The consortium's member registry: which organisations are members, under which name, legal
//! name, registration id and role, which accounts act for each, and whether they are active.
//! Operators onboard and suspend members. Who controls a member (its accounts, maker–checker
//! off) changes only by the member itself, or by an operator's request that one of the member's
//! accounts, or a quorum of operator members, approves: no single operator key can take a member
//! over. Its storage layout
//! (`scf_interface::registry::{member_key, account_key, member_index_key}`) is public API: other
//! contracts read it directly to check roles.
//!
//! Must not: hold business state (vouchers, balances); that belongs to the contracts that use it;
//! let one operator key change who controls another member.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec::Vec};

use scf_sdk::{
    caller, emit, ensure, fail,
    interface::registry::{
        account_key, member_index_key, member_key, operator_quorum, AccountArgs, ControlChange,
        ControlDecision, ControlOutcome, ControlRequest, ControlStatus, InitArgs, MakerCheckerEvent, Member,
        MemberAccountEvent, MemberPage, NetworkNode, NodeRole, Page, RegisterArgs, Role, SetActiveArgs,
        SetMakerCheckerArgs, SetValidatorNodeArgs, CONTROL_REQUEST_LIFETIME_MS, MAX_PAGE, MEMBER_COUNT_KEY,
        NODES_KEY,
    },
    storage, AccountId, Result,
};

use scf_sdk::interface::registry as api;

scf_sdk::entry_points! {
    api::INIT => init,
    api::REGISTER => register,
    api::SET_ACTIVE => set_active,
    api::ADD_ACCOUNT => add_account,
    api::REMOVE_ACCOUNT => remove_account,
    api::SET_MAKER_CHECKER => set_maker_checker,
    api::DECIDE_CONTROL => decide_control,
    api::CONTROL_REQUESTS => control_requests,
    api::ADD_NODE => add_node,
    api::REMOVE_NODE => remove_node,
    api::SET_VALIDATOR_NODE => set_validator_node,
    api::NODES => nodes,
    api::GET => get,
    api::GET_BY_NAME => get_by_name,
    api::LIST => list,
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(MEMBER_COUNT_KEY).is_none(), AlreadyExists, "registry is already initialised");
    ensure!(
        args.members.iter().any(|m| m.role == Role::Operator && m.active),
        InvalidState,
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
    ensure!(
        !n.name.is_empty() && n.name.len() <= 64,
        InvalidArgument,
        "node name {:?} must be 1-64 bytes",
        n.name
    );
    ensure!(nodes.len() < 1024, LimitReached, "the network already has 1024 nodes");
    match (&n.role, &n.member) {
        // Peers refuse a full node while its member is suspended, so it must name one.
        (NodeRole::FullNode, Some(member)) => {
            ensure!(
                storage::get_raw(&member_key(member)).is_some(),
                NotFound,
                "no member named {member:?} runs node {}",
                n.name
            );
        }
        (NodeRole::FullNode, None) => {
            fail!(InvalidArgument, "full node {} must name the member that runs it", n.name)
        }
        (NodeRole::Validator, Some(_)) => {
            fail!(
                InvalidArgument,
                "validator node {} is governed by the validator set, not by a member",
                n.name
            )
        }
        (NodeRole::Validator, None) => {}
    }
    if let Some(other) = nodes.iter().find(|o| o.name == n.name || o.node_key == n.node_key) {
        fail!(AlreadyExists, "node {} or its key is already listed (as {})", n.name, other.name);
    }
    Ok(())
}

/// A node's event concerns the member that runs it.
fn node_parties(n: &NetworkNode) -> Vec<&str> {
    n.member.as_deref().into_iter().collect()
}

fn all_nodes() -> Vec<NetworkNode> {
    storage::get(NODES_KEY).unwrap_or_default()
}

/// Admits a full node to the network (operator). Validators change only with the validator set.
fn add_node(n: NetworkNode) -> Result<()> {
    require_operator()?;
    ensure!(
        n.role == NodeRole::FullNode,
        Unauthorized,
        "operators add full nodes; validators change by governance"
    );
    let mut nodes = all_nodes();
    check_new_node(&nodes, &n)?;
    nodes.push(n.clone());
    storage::set(NODES_KEY, &nodes);
    emit(api::NODE_ADDED, &n, &node_parties(&n));
    Ok(())
}

/// Removes a full node; peers drop its connections at their next block.
fn remove_node(name: String) -> Result<()> {
    require_operator()?;
    let mut nodes = all_nodes();
    let Some(i) = nodes.iter().position(|n| n.name == name) else {
        fail!(NotFound, "no node named {name:?}");
    };
    ensure!(
        nodes[i].role == NodeRole::FullNode,
        Unauthorized,
        "node {name} is a validator; validators change by governance"
    );
    let removed = nodes.remove(i);
    storage::set(NODES_KEY, &nodes);
    emit(api::NODE_REMOVED, &removed, &node_parties(&removed));
    Ok(())
}

/// Keeps validators' node keys in step with the validator set (governance contract only).
fn set_validator_node(args: SetValidatorNodeArgs) -> Result<()> {
    let governance = scf_sdk::SystemContract::Governance.address();
    ensure!(caller().0 == governance.0, Unauthorized, "only the governance contract changes validator nodes");
    let mut nodes = all_nodes();
    if args.present {
        if let Some(full) =
            nodes.iter_mut().find(|n| n.node_key == args.node_key && n.role == NodeRole::FullNode)
        {
            // A full node promoted to validator keeps its entry.
            full.role = NodeRole::Validator;
            full.member = None;
            emit(api::NODE_PROMOTED, &*full, &[]);
        } else {
            let n = NetworkNode {
                name: args.name,
                node_key: args.node_key,
                role: NodeRole::Validator,
                member: None,
            };
            check_new_node(&nodes, &n)?;
            nodes.push(n.clone());
            emit(api::NODE_ADDED, &n, &[]);
        }
    } else {
        let Some(i) = nodes.iter().position(|n| n.role == NodeRole::Validator && n.node_key == args.node_key)
        else {
            fail!(NotFound, "validator node {} is not listed", args.name);
        };
        let removed = nodes.remove(i);
        emit(api::NODE_REMOVED, &removed, &[]);
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
        scf_sdk::primitives::is_member_name(name),
        InvalidArgument,
        "member name {name:?} must be 1-32 characters of a-z, 0-9, '_' or '-'"
    );
    ensure!(m.legal_name.len() <= 200, InvalidArgument, "legal name of {name} is longer than 200 bytes");
    ensure!(
        m.registration_id.len() <= 64,
        InvalidArgument,
        "registration id of {name} is longer than 64 bytes"
    );
    ensure!(
        !m.accounts.is_empty() && m.accounts.len() <= MAX_ACCOUNTS,
        InvalidArgument,
        "member {name} needs 1 to 16 accounts"
    );
    ensure!(
        !m.maker_checker || m.accounts.len() >= 2,
        MakerCheckerRequired,
        "member {name} requires maker–checker and so needs at least two accounts"
    );
    if let Some(parent) = &m.parent {
        ensure!(
            m.role == Role::CoreEnterprise,
            InvalidArgument,
            "only a core enterprise can be a subsidiary ({name} is not)"
        );
        let Some(p) = storage::get::<Member>(&member_key(parent)) else {
            fail!(NotFound, "parent {parent:?} of {name} is not a member");
        };
        ensure!(
            p.role == Role::CoreEnterprise,
            InvalidArgument,
            "parent {parent} of {name} is not a core enterprise"
        );
        // One level keeps credit-line resolution a single lookup and the group tree obvious.
        ensure!(
            p.parent.is_none(),
            InvalidArgument,
            "parent {parent} is itself a subsidiary; subsidiaries cannot have subsidiaries"
        );
    }
    Ok(())
}

const MAX_ACCOUNTS: usize = 16;

fn add(m: Member) -> Result<()> {
    validate(&m)?;
    ensure!(
        storage::get_raw(&member_key(&m.name)).is_none(),
        AlreadyExists,
        "member name {:?} is taken",
        m.name
    );
    for a in &m.accounts {
        if let Some(other) = storage::get::<String>(&account_key(a)) {
            fail!(AlreadyExists, "account {a} already acts for member {other}");
        }
        storage::set(&account_key(a), &m.name);
    }
    storage::set(&member_key(&m.name), &m);
    let count: u64 = storage::get(MEMBER_COUNT_KEY).unwrap_or(0);
    storage::set(&member_index_key(count), &m.name);
    storage::set(MEMBER_COUNT_KEY, &(count + 1));
    emit(api::MEMBER_REGISTERED, &m, &[&m.name]);
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
        Some(m) if m.role == Role::Operator => fail!(MemberSuspended, "operator {} is suspended", m.name),
        _ => fail!(Unauthorized, "caller {who} is not an operator"),
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
        None => fail!(NotFound, "{name:?} is not a member"),
    }
}

/// Who is asking for a change to `member`'s control: the member itself (one of its active
/// accounts), or an active operator member.
enum Actor {
    Member,
    Operator(Member),
}

fn actor_for(member: &Member) -> Result<Actor> {
    let who = caller();
    match member_of(&who) {
        Some(m) if m.name == member.name && m.active => Ok(Actor::Member),
        Some(m) if m.role == Role::Operator && m.active => Ok(Actor::Operator(m)),
        Some(m) if m.name == member.name || m.role == Role::Operator => {
            fail!(MemberSuspended, "member {} is suspended", m.name)
        }
        _ => fail!(
            Unauthorized,
            "caller {who} may not change who controls {}: only the member itself or an operator",
            member.name
        ),
    }
}

/// Whether `change` could apply to `m` now: checked when it is requested (so nobody approves
/// a request that must fail) and again when it applies.
fn check_control(m: &Member, change: &ControlChange) -> Result<()> {
    match change {
        ControlChange::AddAccount(account) => {
            ensure!(
                m.accounts.len() < MAX_ACCOUNTS,
                LimitReached,
                "member {} already has {MAX_ACCOUNTS} accounts",
                m.name
            );
            if let Some(other) = storage::get::<String>(&account_key(account)) {
                fail!(AlreadyExists, "account {account} already acts for member {other}");
            }
        }
        ControlChange::RemoveAccount(account) => {
            ensure!(
                m.accounts.contains(account),
                Unauthorized,
                "account {account} does not act for {}",
                m.name
            );
            let min = if m.maker_checker { 2 } else { 1 };
            ensure!(
                m.accounts.len() > min,
                InvalidState,
                "member {} must keep at least {min} account(s){}",
                m.name,
                if m.maker_checker { " while it requires maker–checker" } else { "" }
            );
        }
        ControlChange::MakerCheckerOff => {
            ensure!(m.maker_checker, InvalidState, "member {} does not require maker–checker", m.name);
        }
    }
    Ok(())
}

/// Applies `change` to `m`, checked first.
fn apply_control(m: &mut Member, change: &ControlChange) -> Result<()> {
    check_control(m, change)?;
    match change {
        ControlChange::AddAccount(account) => {
            storage::set(&account_key(account), &m.name);
            m.accounts.push(*account);
            storage::set(&member_key(&m.name), &*m);
            let event = MemberAccountEvent { member: m.name.clone(), account: *account };
            emit(api::MEMBER_ACCOUNT_ADDED, &event, &[&m.name]);
        }
        ControlChange::RemoveAccount(account) => {
            m.accounts.retain(|a| a != account);
            storage::remove(&account_key(account));
            storage::set(&member_key(&m.name), &*m);
            let event = MemberAccountEvent { member: m.name.clone(), account: *account };
            emit(api::MEMBER_ACCOUNT_REMOVED, &event, &[&m.name]);
        }
        ControlChange::MakerCheckerOff => {
            m.maker_checker = false;
            storage::set(&member_key(&m.name), &*m);
            let event = MakerCheckerEvent { member: m.name.clone(), required: false };
            emit(api::MEMBER_MAKER_CHECKER, &event, &[&m.name]);
        }
    }
    Ok(())
}

const CONTROL_NEXT_KEY: &[u8] = b"ctl_next";
const CONTROL_OPEN_KEY: &[u8] = b"ctl_open";
/// Most control requests open at once (the open list is read whole).
const MAX_OPEN_CONTROL: usize = 256;

fn control_key(id: u64) -> Vec<u8> {
    let mut k = Vec::from(&b"ctl/"[..]);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn expired(r: &ControlRequest) -> bool {
    scf_sdk::block_time_ms() > r.created_ms.saturating_add(CONTROL_REQUEST_LIFETIME_MS)
}

fn active_operators() -> usize {
    let count: u64 = storage::get(MEMBER_COUNT_KEY).unwrap_or(0);
    (0..count)
        .filter_map(|i| storage::get::<String>(&member_index_key(i)))
        .filter_map(|n| storage::get::<Member>(&member_key(&n)))
        .filter(|m| m.role == Role::Operator && m.active)
        .count()
}

/// The member applies `change` to itself at once; an operator's becomes a request.
fn control(name: &str, change: ControlChange) -> Result<ControlOutcome> {
    let mut m = load(name)?;
    match actor_for(&m)? {
        Actor::Member => {
            ensure!(
                change != ControlChange::MakerCheckerOff, Unauthorized,
                "a member may not switch maker–checker off by itself: an operator requests it and the member approves"
            );
            apply_control(&mut m, &change)?;
            Ok(ControlOutcome::Applied)
        }
        Actor::Operator(operator) => {
            check_control(&m, &change)?;
            let mut open: Vec<u64> = storage::get(CONTROL_OPEN_KEY).unwrap_or_default();
            open.retain(|id| storage::get::<ControlRequest>(&control_key(*id)).is_some_and(|r| !expired(&r)));
            ensure!(
                open.len() < MAX_OPEN_CONTROL,
                LimitReached,
                "{MAX_OPEN_CONTROL} control requests are open already"
            );
            let id = storage::next_id(CONTROL_NEXT_KEY);
            let request = ControlRequest {
                id,
                member: m.name.clone(),
                change,
                requested_by: operator.name.clone(),
                operator_approvals: alloc::vec![operator.name],
                created_ms: scf_sdk::block_time_ms(),
                status: ControlStatus::Open,
            };
            open.push(id);
            storage::set(CONTROL_OPEN_KEY, &open);
            storage::set(&control_key(id), &request);
            emit(api::MEMBER_CONTROL_REQUESTED, &request, &[&request.member]);
            Ok(ControlOutcome::Requested(request))
        }
    }
}

fn add_account(args: AccountArgs) -> Result<ControlOutcome> {
    control(&args.name, ControlChange::AddAccount(args.account))
}

fn remove_account(args: AccountArgs) -> Result<ControlOutcome> {
    control(&args.name, ControlChange::RemoveAccount(args.account))
}

fn set_maker_checker(args: SetMakerCheckerArgs) -> Result<ControlOutcome> {
    if !args.required {
        return control(&args.name, ControlChange::MakerCheckerOff);
    }
    let who = caller();
    let Some(actor) = member_of(&who).filter(|m| m.active) else {
        fail!(MemberSuspended, "caller {who} is not an active member");
    };
    let mut m = load(&args.name)?;
    ensure!(
        actor.role == Role::Operator || actor.name == m.name,
        Unauthorized,
        "only an operator or {} itself may switch maker–checker on for {}",
        m.name,
        m.name
    );
    ensure!(
        m.accounts.len() >= 2,
        InvalidState,
        "member {} needs at least two accounts before it can require maker–checker",
        m.name
    );
    m.maker_checker = true;
    storage::set(&member_key(&m.name), &m);
    emit(
        api::MEMBER_MAKER_CHECKER,
        &MakerCheckerEvent { member: m.name.clone(), required: true },
        &[&m.name],
    );
    Ok(ControlOutcome::Applied)
}

/// The member (any of its accounts) approves or rejects a request about itself; an operator
/// member adds its approval, which applies the request once a quorum of operators approved.
fn decide_control(args: ControlDecision) -> Result<ControlRequest> {
    let Some(mut r) = storage::get::<ControlRequest>(&control_key(args.id)) else {
        fail!(NotFound, "control request {} does not exist", args.id);
    };
    ensure!(r.status == ControlStatus::Open, InvalidState, "control request {} is no longer open", r.id);
    let mut m = load(&r.member)?;
    if expired(&r) {
        r.status = ControlStatus::Expired;
    } else {
        match actor_for(&m)? {
            Actor::Member if args.approve => {
                apply_control(&mut m, &r.change)?;
                r.status = ControlStatus::Applied;
            }
            Actor::Member => r.status = ControlStatus::Rejected,
            Actor::Operator(operator) => {
                ensure!(
                    args.approve,
                    Unauthorized,
                    "an operator does not reject a request: it leaves it to expire"
                );
                ensure!(
                    !r.operator_approvals.contains(&operator.name),
                    AlreadyExists,
                    "operator {} already approved control request {}",
                    operator.name,
                    r.id
                );
                r.operator_approvals.push(operator.name);
                if r.operator_approvals.len() >= operator_quorum(active_operators()) {
                    apply_control(&mut m, &r.change)?;
                    r.status = ControlStatus::Applied;
                }
            }
        }
    }
    if r.status != ControlStatus::Open {
        let mut open: Vec<u64> = storage::get(CONTROL_OPEN_KEY).unwrap_or_default();
        open.retain(|id| *id != r.id);
        storage::set(CONTROL_OPEN_KEY, &open);
    }
    storage::set(&control_key(r.id), &r);
    emit(api::MEMBER_CONTROL_DECIDED, &r, &[&r.member]);
    Ok(r)
}

/// Open (unexpired) control requests, oldest first.
fn control_requests(_: ()) -> Result<Vec<ControlRequest>> {
    let open: Vec<u64> = storage::get(CONTROL_OPEN_KEY).unwrap_or_default();
    Ok(open
        .into_iter()
        .filter_map(|id| storage::get::<ControlRequest>(&control_key(id)))
        .filter(|r| !expired(r))
        .collect())
}

fn set_active(args: SetActiveArgs) -> Result<()> {
    let operator = require_operator()?;
    let mut m = load(&args.name)?;
    ensure!(args.name != operator.name || args.active, InvalidArgument, "an operator cannot suspend itself");
    m.active = args.active;
    storage::set(&member_key(&args.name), &m);
    emit(if args.active { api::MEMBER_ACTIVATED } else { api::MEMBER_SUSPENDED }, &m, &[&m.name]);
    Ok(())
}

fn get(account: AccountId) -> Result<Option<Member>> {
    Ok(member_of(&account))
}

fn get_by_name(name: String) -> Result<Option<Member>> {
    Ok(storage::get(&member_key(&name)))
}

fn list(page: Page) -> Result<MemberPage> {
    ensure!((1..=MAX_PAGE).contains(&page.limit), InvalidArgument, "a page holds 1 to {MAX_PAGE} members");
    let count: u64 = storage::get(MEMBER_COUNT_KEY).unwrap_or(0);
    let end = count.min(page.from.saturating_add(page.limit as u64));
    let members = (page.from..end)
        .filter_map(|i| storage::get::<String>(&member_index_key(i)))
        .filter_map(|n| storage::get(&member_key(&n)))
        .collect();
    Ok(MemberPage { members, next: (end < count).then_some(end) })
}
