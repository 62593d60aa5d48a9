//! # scf-receivables
//!
//! Digital payable vouchers (双链通 style). A core enterprise issues a voucher to a supplier;
//! the supplier accepts it; holders split and transfer it upstream. Every piece records its root
//! and parent, so the live pieces of a root always add up to the root's amount.
//!
//! Must not: decide membership (it reads the registry's public storage), or use anything but
//! integer arithmetic on amounts.
#![no_std]

extern crate alloc;

use alloc::{vec, vec::Vec};

use scf_sdk::{
    block_time_ms, caller, emit, ensure, fail,
    primitives::apps::{
        receivables::{
            voucher_key, InitArgs, IssueArgs, IssuedEvent, TransferArgs, TransferResult, TransferredEvent,
            Voucher, VoucherId, VoucherStatus, MS_PER_DAY,
        },
        registry::{member_key, Member, Role},
    },
    storage, AccountId, ContractAddress, Hash, Result,
};

scf_sdk::entry_points! {
    init => init,
    issue => issue,
    accept => accept,
    reject => reject,
    cancel => cancel,
    transfer => transfer,
    get => get,
    list_by_holder => list_by_holder,
}

const REGISTRY_KEY: &[u8] = b"registry";
const NEXT_ID_KEY: &[u8] = b"next_id";
/// Longest term a voucher may have (days); the 2025 PBoC notice caps terms at one year.
const MAX_TERM_DAYS: u32 = 365;

fn holder_key(account: &AccountId) -> Vec<u8> {
    let mut k = vec![b'h'];
    k.extend_from_slice(&account.0);
    k
}

fn trade_ref_key(h: &Hash) -> Vec<u8> {
    let mut k = vec![b'r'];
    k.extend_from_slice(&h.0);
    k
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(REGISTRY_KEY).is_none(), "receivables is already initialised");
    storage::set(REGISTRY_KEY, &args.registry);
    storage::set(NEXT_ID_KEY, &1u64);
    Ok(())
}

fn member(account: &AccountId) -> Option<Member> {
    let registry: ContractAddress = storage::get(REGISTRY_KEY)?;
    storage::foreign_get(&registry, &member_key(account))
}

/// The active member behind `account`, if it has one of `roles`.
fn require_member(account: &AccountId, roles: &[Role], what: &str) -> Result<Member> {
    let Some(m) = member(account) else {
        fail!("{what} {account} is not a registered member");
    };
    ensure!(m.active, "{what} {} is suspended", m.name);
    if !roles.contains(&m.role) {
        let wanted: Vec<&str> = roles.iter().map(Role::as_str).collect();
        fail!("{what} {} has role {}, but this needs {}", m.name, m.role.as_str(), wanted.join(" or "));
    }
    Ok(m)
}

fn today() -> u32 {
    (block_time_ms() / MS_PER_DAY) as u32
}

fn load(id: VoucherId) -> Result<Voucher> {
    match storage::get(&voucher_key(id)) {
        Some(v) => Ok(v),
        None => fail!("voucher {id} does not exist"),
    }
}

fn save(v: &Voucher) {
    storage::set(&voucher_key(v.id), v);
}

fn next_id() -> VoucherId {
    let id: u64 = storage::get(NEXT_ID_KEY).unwrap_or(1);
    storage::set(NEXT_ID_KEY, &(id + 1));
    id
}

fn index_add(holder: &AccountId, id: VoucherId) {
    let mut ids: Vec<VoucherId> = storage::get(&holder_key(holder)).unwrap_or_default();
    ids.push(id);
    storage::set(&holder_key(holder), &ids);
}

fn index_remove(holder: &AccountId, id: VoucherId) {
    let mut ids: Vec<VoucherId> = storage::get(&holder_key(holder)).unwrap_or_default();
    ids.retain(|x| *x != id);
    if ids.is_empty() {
        storage::remove(&holder_key(holder));
    } else {
        storage::set(&holder_key(holder), &ids);
    }
}

fn issue(args: IssueArgs) -> Result<VoucherId> {
    let issuer = caller();
    require_member(&issuer, &[Role::CoreEnterprise], "issuer")?;
    require_member(&args.to, &[Role::Supplier], "recipient")?;
    ensure!(args.amount > 0, "amount must be positive");
    ensure!(
        args.currency.len() == 3 && args.currency.bytes().all(|b| b.is_ascii_uppercase()),
        "currency {:?} is not an ISO 4217 code",
        args.currency
    );
    let today = today();
    ensure!(args.maturity_day > today, "maturity must be after today");
    ensure!(
        args.maturity_day - today <= MAX_TERM_DAYS,
        "term of {} days exceeds the maximum of {MAX_TERM_DAYS} days",
        args.maturity_day - today
    );
    if let Some(r) = &args.trade_ref {
        if let Some(prior) = storage::get::<VoucherId>(&trade_ref_key(r)) {
            fail!("trade document {r} already backs voucher {prior}");
        }
    }
    let id = next_id();
    let v = Voucher {
        id,
        root_id: id,
        parent_id: None,
        issuer,
        holder: args.to,
        amount: args.amount,
        currency: args.currency,
        issued_at_ms: block_time_ms(),
        maturity_day: args.maturity_day,
        trade_ref: args.trade_ref,
        status: VoucherStatus::PendingAcceptance,
        frozen: None,
    };
    if let Some(r) = &v.trade_ref {
        storage::set(&trade_ref_key(r), &id);
    }
    save(&v);
    index_add(&v.holder, id);
    emit("voucher_issued", &IssuedEvent { id, issuer, holder: v.holder, amount: v.amount });
    Ok(id)
}

