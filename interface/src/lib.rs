//! # scf-interface
//!
//! The system contracts' interface as code: for each contract (one module each) the borsh types
//! of its method arguments, return values, stored records and events, and a typed descriptor of
//! every method ([`Method`]), so that the contracts (which dispatch through the descriptors), the
//! runtime's tests, the node and the CLI cannot disagree on a name or a type. The calendar and
//! the discount maths live here once (`receivables`), with their golden tests.
//!
//! Owns: the names and wire types of the system contracts' methods, records and events, and the
//! storage layouts other components read (the registry's members and nodes, the governance
//! schedule and code approvals).
//!
//! Must not: hold contract logic (that is `contracts/`), do I/O, or depend on anything but
//! `scf-primitives` and borsh: it compiles to wasm32 inside every system contract (`no_std`).
//! Its encodings are consensus-critical like the primitives'.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use core::marker::PhantomData;

pub use errors::ErrorCode;
pub use events::{Event, EventBody, EventInfo};
use scf_primitives::ContractAddress;

pub mod deposit_token;
pub mod errors;
pub mod events;
pub mod governance;
pub mod receivables;
pub mod registry;
#[cfg(feature = "schema")]
pub mod schema;
pub mod trade;

/// The system contracts, installed at genesis at addresses derived from their names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SystemContract {
    Registry,
    DepositToken,
    Receivables,
    Governance,
    Trade,
}

impl SystemContract {
    /// Every system contract, in genesis order (`scf_primitives::SYSTEM_CONTRACTS`).
    pub const ALL: [SystemContract; 5] = [
        SystemContract::Registry,
        SystemContract::DepositToken,
        SystemContract::Receivables,
        SystemContract::Governance,
        SystemContract::Trade,
    ];

    /// The name its address is derived from (`ContractAddress::system`).
    pub const fn name(self) -> &'static str {
        match self {
            SystemContract::Registry => "registry",
            SystemContract::DepositToken => "deposit_token",
            SystemContract::Receivables => "receivables",
            SystemContract::Governance => "governance",
            SystemContract::Trade => "trade",
        }
    }

    pub fn from_name(name: &str) -> Option<SystemContract> {
        SystemContract::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn address(self) -> ContractAddress {
        ContractAddress::system(self.name())
    }

    /// The topics it emits.
    pub fn events(self) -> &'static [EventInfo] {
        match self {
            SystemContract::Registry => registry::EVENTS,
            SystemContract::DepositToken => deposit_token::EVENTS,
            SystemContract::Receivables => receivables::EVENTS,
            SystemContract::Governance => governance::EVENTS,
            SystemContract::Trade => trade::EVENTS,
        }
    }

    /// The names of its methods, in declaration order.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            SystemContract::Registry => registry::METHODS,
            SystemContract::DepositToken => deposit_token::METHODS,
            SystemContract::Receivables => receivables::METHODS,
            SystemContract::Governance => governance::METHODS,
            SystemContract::Trade => trade::METHODS,
        }
    }
}

/// A method of a system contract taking a borsh-encoded `A` and returning a borsh-encoded `R`.
/// Contracts export their handlers through it (`scf_sdk::entry_points!`, which refuses a handler
/// of other types at compile time) and clients call through it, so both sides share one
/// definition of the name and the types.
pub struct Method<A, R> {
    pub contract: SystemContract,
    pub name: &'static str,
    types: PhantomData<fn(A) -> R>,
}

impl<A, R> Method<A, R> {
    pub const fn new(contract: SystemContract, name: &'static str) -> Method<A, R> {
        Method { contract, name, types: PhantomData }
    }

    /// The address of the contract that has this method (the deposit-token methods also serve
    /// other token contracts deployed from the same code, called at their own address).
    pub fn address(&self) -> ContractAddress {
        self.contract.address()
    }
}

// Not derived: a derive would require `A: Clone` and `R: Clone`, which a descriptor does not need.
impl<A, R> Clone for Method<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A, R> Copy for Method<A, R> {}

impl<A, R> core::fmt::Debug for Method<A, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}::{}", self.contract.name(), self.name)
    }
}

/// Whether two strings are equal, in a constant context (the SDK checks at compile time that an
/// exported handler has its method's name).
pub const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Declares a contract's method descriptors and its `METHODS` list:
/// `CONST = "name": Args => Return;`.
macro_rules! methods {
    ($contract:expr; $($(#[$doc:meta])* $konst:ident = $name:literal: $arg:ty => $ret:ty;)*) => {
        $( $(#[$doc])* pub const $konst: $crate::Method<$arg, $ret> = $crate::Method::new($contract, $name); )*
        /// Every method's name, in declaration order.
        pub const METHODS: &[&str] = &[$($name),*];

        /// Every method's name with the borsh declarations of its argument and return types,
        /// whose definitions are added to `definitions`.
        #[cfg(feature = "schema")]
        pub fn method_schemas(definitions: &mut $crate::schema::Definitions) -> alloc::vec::Vec<$crate::schema::MethodSchema> {
            alloc::vec![$(
                $crate::schema::MethodSchema::of::<$arg, $ret>($name, definitions)
            ),*]
        }
    };
}
pub(crate) use methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_contracts_are_the_ones_genesis_installs() {
        let names: alloc::vec::Vec<_> = SystemContract::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, scf_primitives::SYSTEM_CONTRACTS);
        for c in SystemContract::ALL {
            assert_eq!(SystemContract::from_name(c.name()), Some(c));
            assert_eq!(c.address(), ContractAddress::system(c.name()));
        }
        assert_eq!(SystemContract::from_name("nope"), None);
    }

    #[test]
    fn method_names_are_unique_within_a_contract_and_fit_a_call() {
        for c in SystemContract::ALL {
            let methods = c.methods();
            for (i, m) in methods.iter().enumerate() {
                assert!(!methods[..i].contains(m), "{}::{m} is declared twice", c.name());
                assert!(!m.is_empty() && m.len() <= scf_primitives::MAX_METHOD_NAME);
            }
        }
    }

    #[test]
    fn names_compare_in_const_context() {
        const SAME: bool = same_name("issue", "issue");
        const LONGER: bool = same_name("issue", "issues");
        assert_eq!((SAME, LONGER), (true, false));
        assert!(!same_name("issue", "issuf"));
    }
}
