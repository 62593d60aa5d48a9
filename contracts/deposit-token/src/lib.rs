//! # scf-deposit-token
//!
//! Deposit tokens: a financier's deposits in one currency as an on-chain balance per member.
//! The financier mints against funds it receives off chain; a holder burns to redeem. Members
//! transfer tokens, and may let a contract (the receivables contract) move them within an
//! allowance, which makes financing disbursement and maturity settlement atomic.
//!
//! Invariant, after every call: for each token, `minted − burned == outstanding == Σ balances`.
//!
//! Must not: create or destroy tokens except by `mint` (by the token's financier) and `burn` (by
//! the holder); every amount is checked integer arithmetic.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec, vec::Vec};

use scf_sdk::{
    caller, emit, ensure, fail,
    interface::{
        deposit_token::{
            AllowanceArgs, ApprovalEvent, ApproveArgs, BalanceArgs, BurnArgs, InitArgs, MintArgs, Supply,
            TokenEvent, TokenId, TransferArgs, TransferFromArgs,
        },
        registry::Role,
    },
    members, storage, Amount, ContractAddress, Result,
};

use scf_sdk::interface::deposit_token as api;

scf_sdk::entry_points! {
    api::INIT => init,
    api::MINT => mint,
    api::BURN => burn,
    api::TRANSFER => transfer,
    api::APPROVE => approve,
    api::TRANSFER_FROM => transfer_from,
    api::BALANCE => balance,
    api::SUPPLY => supply,
    api::ALLOWANCE => allowance,
}

const REGISTRY_KEY: &[u8] = b"registry";

fn registry() -> ContractAddress {
    storage::get(REGISTRY_KEY).unwrap_or_default()
}

fn key<T: scf_sdk::BorshSerialize>(tag: u8, body: &T) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend(scf_sdk::encode(body));
    k
}

fn balance_of(token: &TokenId, member: &str) -> Amount {
    storage::get(&key(b'b', &(token, member))).unwrap_or(0)
}

fn set_balance(token: &TokenId, member: &str, amount: Amount) {
    let k = key(b'b', &(token, member));
    if amount == 0 {
        storage::remove(&k);
    } else {
        storage::set(&k, &amount);
    }
}

fn supply_of(token: &TokenId) -> Supply {
    storage::get(&key(b's', token)).unwrap_or_default()
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(REGISTRY_KEY).is_none(), AlreadyExists, "deposit-token is already initialised");
    storage::set(REGISTRY_KEY, &args.registry);
    Ok(())
}

fn mint(args: MintArgs) -> Result<()> {
    let financier = members::acting(&registry(), &[Role::Financier])?;
    scf_sdk::validate_currency(&args.currency)?;
    members::named(&registry(), &args.to, &[])?;
    ensure!(args.amount > 0, InvalidArgument, "amount must be positive");
    let token = TokenId { financier: financier.name, currency: args.currency };
    let mut supply = supply_of(&token);
    let (Some(minted), Some(outstanding), Some(balance)) = (
        supply.minted.checked_add(args.amount),
        supply.outstanding.checked_add(args.amount),
        balance_of(&token, &args.to).checked_add(args.amount),
    ) else {
        fail!(
            Overflow,
            "minting {} would overflow the supply of {}/{}",
            args.amount,
            token.financier,
            token.currency
        );
    };
    supply.minted = minted;
    supply.outstanding = outstanding;
    storage::set(&key(b's', &token), &supply);
    set_balance(&token, &args.to, balance);
    let event = TokenEvent { token, from: None, to: Some(args.to), amount: args.amount };
    emit(api::TOKEN_MINTED, &event, &token_parties(&event));
    Ok(())
}

fn burn(args: BurnArgs) -> Result<()> {
    let holder = members::acting(&registry(), &[])?;
    ensure!(args.amount > 0, InvalidArgument, "amount must be positive");
    let have = balance_of(&args.token, &holder.name);
    ensure!(
        have >= args.amount,
        InsufficientFunds,
        "{} holds {have} of {}/{}, less than the {} to burn",
        holder.name,
        args.token.financier,
        args.token.currency,
        args.amount
    );
    let mut supply = supply_of(&args.token);
    supply.burned += args.amount;
    supply.outstanding -= args.amount;
    storage::set(&key(b's', &args.token), &supply);
    set_balance(&args.token, &holder.name, have - args.amount);
    let event = TokenEvent { token: args.token, from: Some(holder.name), to: None, amount: args.amount };
    emit(api::TOKEN_BURNED, &event, &token_parties(&event));
    Ok(())
}

