//! # scf-contract-testkit
//!
//! Owns: a consortium on the SDK's in-memory chain (`scf_sdk::testing`) with the five system
//! contracts linked natively, installed as genesis installs them, so the contracts' business rules
//! are tested with `cargo test` in `contracts/`: no wasm32 toolchain, no node, no re-pinning.
//!
//! Must not: stand in for the VM. Fuel, memory, the Wasm ABI and module validation are tested on
//! the pinned Wasm in `runtime/tests`; this crate tests rules.
// Amounts are written as yuan_fen (100_00 is 100.00), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
// Host only: a wasm32 build of the whole contracts workspace skips it.
#![cfg(not(target_arch = "wasm32"))]
use scf_sdk::{
    interface::{
        deposit_token, governance,
        receivables::{self, CreditLine, IssueArgs, VoucherId},
        registry::{self, Member, Role},
        trade,
    },
    primitives::sha256,
    testing::{Refusal, TestChain},
    AccountId, Amount, ContractAddress, Method, SystemContract,
};

/// The account of a member's key in these tests: `name`, or `name/2` for a second key.
pub fn account(key: &str) -> AccountId {
    AccountId(sha256(format!("scf-testkit/{key}").as_bytes()).0)
}

/// The consortium: the dev chain's members, roles and credit lines.
pub const MEMBERS: &[(&str, Role)] = &[
    ("operator", Role::Operator),
    ("core", Role::CoreEnterprise),
    ("core-sh", Role::CoreEnterprise),
    ("supplier1", Role::Supplier),
    ("supplier2", Role::Supplier),
    ("supplier3", Role::Supplier),
    ("bank", Role::Financier),
    ("auditor", Role::Auditor),
    ("yiwu-crafts", Role::Supplier),
    ("mx-retail", Role::CoreEnterprise),
    ("mx-bank", Role::Financier),
    ("carrier", Role::Logistics),
];

/// 100,000,000.00 CNY of credit for `core`, granted by `bank`.
pub const CORE_CREDIT: Amount = 100_000_000_00;

/// The consortium's chain.
pub struct Consortium {
    pub chain: TestChain,
}

impl Consortium {
    /// Genesis: every member active; `supplier3` requires maker–checker (keys `supplier3`,
    /// `supplier3/2`); `core-sh` is a subsidiary of `core`; one validator.
    pub fn new() -> Consortium {
        let chain = TestChain::new();
        let members = MEMBERS
            .iter()
            .map(|(name, role)| {
                let mut accounts = vec![account(name)];
                if *name == "supplier3" {
                    accounts.push(account("supplier3/2"));
                }
                Member {
                    name: name.to_string(),
                    legal_name: format!("{name} Ltd."),
                    registration_id: String::new(),
                    role: *role,
                    active: true,
                    accounts,
                    maker_checker: *name == "supplier3",
                    parent: (*name == "core-sh").then(|| "core".to_string()),
                }
            })
            .collect();
        let registry_address = SystemContract::Registry.address();
        chain.genesis(
            SystemContract::Registry,
            scf_registry::scf_dispatch,
            &registry::InitArgs { members, nodes: Vec::new() },
        );
        chain.genesis(
            SystemContract::DepositToken,
            scf_deposit_token::scf_dispatch,
            &deposit_token::InitArgs { registry: registry_address },
        );
        chain.genesis(
            SystemContract::Governance,
            scf_governance::scf_dispatch,
            &governance::InitArgs {
                validators: vec![governance::ValidatorEntry {
                    name: "validator0".into(),
                    consensus_key: account("validator0"),
                    node_key: account("validator0/node"),
                    power: 1,
                }],
                registry: registry_address,
            },
        );
        let credit = |core: &str, currency: &str, limit, by: &str| CreditLine {
            core: core.into(),
            currency: currency.into(),
            limit,
            outstanding: 0,
            granted_by: by.into(),
        };
        chain.genesis(
            SystemContract::Receivables,
            scf_receivables::scf_dispatch,
            &receivables::InitArgs {
                registry: registry_address,
                deposit_token: SystemContract::DepositToken.address(),
                credit_lines: vec![
                    credit("core", "CNY", CORE_CREDIT, "bank"),
                    credit("mx-retail", "USD", 1_000_000_000_00, "mx-bank"),
                ],
            },
        );
        chain.genesis(
            SystemContract::Trade,
            scf_trade::scf_dispatch,
            &trade::InitArgs {
                registry: registry_address,
                deposit_token: SystemContract::DepositToken.address(),
                receivables: SystemContract::Receivables.address(),
            },
        );
        Consortium { chain }
    }

    /// A transaction signed by `key` (see [`account`]).
    pub fn call<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        key: &str,
        method: Method<A, R>,
        args: &A,
    ) -> Result<R, Refusal> {
        self.chain.call(account(key), method, args)
    }

    /// A transaction that must succeed.
    pub fn ok<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        key: &str,
        method: Method<A, R>,
        args: &A,
    ) -> R {
        self.call(key, method, args).unwrap_or_else(|r| panic!("{key}: {method:?} was refused: {r:?}"))
    }

    /// A transaction that must be refused: its message.
    pub fn refused<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        key: &str,
        method: Method<A, R>,
        args: &A,
    ) -> String {
        match self.call(key, method, args) {
            Ok(_) => panic!("{key}: {method:?} was not refused"),
            Err(r) => r.message,
        }
    }

    /// A query signed by `key`.
    pub fn query<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        key: &str,
        method: Method<A, R>,
        args: &A,
    ) -> Result<R, Refusal> {
        self.chain.query(account(key), method, args)
    }

    /// Today, as the contracts see it.
    pub fn today(&self) -> u32 {
        (self.chain.time_ms() / receivables::MS_PER_DAY) as u32
    }

    /// An issuance of `amount` CNY to `to`, maturing in 90 days.
    pub fn issue_args(&self, to: &str, amount: Amount) -> IssueArgs {
        IssueArgs {
            to: to.into(),
            amount,
            currency: "CNY".into(),
            maturity_day: self.today() + 90,
            trade_ref: None,
        }
    }

    /// `amount` CNY from `core` to `to`, maturing in 90 days: its id.
    pub fn issue(&self, to: &str, amount: Amount) -> VoucherId {
        self.ok("core", receivables::ISSUE, &self.issue_args(to, amount))
    }

    /// As [`Consortium::issue`], accepted by the holder.
    pub fn accepted(&self, to: &str, amount: Amount) -> VoucherId {
        let id = self.issue(to, amount);
        self.ok(to, receivables::ACCEPT, &id);
        id
    }

    pub fn address(contract: SystemContract) -> ContractAddress {
        contract.address()
    }
}

impl Default for Consortium {
    fn default() -> Self {
        Consortium::new()
    }
}
