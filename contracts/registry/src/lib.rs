//! # scf-registry
//!
//! The consortium's member registry: which accounts are members, under which name and role, and
//! whether they are active. Operators onboard and suspend members. Its storage layout
//! (`scf_primitives::apps::registry::{member_key, name_key, MEMBERS_KEY}`) is public API: other
//! contracts read it directly to check roles.
//!
//! Must not: hold business state (vouchers, balances); that belongs to the contracts that use it.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec::Vec};

use scf_sdk::{
    caller, emit, ensure, fail,
    primitives::apps::registry::{
        member_key, name_key, InitArgs, Member, RegisterArgs, Role, SetActiveArgs, MEMBERS_KEY,
    },
    storage, AccountId, Result,
};

scf_sdk::entry_points! {
    init => init,
    register => register,
    set_active => set_active,
    get => get,
    get_by_name => get_by_name,
    list => list,
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(MEMBERS_KEY).is_none(), "registry is already initialised");
    ensure!(
        args.members.iter().any(|m| m.role == Role::Operator && m.active),
        "the registry needs at least one active operator"
    );
    storage::set(MEMBERS_KEY, &Vec::<AccountId>::new());
    for m in args.members {
        add(m)?;
    }
    Ok(())
}

fn validate_name(name: &str) -> Result<()> {
    ensure!(
        !name.is_empty()
            && name.len() <= 32
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'),
        "member name {name:?} must be 1-32 characters of a-z, 0-9, '_' or '-'"
    );
    Ok(())
}

fn add(m: Member) -> Result<()> {
    validate_name(&m.name)?;
    ensure!(storage::get_raw(&member_key(&m.account)).is_none(), "account {} is already a member", m.account);
    ensure!(storage::get_raw(&name_key(&m.name)).is_none(), "member name {:?} is taken", m.name);
    storage::set(&member_key(&m.account), &m);
    storage::set(&name_key(&m.name), &m.account);
    let mut all: Vec<AccountId> = storage::get(MEMBERS_KEY).unwrap_or_default();
    all.push(m.account);
    storage::set(MEMBERS_KEY, &all);
    emit("member_registered", &m);
    Ok(())
}

fn require_operator() -> Result<()> {
    let who = caller();
    match storage::get::<Member>(&member_key(&who)) {
        Some(m) if m.role == Role::Operator && m.active => Ok(()),
        Some(m) if m.role == Role::Operator => fail!("operator {} is suspended", m.name),
        _ => fail!("caller {who} is not an operator"),
    }
}

fn register(args: RegisterArgs) -> Result<()> {
    require_operator()?;
    add(Member { account: args.account, name: args.name, role: args.role, active: true })
}

fn set_active(args: SetActiveArgs) -> Result<()> {
    require_operator()?;
    let Some(mut m) = storage::get::<Member>(&member_key(&args.account)) else {
        fail!("account {} is not a member", args.account);
    };
    ensure!(args.account != caller() || args.active, "an operator cannot suspend itself");
    m.active = args.active;
    storage::set(&member_key(&args.account), &m);
    emit(if args.active { "member_activated" } else { "member_suspended" }, &m);
    Ok(())
}

fn get(account: AccountId) -> Result<Option<Member>> {
    Ok(storage::get(&member_key(&account)))
}

fn get_by_name(name: String) -> Result<Option<Member>> {
    Ok(storage::get::<AccountId>(&name_key(&name)).and_then(|a| storage::get(&member_key(&a))))
}

fn list(_: ()) -> Result<Vec<Member>> {
    let all: Vec<AccountId> = storage::get(MEMBERS_KEY).unwrap_or_default();
    Ok(all.iter().filter_map(|a| storage::get(&member_key(a))).collect())
}
