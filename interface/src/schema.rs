//! The machine-readable interface schema (feature `schema`): borsh declarations and definitions
//! of every method's argument and return type and every event body, produced by borsh's own
//! schema support (`BorshSchema`), so a client in any language can encode arguments and decode
//! return values and events without the Rust types. `scf schema` writes it as JSON.
use alloc::{collections::BTreeMap, string::String};

pub use borsh::schema::{Declaration, Definition, Fields};
use borsh::BorshSchema;

/// Type definitions by declaration, shared by every entry of the schema.
pub type Definitions = BTreeMap<Declaration, Definition>;

/// A method's name and the declarations of its argument and return types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSchema {
    pub name: &'static str,
    pub args: Declaration,
    pub returns: Declaration,
}

impl MethodSchema {
    pub fn of<A: BorshSchema, R: BorshSchema>(
        name: &'static str,
        definitions: &mut Definitions,
    ) -> MethodSchema {
        MethodSchema { name, args: declare::<A>(definitions), returns: declare::<R>(definitions) }
    }
}

/// `T`'s declaration, after adding its definitions (and those it refers to) to `definitions`.
pub fn declare<T: BorshSchema>(definitions: &mut Definitions) -> String {
    T::add_definitions_recursively(definitions);
    T::declaration()
}

/// `contract`'s methods with their types.
pub fn contract_methods(
    contract: crate::SystemContract,
    definitions: &mut Definitions,
) -> alloc::vec::Vec<MethodSchema> {
    use crate::SystemContract::*;
    match contract {
        Registry => crate::registry::method_schemas(definitions),
        DepositToken => crate::deposit_token::method_schemas(definitions),
        Receivables => crate::receivables::method_schemas(definitions),
        Governance => crate::governance::method_schemas(definitions),
        Trade => crate::trade::method_schemas(definitions),
    }
}

/// The declarations of `contract`'s event bodies, in the order of its `EVENTS`.
pub fn contract_event_bodies(
    contract: crate::SystemContract,
    definitions: &mut Definitions,
) -> alloc::vec::Vec<String> {
    use crate::SystemContract::*;
    match contract {
        Registry => crate::registry::event_body_declarations(definitions),
        DepositToken => crate::deposit_token::event_body_declarations(definitions),
        Receivables => crate::receivables::event_body_declarations(definitions),
        Governance => crate::governance::event_body_declarations(definitions),
        Trade => crate::trade::event_body_declarations(definitions),
    }
}
