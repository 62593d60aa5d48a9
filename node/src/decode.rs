//! Decoding system contracts' call arguments and event bodies into JSON through the interface
//! schema (borsh's own schema of the `scf-interface` types, the same one `docs/schema/
//! interface.json` publishes), for explorers and the RPC reads that show them.
//!
//! Owns: the JSON form of borsh values: structs as objects, single-field tuple structs as their
//! field, unit enum variants as their name and others as `{"Variant": value}`, `Option` as the
//! value or `null`, byte arrays and byte vectors as `0x` hex, integers up to 32 bits as numbers
//! and wider ones (u64, u128, i64, i128: money and ids) as decimal strings, so no JavaScript
//! reader loses precision.
//!
//! Must not: fail loudly or panic on hostile bytes. Anything that does not decode exactly (too
//! short, bytes left over, nested too deep, a tag out of range) is `None`, and the caller shows
//! the raw hex it always shows.
use std::{collections::BTreeMap, sync::OnceLock};

use scf_interface::{
    schema::{contract_event_bodies, contract_methods, Declaration, Definition, Definitions, Fields},
    SystemContract,
};
use scf_primitives::{ContractAddress, Event};
use serde_json::{json, Map, Value};

/// How deep a value may nest before decoding gives up.
const MAX_DEPTH: usize = 32;

struct ContractTypes {
    definitions: Definitions,
    methods: BTreeMap<&'static str, Declaration>,
    returns: BTreeMap<&'static str, Declaration>,
    topics: BTreeMap<&'static str, Declaration>,
}

/// The system contracts' argument and event body types.
pub struct Decoder {
    contracts: BTreeMap<ContractAddress, ContractTypes>,
}

/// The decoder, built once.
pub fn decoder() -> &'static Decoder {
    static DECODER: OnceLock<Decoder> = OnceLock::new();
    DECODER.get_or_init(|| {
        let contracts = SystemContract::ALL
            .into_iter()
            .map(|c| {
                let mut definitions = Definitions::new();
                let schemas = contract_methods(c, &mut definitions);
                let methods = schemas.iter().map(|m| (m.name, m.args.clone())).collect();
                let returns = schemas.into_iter().map(|m| (m.name, m.returns)).collect();
                let bodies = contract_event_bodies(c, &mut definitions);
                let topics = c.events().iter().map(|e| e.topic).zip(bodies).collect();
                (c.address(), ContractTypes { definitions, methods, returns, topics })
            })
            .collect();
        Decoder { contracts }
    })
}

impl Decoder {
    /// A system contract's event body as JSON.
    pub fn event(&self, event: &Event) -> Option<Value> {
        let types = self.contracts.get(&event.contract)?;
        decode(&types.definitions, types.topics.get(event.topic.as_str())?, &event.data)
    }

    /// What a system contract's method returned, as JSON.
    pub fn returned(&self, contract: &ContractAddress, method: &str, data: &[u8]) -> Option<Value> {
        let types = self.contracts.get(contract)?;
        decode(&types.definitions, types.returns.get(method)?, data)
    }

    /// A system contract method's arguments as JSON.
    pub fn call(&self, contract: &ContractAddress, method: &str, args: &[u8]) -> Option<Value> {
        let types = self.contracts.get(contract)?;
        decode(&types.definitions, types.methods.get(method)?, args)
    }
}

/// `bytes` decoded as the type `declaration`, if they are exactly one such value.
pub fn decode(definitions: &Definitions, declaration: &str, bytes: &[u8]) -> Option<Value> {
    let mut reader = Reader { definitions, bytes };
    let value = reader.value(declaration, 0)?;
    reader.bytes.is_empty().then_some(value)
}

