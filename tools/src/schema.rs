//! `scf schema`: the machine-readable interface of scf-chain, generated from the code. The
//! committed copies (`docs/schema/`) are checked against it by the tests, so they cannot drift.
//!
//! - `interface.json`: the wire types (transaction, block, receipt, event, signed query), every
//!   system contract's methods with argument and return types and its events with their body
//!   types, parties and subject kinds, the error codes, and the borsh definition of every type
//!   named (borsh's own schema, `BorshSchema`; per contract, as type names repeat across
//!   contracts), so a client in any language can encode and decode without the Rust types
//!   (`docs/interface.md` shows how).
use scf_interface::{
    events::subject,
    schema::{contract_event_bodies, contract_methods, declare, Definition, Definitions, Fields},
    ErrorCode, SystemContract,
};
use scf_primitives::{
    abi, Block, BlockHeader, ContractInfo, Event, EventIndex, ExecOutcome, LoginAuthorization, Payload,
    QueryAuthorization, Receipt, SignedTransaction, Subject, Transaction, TxError,
};
use serde_json::{json, Map, Value};

/// The interface schema (`docs/schema/interface.json`).
pub fn interface() -> Value {
    let mut definitions = Definitions::new();
    let mut wire = Map::new();
    let mut wire_type = |name: &str, declaration: String| {
        wire.insert(name.to_string(), Value::from(declaration));
    };
    wire_type("SignedTransaction", declare::<SignedTransaction>(&mut definitions));
    wire_type("Transaction", declare::<Transaction>(&mut definitions));
    wire_type("Payload", declare::<Payload>(&mut definitions));
    wire_type("QueryAuthorization", declare::<QueryAuthorization>(&mut definitions));
    wire_type("LoginAuthorization", declare::<LoginAuthorization>(&mut definitions));
    wire_type("Block", declare::<Block>(&mut definitions));
    wire_type("BlockHeader", declare::<BlockHeader>(&mut definitions));
    wire_type("Receipt", declare::<Receipt>(&mut definitions));
    wire_type("ExecOutcome", declare::<ExecOutcome>(&mut definitions));
    wire_type("TxError", declare::<TxError>(&mut definitions));
    wire_type("Event", declare::<Event>(&mut definitions));
    wire_type("EventIndex", declare::<EventIndex>(&mut definitions));
    wire_type("Subject", declare::<Subject>(&mut definitions));
    wire_type("ContractInfo", declare::<ContractInfo>(&mut definitions));

    // Each contract has its own definitions: type names are unique within a contract's module,
    // not across contracts (every contract has an `InitArgs`).
    let contracts: Vec<Value> = SystemContract::ALL
        .into_iter()
        .map(|c| {
            let mut definitions = Definitions::new();
            let methods: Vec<Value> = contract_methods(c, &mut definitions)
                .into_iter()
                .map(|m| json!({"name": m.name, "args": m.args, "returns": m.returns}))
                .collect();
            let bodies = contract_event_bodies(c, &mut definitions);
            let events: Vec<Value> = c
                .events()
                .iter()
                .zip(bodies)
                .map(|(e, body)| {
                    json!({"topic": e.topic, "body": body, "parties": e.parties, "subjects": e.subjects})
                })
                .collect();
            json!({"name": c.name(), "address": c.address().to_hex(), "methods": methods, "events": events,
                   "definitions": definitions_json(&definitions)})
        })
        .collect();
    let error_codes: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| json!({"code": c.code(), "name": c.name(), "description": c.description()}))
        .collect();
    json!({
        "format": "scf-interface-schema/1",
        "abi": abi::INTERFACE_MARKER,
        "encoding": "borsh (https://borsh.io): little-endian integers; u32 length before strings, vectors and maps; one tag byte before an enum variant, 0/1 before an Option",
        "wire_types": wire,
        "wire_definitions": definitions_json(&definitions),
        "contracts": contracts,
        "subject_kinds": subject::ALL,
        "error_codes": error_codes,
    })
}

fn definitions_json(definitions: &Definitions) -> Map<String, Value> {
    definitions.iter().map(|(name, definition)| (name.clone(), definition_json(definition))).collect()
}

/// One borsh `Definition` as JSON: `{"primitive": bytes}`, `{"sequence": {...}}`, `{"tuple": [...]}`,
/// `{"enum": {"tag_width", "variants": [{"tag", "name", "type"}]}}` or `{"struct": [{"name", "type"}]}`
/// (`{"tuple_struct": [...]}` for unnamed fields).
fn definition_json(definition: &Definition) -> Value {
    match definition {
        Definition::Primitive(size) => json!({"primitive": size}),
        Definition::Sequence { length_width, length_range, elements } => json!({"sequence": {
            "length_width": length_width,
            "min_length": length_range.start(),
            "max_length": length_range.end(),
            "elements": elements,
        }}),
        Definition::Tuple { elements } => json!({"tuple": elements}),
        Definition::Enum { tag_width, variants } => json!({"enum": {
            "tag_width": tag_width,
            "variants": variants
                .iter()
                .map(|(tag, name, declaration)| json!({"tag": tag, "name": name, "type": declaration}))
                .collect::<Vec<_>>(),
        }}),
        Definition::Struct { fields } => match fields {
            Fields::NamedFields(fields) => json!({"struct": fields
                .iter()
                .map(|(name, declaration)| json!({"name": name, "type": declaration}))
                .collect::<Vec<_>>()}),
            Fields::UnnamedFields(fields) => json!({"tuple_struct": fields}),
            Fields::Empty => json!({"struct": []}),
        },
    }
}