fn pending_for(id: VoucherId, who: &AccountId, party: &str) -> Result<Voucher> {
    let v = load(id)?;
    ensure!(
        v.status == VoucherStatus::PendingAcceptance,
        "voucher {id} is not pending acceptance (status: {})",
        v.status.as_str()
    );
    let party_account = if party == "holder" { &v.holder } else { &v.issuer };
    ensure!(party_account == who, "only the {party} of voucher {id} may do this");
    Ok(v)
}

fn accept(id: VoucherId) -> Result<()> {
    let who = caller();
    require_member(&who, &[Role::Supplier], "holder")?;
    let mut v = pending_for(id, &who, "holder")?;
    v.status = VoucherStatus::Active;
    save(&v);
    emit("voucher_accepted", &id);
    Ok(())
}

fn end_pending(id: VoucherId, party: &str, status: VoucherStatus, topic: &str) -> Result<()> {
    let who = caller();
    let mut v = pending_for(id, &who, party)?;
    v.status = status;
    if let Some(r) = &v.trade_ref {
        // The trade background was never used: it may back a new voucher.
        storage::remove(&trade_ref_key(r));
    }
    save(&v);
    index_remove(&v.holder, id);
    emit(topic, &id);
    Ok(())
}

fn reject(id: VoucherId) -> Result<()> {
    end_pending(id, "holder", VoucherStatus::Rejected, "voucher_rejected")
}

fn cancel(id: VoucherId) -> Result<()> {
    end_pending(id, "issuer", VoucherStatus::Cancelled, "voucher_cancelled")
}

fn child(parent: &Voucher, id: VoucherId, holder: AccountId, amount: u128) -> Voucher {
    Voucher {
        id,
        root_id: parent.root_id,
        parent_id: Some(parent.id),
        issuer: parent.issuer,
        holder,
        amount,
        currency: parent.currency.clone(),
        issued_at_ms: block_time_ms(),
        maturity_day: parent.maturity_day,
        trade_ref: parent.trade_ref,
        status: VoucherStatus::Active,
        frozen: None,
    }
}

fn transfer(args: TransferArgs) -> Result<TransferResult> {
    let from = caller();
    let mut v = load(args.id)?;
    ensure!(v.holder == from, "only the holder of voucher {} may transfer it", v.id);
    require_member(&from, &[Role::Supplier, Role::Financier], "holder")?;
    require_member(&args.to, &[Role::Supplier, Role::Financier], "recipient")?;
    ensure!(args.to != from, "cannot transfer voucher {} to its own holder", v.id);
    if let Some(reason) = &v.frozen {
        fail!("voucher {} is frozen: {reason}", v.id);
    }
    ensure!(
        v.status == VoucherStatus::Active,
        "voucher {} is not active (status: {})",
        v.id,
        v.status.as_str()
    );
    ensure!(today() < v.maturity_day, "voucher {} has matured and can no longer be transferred", v.id);
    ensure!(args.amount > 0, "amount must be positive");
    ensure!(args.amount <= v.amount, "amount {} exceeds voucher {}'s amount {}", args.amount, v.id, v.amount);
    let transferred = child(&v, next_id(), args.to, args.amount);
    let remainder =
        if args.amount < v.amount { Some(child(&v, next_id(), from, v.amount - args.amount)) } else { None };
    v.status = VoucherStatus::Split;
    save(&v);
    index_remove(&from, v.id);
    save(&transferred);
    index_add(&args.to, transferred.id);
    if let Some(r) = &remainder {
        save(r);
        index_add(&from, r.id);
    }
    let result = TransferResult { transferred: transferred.id, remainder: remainder.as_ref().map(|r| r.id) };
    emit(
        "voucher_transferred",
        &TransferredEvent {
            from_id: v.id,
            from,
            to: args.to,
            transferred: result.transferred,
            remainder: result.remainder,
            amount: args.amount,
        },
    );
    Ok(result)
}

fn get(id: VoucherId) -> Result<Option<Voucher>> {
    Ok(storage::get(&voucher_key(id)))
}

fn list_by_holder(holder: AccountId) -> Result<Vec<Voucher>> {
    let ids: Vec<VoucherId> = storage::get(&holder_key(&holder)).unwrap_or_default();
    Ok(ids.into_iter().filter_map(|id| storage::get(&voucher_key(id))).collect())
}