struct Reader<'a> {
    definitions: &'a Definitions,
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn uint(&mut self, width: usize) -> Option<u128> {
        let mut buf = [0u8; 16];
        buf[..width].copy_from_slice(self.take(width)?);
        Some(u128::from_le_bytes(buf))
    }

    fn primitive(&mut self, declaration: &str) -> Option<Value> {
        Some(match declaration {
            "bool" => match self.take(1)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return None,
            },
            "u8" => json!(self.uint(1)?),
            "u16" => json!(self.uint(2)?),
            "u32" => json!(self.uint(4)?),
            "u64" => Value::String(self.uint(8)?.to_string()),
            "u128" => Value::String(self.uint(16)?.to_string()),
            "i8" => json!(self.uint(1)? as u8 as i8),
            "i16" => json!(self.uint(2)? as u16 as i16),
            "i32" => json!(self.uint(4)? as u32 as i32),
            "i64" => Value::String((self.uint(8)? as u64 as i64).to_string()),
            "i128" => Value::String((self.uint(16)? as i128).to_string()),
            _ => return None,
        })
    }

    fn value(&mut self, declaration: &str, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        if declaration == "String" {
            let len = self.uint(4)? as usize;
            return Some(Value::String(String::from_utf8(self.take(len)?.to_vec()).ok()?));
        }
        let Some(definition) = self.definitions.get(declaration) else {
            return self.primitive(declaration);
        };
        match definition {
            Definition::Primitive(0) => Some(Value::Null),
            Definition::Primitive(_) => self.primitive(declaration),
            Definition::Sequence { length_width, length_range, elements } => {
                let len = match *length_width {
                    0 if length_range.start() == length_range.end() => *length_range.start(),
                    0 => return None,
                    w @ 1..=8 => self.uint(w as usize)? as u64,
                    _ => return None,
                };
                // Every element of the interface's types takes at least a byte: a length beyond the
                // bytes left is refused before any work, which bounds decoding by the input.
                if !length_range.contains(&len) || len > self.bytes.len() as u64 {
                    return None;
                }
                if elements == "u8" {
                    return Some(Value::String(format!("0x{}", hex::encode(self.take(len as usize)?))));
                }
                let mut out = Vec::new();
                for _ in 0..len {
                    out.push(self.value(elements, depth + 1)?);
                }
                Some(Value::Array(out))
            }
            Definition::Tuple { elements } => {
                let mut out = Vec::with_capacity(elements.len());
                for e in elements {
                    out.push(self.value(e, depth + 1)?);
                }
                Some(Value::Array(out))
            }
            Definition::Enum { tag_width, variants } => {
                if *tag_width == 0 || *tag_width > 8 {
                    return None;
                }
                let tag = self.uint(*tag_width as usize)? as i64;
                let (_, name, inner) = variants.iter().find(|(d, _, _)| *d == tag)?;
                if declaration.starts_with("Option<") {
                    return match name.as_str() {
                        "None" => Some(Value::Null),
                        _ => self.value(inner, depth + 1),
                    };
                }
                match self.definitions.get(inner) {
                    Some(Definition::Struct { fields: Fields::Empty }) => Some(Value::String(name.clone())),
                    _ => {
                        let mut object = Map::new();
                        object.insert(name.clone(), self.value(inner, depth + 1)?);
                        Some(Value::Object(object))
                    }
                }
            }
            Definition::Struct { fields } => match fields {
                Fields::Empty => Some(Value::Null),
                Fields::NamedFields(named) => {
                    let mut object = Map::new();
                    for (name, field) in named {
                        object.insert(name.clone(), self.value(field, depth + 1)?);
                    }
                    Some(Value::Object(object))
                }
                Fields::UnnamedFields(fields) if fields.len() == 1 => self.value(&fields[0], depth + 1),
                Fields::UnnamedFields(fields) => {
                    let mut out = Vec::with_capacity(fields.len());
                    for f in fields {
                        out.push(self.value(f, depth + 1)?);
                    }
                    Some(Value::Array(out))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use scf_interface::receivables::{IssueArgs, TransferArgs};

    use super::*;

    fn receivables() -> ContractAddress {
        SystemContract::Receivables.address()
    }

    #[test]
    fn calls_decode_to_readable_json() {
        let args = IssueArgs {
            to: "supplier1".into(),
            amount: 100_000,
            currency: "CNY".into(),
            maturity_day: 20_000,
            trade_ref: None,
        };
        let json = decoder().call(&receivables(), "issue", &borsh::to_vec(&args).unwrap()).unwrap();
        assert_eq!(json["to"], "supplier1");
        assert_eq!(json["amount"], "100000", "u128 money is a decimal string");
        assert_eq!(json["trade_ref"], Value::Null);
        let transfer = TransferArgs { id: 7, to: "supplier2".into(), amount: 5 };
        let json = decoder().call(&receivables(), "transfer", &borsh::to_vec(&transfer).unwrap()).unwrap();
        assert_eq!(json["id"], "7", "a u64 id is a decimal string");
    }

    #[test]
    fn what_does_not_decode_exactly_is_none() {
        let args = borsh::to_vec(&TransferArgs { id: 7, to: "s".into(), amount: 5 }).unwrap();
        let d = decoder();
        assert!(d.call(&receivables(), "transfer", &args[..args.len() - 1]).is_none(), "short");
        let mut long = args.clone();
        long.push(0);
        assert!(d.call(&receivables(), "transfer", &long).is_none(), "bytes left over");
        assert!(d.call(&receivables(), "no_such_method", &args).is_none());
        assert!(d.call(&ContractAddress([9; 32]), "transfer", &args).is_none(), "not a system contract");
    }

    proptest::proptest! {
        #[test]
        fn hostile_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let d = decoder();
            for c in SystemContract::ALL {
                for m in c.methods() {
                    let _ = d.call(&c.address(), m, &bytes);
                }
                for e in c.events() {
                    let event = Event {
                        contract: c.address(),
                        topic: e.topic.into(),
                        parties: vec![],
                        subjects: vec![],
                        data: bytes.clone(),
                    };
                    let _ = d.event(&event);
                }
            }
        }
    }
}
