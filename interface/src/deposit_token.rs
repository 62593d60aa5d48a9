//! Deposit tokens: on-chain claims on bank deposits, one per financier and currency, minted
//! by the financier against funds it holds and burned when the holder redeems them. They make
//! financing disbursement and maturity settlement atomic with the voucher moves.
use alloc::string::String;
use borsh::{BorshDeserialize, BorshSerialize};

use scf_primitives::{Amount, ContractAddress};

crate::methods! {
    crate::SystemContract::DepositToken;
    INIT = "init": InitArgs => ();
    MINT = "mint": MintArgs => ();
    BURN = "burn": BurnArgs => ();
    TRANSFER = "transfer": TransferArgs => ();
    APPROVE = "approve": ApproveArgs => ();
    TRANSFER_FROM = "transfer_from": TransferFromArgs => ();
    BALANCE = "balance": BalanceArgs => Amount;
    SUPPLY = "supply": TokenId => Supply;
    ALLOWANCE = "allowance": AllowanceArgs => Amount;
}

/// A token: the deposits of `financier` in `currency`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TokenId {
    pub financier: String,
    pub currency: String,
}

/// `init` input.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InitArgs {
    pub registry: ContractAddress,
}

/// `mint` (financier only, its own token): credit `to` against funds received off chain.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct MintArgs {
    pub currency: String,
    pub to: String,
    pub amount: Amount,
}

/// `burn`: the caller's member redeems `amount` of `token` (paid out off chain).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct BurnArgs {
    pub token: TokenId,
    pub amount: Amount,
}

/// `transfer`: from the caller's member to another member.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TransferArgs {
    pub token: TokenId,
    pub to: String,
    pub amount: Amount,
}

/// `approve`: lets contract `spender` move up to `amount` of the caller member's `token`
/// (the allowance is set, not added).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ApproveArgs {
    pub token: TokenId,
    pub spender: ContractAddress,
    pub amount: Amount,
}

/// `transfer_from` (called by a contract): moves `from`'s tokens within its allowance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TransferFromArgs {
    pub token: TokenId,
    pub from: String,
    pub to: String,
    pub amount: Amount,
}

/// `balance` query input.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct BalanceArgs {
    pub token: TokenId,
    pub member: String,
}

/// `supply` query result. `minted - burned == outstanding == sum of balances`, always.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Supply {
    pub minted: Amount,
    pub burned: Amount,
    pub outstanding: Amount,
}

/// Body of `token_minted`, `token_burned` and `token_transferred` events.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct TokenEvent {
    pub token: TokenId,
    pub from: Option<String>,
    pub to: Option<String>,
    pub amount: Amount,
}

/// `allowance` input: how much `spender` (a contract) may still move of `owner`'s `token`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct AllowanceArgs {
    pub token: TokenId,
    pub owner: String,
    pub spender: ContractAddress,
}

// ---- events ------------------------------------------------------------------------------

/// Body of `token_approved`: `owner` lets contract `spender` move up to `amount` of `token`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ApprovalEvent {
    pub token: TokenId,
    pub owner: String,
    pub spender: ContractAddress,
    pub amount: Amount,
}

use crate::events::{named, subject};

fn token_subject(t: &TokenId) -> scf_primitives::Subject {
    named(subject::TOKEN, &alloc::format!("{}/{}", t.financier, t.currency))
}

crate::events::event_body!(TokenEvent, [subject::TOKEN], |e| alloc::vec![token_subject(&e.token)]);
crate::events::event_body!(ApprovalEvent, [subject::TOKEN], |e| alloc::vec![token_subject(&e.token)]);

crate::events::events! {
    crate::SystemContract::DepositToken;
    TOKEN_MINTED = "token_minted": TokenEvent, parties "the financier and the receiver";
    TOKEN_BURNED = "token_burned": TokenEvent, parties "the financier and the holder";
    TOKEN_TRANSFERRED = "token_transferred": TokenEvent, parties "the financier, the payer and the payee";
    TOKEN_APPROVED = "token_approved": ApprovalEvent, parties "the financier and the owner";
}