fn move_tokens(token: TokenId, from: String, to: String, amount: Amount) -> Result<()> {
    ensure!(amount > 0, InvalidArgument, "amount must be positive");
    members::named(&registry(), &to, &[])?;
    ensure!(from != to, InvalidArgument, "cannot transfer tokens to the same member");
    let have = balance_of(&token, &from);
    ensure!(
        have >= amount,
        InsufficientFunds,
        "{from} holds {have} of {}/{}, less than the {amount} to pay",
        token.financier,
        token.currency
    );
    set_balance(&token, &from, have - amount);
    // Cannot overflow: the sum of balances equals the outstanding supply, a u128.
    set_balance(&token, &to, balance_of(&token, &to) + amount);
    let event = TokenEvent { token, from: Some(from), to: Some(to), amount };
    emit(api::TOKEN_TRANSFERRED, &event, &token_parties(&event));
    Ok(())
}

fn transfer(args: TransferArgs) -> Result<()> {
    let from = members::acting(&registry(), &[])?;
    move_tokens(args.token, from.name, args.to, args.amount)
}

fn approve(args: ApproveArgs) -> Result<()> {
    let owner = members::acting(&registry(), &[])?;
    storage::set(&key(b'l', &(&args.token, &owner.name, &args.spender)), &args.amount);
    let parties = [args.token.financier.as_str(), owner.name.as_str()];
    let event = ApprovalEvent {
        token: args.token.clone(),
        owner: owner.name.clone(),
        spender: args.spender,
        amount: args.amount,
    };
    emit(api::TOKEN_APPROVED, &event, &parties);
    Ok(())
}

fn transfer_from(args: TransferFromArgs) -> Result<()> {
    // Only a contract spends allowances: its address is the caller.
    let spender = ContractAddress(caller().0);
    members::named(&registry(), &args.from, &[])?;
    let k = key(b'l', &(&args.token, &args.from, &spender));
    let allowed: Amount = storage::get(&k).unwrap_or(0);
    ensure!(
        allowed >= args.amount,
        InsufficientFunds,
        "{} allows contract {spender} {allowed} of {}/{}, less than the {} requested",
        args.from,
        args.token.financier,
        args.token.currency,
        args.amount
    );
    storage::set(&k, &(allowed - args.amount));
    move_tokens(args.token, args.from, args.to, args.amount)
}

// Queries need a member's signature (the node passes the signer as caller). A balance is
// visible to its holder, the token's financier, auditors and operators; supply to any member.

fn may_see_balance(token: &TokenId, member: &str) -> Result<()> {
    let who = caller();
    let Some(m) = members::of_account(&registry(), &who) else {
        fail!(
            NotVisible,
            "this query reveals member data: sign it with a member's account (caller {who} is not a member)"
        );
    };
    ensure!(
        m.name == member || m.name == token.financier || matches!(m.role, Role::Auditor | Role::Operator),
        NotVisible,
        "the balance of {member} is visible to {member}, the token's financier, auditors and operators"
    );
    Ok(())
}

fn balance(args: BalanceArgs) -> Result<Amount> {
    may_see_balance(&args.token, &args.member)?;
    Ok(balance_of(&args.token, &args.member))
}

fn supply(token: TokenId) -> Result<Supply> {
    let who = caller();
    ensure!(
        members::of_account(&registry(), &who).is_some(),
        NotVisible,
        "token supply is visible to members only"
    );
    Ok(supply_of(&token))
}

fn allowance(args: AllowanceArgs) -> Result<Amount> {
    may_see_balance(&args.token, &args.owner)?;
    Ok(storage::get(&key(b'l', &(&args.token, &args.owner, &args.spender))).unwrap_or(0))
}

/// A token event concerns the financier behind the token and the members whose balance moved.
fn token_parties(e: &TokenEvent) -> Vec<&str> {
    let mut parties = vec![e.token.financier.as_str()];
    parties.extend(e.from.as_deref());
    parties.extend(e.to.as_deref());
    parties
}
