//! The system contracts keep the interface `scf-interface` declares, checked on the pinned Wasm:
//! each exports exactly its declared methods, events name their parties and subjects and decode
//! as their declared bodies, and refusals carry their stable codes. (Every test's blocks also
//! check that each event is a declared topic: `common::keeps_the_event_interface`.)
#![allow(clippy::inconsistent_digit_grouping)]
mod common;
use common::*;
use scf_interface::{
    events::{numbered, subject},
    receivables::{
        self as rc, IssuedEvent, SplitEvent, TransferArgs, TransferResult, TransferredEvent, VoucherId,
    },
    ErrorCode, EventBody, SystemContract,
};
use scf_primitives::{abi, Event, Receipt};

fn body<T: EventBody>(e: &Event) -> T {
    let body: T = borsh::from_slice(&e.data).unwrap_or_else(|err| panic!("{} body: {err}", e.topic));
    assert_eq!(e.subjects, body.subjects(), "{}: subjects come from the body", e.topic);
    body
}

fn event<'r>(r: &'r Receipt, topic: &str) -> &'r Event {
    r.events.iter().find(|e| e.topic == topic).unwrap_or_else(|| panic!("no {topic} event in {:?}", r.events))
}

#[test]
fn each_system_contract_exports_exactly_its_declared_methods() {
    let c = Chain::new();
    let engine = wasmtime::Engine::default();
    for contract in SystemContract::ALL {
        let hash = c.store_get(&scf_runtime::keys::contract_code_hash(&contract.address()));
        let hash = scf_primitives::Hash(hash.try_into().unwrap());
        let code = c.store_get(&scf_runtime::keys::code(&hash));
        let module = wasmtime::Module::new(&engine, &code).unwrap();
        let mut exported: Vec<&str> = module
            .exports()
            .filter(|e| matches!(e.ty(), wasmtime::ExternType::Func(_)))
            .map(|e| e.name())
            .filter(|n| *n != abi::INTERFACE_MARKER)
            .collect();
        exported.sort();
        let mut declared = contract.methods().to_vec();
        declared.sort();
        assert_eq!(exported, declared, "{}", contract.name());
    }
}

#[test]
fn events_name_their_parties_and_subjects() {
    let mut c = Chain::new();
    let t = c.call("core", receivables(), rc::ISSUE.name, issue_args("supplier1", 1_000_00));
    let issued = c.one(t);
    let id: VoucherId = return_value(&issued);
    let e = event(&issued, rc::VOUCHER_ISSUED.topic);
    assert_eq!(e.parties, ["core", "supplier1"]);
    assert_eq!(e.subjects, [numbered(subject::VOUCHER, id)]);
    let b: IssuedEvent = body(e);
    assert_eq!((b.issuer.as_str(), b.holder.as_str(), b.amount), ("core", "supplier1", 1_000_00));

    let t = c.call("supplier1", receivables(), rc::ACCEPT.name, enc(&id));
    let accepted = c.one(t);
    assert_eq!(event(&accepted, rc::VOUCHER_ACCEPTED.topic).parties, ["core", "supplier1"]);

    // A partial transfer splits: the split and the transfer both name the three members and
    // the three vouchers involved.
    let args = TransferArgs { id, to: "supplier2".into(), amount: 400_00 };
    let t = c.call("supplier1", receivables(), rc::TRANSFER.name, enc(&args));
    let moved = c.one(t);
    let result: TransferResult = return_value(&moved);
    let remainder = result.remainder.expect("a partial transfer leaves a remainder");
    let split = event(&moved, rc::VOUCHER_SPLIT.topic);
    assert_eq!(split.parties, ["core", "supplier1", "supplier2"]);
    let b: SplitEvent = body(split);
    assert_eq!((b.from_id, b.transferred, b.remainder), (id, result.transferred, remainder));
    let transferred = event(&moved, rc::VOUCHER_TRANSFERRED.topic);
    assert_eq!(transferred.parties, ["core", "supplier1", "supplier2"]);
    let b: TransferredEvent = body(transferred);
    assert_eq!(b.remainder, Some(remainder));
    assert_eq!(
        transferred.subjects,
        [id, result.transferred, remainder].map(|v| numbered(subject::VOUCHER, v)).to_vec()
    );
}

#[test]
fn refusals_carry_stable_codes() {
    let mut c = Chain::new();
    let t = c.call("core", receivables(), rc::ISSUE.name, issue_args("supplier1", 1_000_00));
    let id: VoucherId = return_value(&c.one(t));
    let t = c.call("supplier1", receivables(), rc::ACCEPT.name, enc(&id));
    c.one(t);

    let too_much = TransferArgs { id, to: "supplier2".into(), amount: 1_000_01 };
    let t = c.call("supplier1", receivables(), rc::TRANSFER.name, enc(&too_much));
    let r = c.one(t);
    assert_eq!(error_code(&r), Some(ErrorCode::ExceedsAmount), "{}", contract_error(&r));
    assert!(r.events.is_empty(), "a failed call emits nothing");

    let t = c.call("supplier1", receivables(), rc::ACCEPT.name, enc(&999u64));
    assert_eq!(error_code(&c.one(t)), Some(ErrorCode::NotFound));
    let stranger = TransferArgs { id, to: "supplier2".into(), amount: 1 };
    let t = c.call("supplier2", receivables(), rc::TRANSFER.name, enc(&stranger));
    assert_eq!(error_code(&c.one(t)), Some(ErrorCode::Unauthorized));
    let t = c.call("supplier1", receivables(), rc::ACCEPT.name, enc(&id));
    assert_eq!(error_code(&c.one(t)), Some(ErrorCode::InvalidState));
}
