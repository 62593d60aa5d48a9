//! Runtime integration tests: the committed system contracts and hand-written modules, executed by
//! the real wasmtime VM over the real Merkle-tree state.
use std::sync::Arc;

mod common;
use common::*;

use scf_interface::{
    receivables::{parse_date, IssueArgs, TransferArgs, TransferResult, VoucherId, VoucherStatus},
    registry::{MemberPage, Page},
};
use scf_primitives::{crypto::Keypair, ContractAddress, ExecOutcome, Receipt, TxError};
use scf_runtime::{BlockContext, RuntimeParams, StateStore};

#[test]
fn genesis_is_deterministic_and_registers_the_dev_members() {
    let a = Chain::new();
    let b = Chain::new();
    assert_eq!(a.root(), b.root());
    let page: MemberPage = a.query(
        scf_interface::SystemContract::Registry.address(),
        "list",
        borsh::to_vec(&Page { from: 0, limit: 500 }).unwrap(),
    );
    assert_eq!(page.next, None);
    let members = page.members;
    let second: MemberPage = a.query(
        scf_interface::SystemContract::Registry.address(),
        "list",
        borsh::to_vec(&Page { from: 10, limit: 1 }).unwrap(),
    );
    assert_eq!((second.members.len(), second.next), (1, Some(11)));
    assert_eq!(second.members[0].name, "mx-bank");
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "operator",
            "core",
            "core-sh",
            "supplier1",
            "supplier2",
            "supplier3",
            "bank",
            "auditor",
            "yiwu-crafts",
            "mx-retail",
            "mx-bank",
            "carrier"
        ]
    );
}

#[test]
fn voucher_issue_accept_and_split_transfer() {
    let mut c = Chain::new();
    let r = c.call("core", receivables(), "issue", issue_args("supplier1", 100_000));
    let r = c.one(r);
    let id: VoucherId = return_value(&r);
    assert_eq!(r.events[0].topic, "voucher_issued");
    assert_eq!(c.voucher(id).status, VoucherStatus::PendingAcceptance);

    let t = c.call("supplier1", receivables(), "accept", borsh::to_vec(&id).unwrap());
    assert!(c.one(t).is_success());

    let args = TransferArgs { id, to: "supplier2".into(), amount: 40_000 };
    let t = c.call("supplier1", receivables(), "transfer", borsh::to_vec(&args).unwrap());
    let result: TransferResult = return_value(&c.one(t));
    let sent = c.voucher(result.transferred);
    let kept = c.voucher(result.remainder.expect("partial transfer leaves a remainder"));
    assert_eq!((sent.amount, kept.amount), (40_000, 60_000));
    assert_eq!((sent.root_id, sent.parent_id), (id, Some(id)));
    assert_eq!(c.voucher(id).status, VoucherStatus::Split);
    assert_eq!(c.held("supplier1").iter().map(|v| v.amount).collect::<Vec<_>>(), vec![60_000]);
    assert_eq!(c.held("supplier2").iter().map(|v| v.amount).collect::<Vec<_>>(), vec![40_000]);
}

#[test]
fn business_rules_are_enforced_with_specific_messages() {
    let mut c = Chain::new();
    // A supplier may not issue.
    let t = c.call("supplier1", receivables(), "issue", issue_args("supplier2", 1));
    assert!(contract_error(&c.one(t)).contains("has role supplier, but this needs core_enterprise"));
    // An issued voucher cannot be transferred before acceptance, nor by a non-holder.
    let t = c.call("core", receivables(), "issue", issue_args("supplier1", 100));
    let id: VoucherId = return_value(&c.one(t));
    let over = TransferArgs { id, to: "supplier2".into(), amount: 50 };
    let t = c.call("supplier1", receivables(), "transfer", borsh::to_vec(&over).unwrap());
    assert!(contract_error(&c.one(t)).contains("is not active (status: pending_acceptance)"));
    let t = c.call("supplier2", receivables(), "accept", borsh::to_vec(&id).unwrap());
    assert!(contract_error(&c.one(t)).contains("only the holder"));
    let t = c.call("supplier1", receivables(), "accept", borsh::to_vec(&id).unwrap());
    assert!(c.one(t).is_success());
    // More than the voucher holds.
    let too_much = TransferArgs { id, to: "supplier2".into(), amount: 101 };
    let t = c.call("supplier1", receivables(), "transfer", borsh::to_vec(&too_much).unwrap());
    assert_eq!(
        contract_error(&c.one(t)),
        format!("amount 101 exceeds voucher {id}'s amount 100 (CNY minor units)")
    );
    // Maturity beyond the one-year cap.
    let mut long = IssueArgs {
        to: "supplier1".into(),
        amount: 1,
        currency: "CNY".into(),
        maturity_day: parse_date("2028-06-01").unwrap(),
        trade_ref: None,
    };
    let t = c.call("core", receivables(), "issue", borsh::to_vec(&long).unwrap());
    assert!(contract_error(&c.one(t)).contains("exceeds the chain's maximum of 365 days"));
    // One trade document backs at most one voucher.
    long.maturity_day = parse_date("2027-02-01").unwrap();
    long.trade_ref = Some(scf_primitives::sha256(b"invoice 42"));
    let t = c.call("core", receivables(), "issue", borsh::to_vec(&long).unwrap());
    assert!(c.one(t).is_success());
    let t = c.call("core", receivables(), "issue", borsh::to_vec(&long).unwrap());
    assert!(contract_error(&c.one(t)).contains("already backs voucher"));
    // Nothing above moved the voucher.
    assert_eq!(c.voucher(id).amount, 100);
    assert_eq!(c.voucher(id).status, VoucherStatus::Active);
}

#[test]
fn bad_transactions_fail_with_typed_errors_and_change_no_contract_state() {
    let mut c = Chain::new();
    let root_before = c.root();

    let mut wrong_chain = c.call("core", receivables(), "issue", issue_args("supplier1", 1));
    wrong_chain.tx.chain_id = "other".into();
    let wrong_chain = Keypair::dev("core").sign_transaction(wrong_chain.tx);
    let mut bad_sig = c.call("core", receivables(), "issue", issue_args("supplier1", 1));
    bad_sig.signature[5] ^= 0xff;
    let receipts = c.block(&[wrong_chain, bad_sig]);
    assert!(matches!(failure(&receipts[0]), TxError::WrongChainId { .. }));
    assert_eq!(failure(&receipts[1]), TxError::BadSignature);
    assert_eq!(c.root(), root_before, "rejected transactions change nothing, not even nonces");

    // Replay: the same signed transaction twice in a row.
    c.nonces.clear();
    let t = c.call("core", receivables(), "issue", issue_args("supplier1", 1));
    let receipts = c.block(&[t.clone(), t]);
    assert!(receipts[0].is_success());
    assert_eq!(failure(&receipts[1]), TxError::BadNonce { expected: 1, got: 0 });

    let t = c.call("core", receivables(), "no_such_method", vec![]);
    assert_eq!(failure(&c.one(t)), TxError::UnknownMethod { method: "no_such_method".into() });
    let t = c.call("core", receivables(), "scf_abi_v2", vec![]);
    assert!(matches!(failure(&c.one(t)), TxError::UnknownMethod { .. }), "reserved exports are not methods");
    let t = c.call("core", receivables(), "issue", vec![1, 2, 3]);
    assert!(contract_error(&c.one(t)).starts_with("invalid arguments for issue"));
    let t = c.call("core", ContractAddress([7; 32]), "issue", vec![]);
    assert!(matches!(failure(&c.one(t)), TxError::UnknownContract { .. }));
}

fn deploy(c: &mut Chain, wat: &str) -> (Receipt, ContractAddress) {
    let code = wat::parse_str(wat).unwrap();
    let (t, addr) = c.deploy_tx("operator", code, vec![]);
    (c.one(t), addr)
}

const MARKER: &str = r#"(func (export "scf_abi_v2")) (memory (export "memory") 1)"#;

#[test]
fn vm_faults_are_receipts_not_crashes() {
    let mut c = Chain::new();
    let wat = format!(
        r#"(module
            (import "env" "storage_write" (func $w (param i32 i32 i32 i32)))
            (import "env" "storage_read" (func $r (param i32 i32) (result i64)))
            (import "env" "abort" (func $abort (param i32 i32 i32)))
            {MARKER}
            (data (i32.const 0) "keyvalue")
            (func (export "spin") (loop $l (br $l)))
            (func (export "boom") unreachable)
            (func (export "oob") (call $w (i32.const 0) (i32.const 3) (i32.const 70000) (i32.const 10)))
            (func (export "write") (call $w (i32.const 0) (i32.const 3) (i32.const 3) (i32.const 5)))
            (func (export "write_then_fail") (call $w (i32.const 0) (i32.const 3) (i32.const 3) (i32.const 5)) unreachable)
            (func (export "refuse") (call $abort (i32.const 7) (i32.const 3) (i32.const 5)))
            (func (export "grow") (drop (memory.grow (i32.const 1000))) (if (i32.eq (memory.grow (i32.const 1000)) (i32.const -1)) (then unreachable)))
            (func $deep (call $deep))
            (func (export "recurse") (call $deep))
        )"#
    );
    let (r, addr) = deploy(&mut c, &wat);
    assert!(r.is_success(), "{:?}", r.outcome);
    let run = |c: &mut Chain, m: &str| {
        let t = c.call("operator", addr, m, vec![]);
        c.one(t)
    };
    assert!(matches!(failure(&run(&mut c, "spin")), TxError::OutOfFuel { .. }));
    assert!(matches!(failure(&run(&mut c, "boom")), TxError::Trap { .. }));
    assert!(
        matches!(failure(&run(&mut c, "oob")), TxError::Trap { message } if message.contains("out of bounds"))
    );
    assert!(matches!(failure(&run(&mut c, "recurse")), TxError::Trap { .. }));
    assert!(matches!(failure(&run(&mut c, "grow")), TxError::Trap { .. }), "memory is capped");
    assert_eq!(failure(&run(&mut c, "refuse")), TxError::ContractError { code: 7, message: "value".into() });

    // A failing call's writes vanish; a successful call's stay.
    let before = c.root();
    assert!(matches!(failure(&run(&mut c, "write_then_fail")), TxError::Trap { .. }));
    let key = scf_runtime::keys::contract_storage(&addr, b"key");
    assert_eq!(c.store.get(&key).unwrap(), None);
    assert_ne!(c.root(), before, "only the nonce moved");
    assert!(run(&mut c, "write").is_success());
    assert_eq!(c.store.get(&key).unwrap(), Some(b"value".to_vec()));

    // Queries cannot write.
    let ctx = BlockContext { height: c.height, timestamp_ms: NOW_MS };
    let q = c.runtime.query(Arc::new(c.store.clone()), ctx, addr, "write", vec![], None).unwrap();
    assert!(matches!(q, Err(TxError::Trap { message }) if message.contains("read-only")));
}

/// Instances come from a pool whose slots are reset in place (dirty pages copied back from the
/// module's image, not released): every call must still start from the module's pristine
/// memory, whatever the previous call in that slot wrote or grew.
#[test]
fn every_call_starts_from_pristine_memory() {
    let mut c = Chain::new();
    let wat = format!(
        r#"(module
            (import "env" "abort" (func $abort (param i32 i32 i32)))
            {MARKER}
            (data (i32.const 0) "keyvalue")
            (data (i32.const 100) "image")
            (data (i32.const 110) "zeroed")
            (data (i32.const 120) "size")
            (func (export "dirty")
                (i32.store8 (i32.const 0) (i32.const 88))
                (i32.store (i32.const 40000) (i32.const 7))
                (drop (memory.grow (i32.const 1)))
                (i32.store (i32.const 70000) (i32.const 9)))
            (func (export "pristine")
                (if (i32.ne (i32.load8_u (i32.const 0)) (i32.const 107)) (then (call $abort (i32.const 0) (i32.const 100) (i32.const 5))))
                (if (i32.ne (i32.load (i32.const 40000)) (i32.const 0)) (then (call $abort (i32.const 0) (i32.const 110) (i32.const 6))))
                (if (i32.ne (memory.size) (i32.const 1)) (then (call $abort (i32.const 0) (i32.const 120) (i32.const 4)))))
        )"#
    );
    let (r, addr) = deploy(&mut c, &wat);
    assert!(r.is_success(), "{:?}", r.outcome);
    for _ in 0..3 {
        let dirty = c.call("operator", addr, "dirty", vec![]);
        let check = c.call("operator", addr, "pristine", vec![]);
        let receipts = c.block(&[dirty, check]);
        assert!(receipts[0].is_success(), "{:?}", receipts[0].outcome);
        assert!(receipts[1].is_success(), "the previous call's memory leaked: {:?}", receipts[1].outcome);
    }
}

/// Host functions reach memory through a handle kept once instantiation is over; a start
/// function runs before that and must still be able to pass them memory (a lookup by name).
#[test]
fn host_functions_reach_memory_from_a_start_function_and_from_a_call() {
    let mut c = Chain::new();
    let wat = format!(
        r#"(module
            (import "env" "storage_write" (func $w (param i32 i32 i32 i32)))
            {MARKER}
            (data (i32.const 0) "startvalue")
            (data (i32.const 16) "callvalue")
            (func $init (call $w (i32.const 0) (i32.const 5) (i32.const 5) (i32.const 5)))
            (start $init)
            (func (export "write") (call $w (i32.const 16) (i32.const 4) (i32.const 20) (i32.const 5)))
        )"#
    );
    let (r, addr) = deploy(&mut c, &wat);
    assert!(r.is_success(), "{:?}", r.outcome);
    let t = c.call("operator", addr, "write", vec![]);
    let receipt = c.one(t);
    assert!(receipt.is_success(), "{:?}", receipt.outcome);
    let get = |key: &[u8]| c.store.get(&scf_runtime::keys::contract_storage(&addr, key)).unwrap();
    assert_eq!(get(b"start"), Some(b"value".to_vec()), "the start function's write");
    assert_eq!(get(b"call"), Some(b"value".to_vec()), "the method's write");
}

#[test]
fn invalid_modules_are_refused_at_deployment() {
    let mut c = Chain::new();
    let cases = [
        ("(module (memory (export \"memory\") 1))", "interface marker"),
        ("(module (func (export \"scf_abi_v2\")))", "memory"),
        (&*format!("(module (import \"env\" \"launch_missiles\" (func)) {MARKER})"), "unknown host function"),
        (
            &*format!("(module (import \"env\" \"storage_read\" (func (param i32))) {MARKER})"),
            "wrong signature",
        ),
        (&*format!("(module (import \"wasi\" \"fd_write\" (func)) {MARKER})"), "unknown module"),
        (&*format!("(module {MARKER} (func (export \"m\") (param i32)))"), "no parameters"),
        ("not wasm at all", "not a valid wasm module"),
    ];
    for (wat, expected) in cases {
        let code = wat::parse_str(wat).unwrap_or_else(|_| wat.as_bytes().to_vec());
        let (t, _) = c.deploy_tx("operator", code, vec![]);
        let err = failure(&c.one(t));
        assert!(
            matches!(&err, TxError::InvalidModule { reason } if reason.contains(expected)),
            "{wat}: {err:?}"
        );
    }
}

#[test]
fn execution_is_deterministic_across_runs() {
    let run = || {
        let mut c = Chain::new();
        let t = c.call("core", receivables(), "issue", issue_args("supplier1", 5_000));
        let r1 = c.one(t);
        let t = c.call("supplier1", receivables(), "accept", borsh::to_vec(&1u64).unwrap());
        let r2 = c.one(t);
        (c.root(), r1, r2)
    };
    assert_eq!(run(), run());
}

#[test]
fn committed_contracts_rebuild_bit_for_bit() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/build.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("running contracts/build.sh");
    match out.status.code() {
        Some(0) => {}
        // Exit 2: the pinned toolchain or the wasm target is absent here; the node needs neither.
        Some(2) => eprintln!("skipped: {}", String::from_utf8_lossy(&out.stderr)),
        _ => panic!(
            "committed genesis contracts differ from a fresh build:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A contract for call-tree tests. `go`: input is a list of 32-byte addresses; it writes a marker
/// key, then calls `go` on the first address with the rest of the list. `go_then_fail` does the
/// same and then traps. `spin_callee`: calls `spin` on the address in its input.
const FORWARDER: &str = r#"(module
    (import "env" "input" (func $input (result i32)))
    (import "env" "result_read" (func $result_read (param i32)))
    (import "env" "storage_write" (func $w (param i32 i32 i32 i32)))
    (import "env" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
    (import "env" "return_data" (func $ret (param i32 i32)))
    (func (export "scf_abi_v2"))
    (memory (export "memory") 1)
    (data (i32.const 0) "go")
    (data (i32.const 16) "spin")
    (data (i32.const 32) "hit")
    (func $go (local $len i32)
        (local.set $len (call $input))
        (call $result_read (i32.const 1024))
        (call $w (i32.const 32) (i32.const 3) (i32.const 32) (i32.const 3))
        (if (i32.ge_u (local.get $len) (i32.const 32))
            (then (drop (call $call (i32.const 1024) (i32.const 0) (i32.const 2)
                                    (i32.const 1056) (i32.sub (local.get $len) (i32.const 32))))))
        (call $ret (i32.const 32) (i32.const 3)))
    (func (export "go") (call $go))
    (func (export "go_then_fail") (call $go) unreachable)
    (func (export "spin") (loop $l (br $l)))
    (func (export "spin_callee")
        (drop (call $input))
        (call $result_read (i32.const 1024))
        (drop (call $call (i32.const 1024) (i32.const 16) (i32.const 4) (i32.const 0) (i32.const 0))))
)"#;

fn chain_args(addrs: &[ContractAddress]) -> Vec<u8> {
    addrs.iter().flat_map(|a| a.0).collect()
}

fn marker(c: &Chain, a: &ContractAddress) -> Option<Vec<u8>> {
    c.store.get(&scf_runtime::keys::contract_storage(a, b"hit")).unwrap()
}

#[test]
fn cross_contract_calls_share_fuel_nest_to_a_limit_and_roll_back_together() {
    let mut c = Chain::new();
    let addrs: Vec<ContractAddress> = (0..9)
        .map(|_| {
            let (r, a) = deploy(&mut c, FORWARDER);
            assert!(r.is_success(), "{:?}", r.outcome);
            a
        })
        .collect();

    // A chain of three: every frame's write lands, the outer call returns its data.
    let t = c.call("operator", addrs[0], "go", chain_args(&addrs[1..3]));
    let r = c.one(t);
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(r.outcome, ExecOutcome::Success { return_data: b"hit".to_vec() });
    for a in &addrs[..3] {
        assert_eq!(marker(&c, a), Some(b"hit".to_vec()));
    }

    // The outer frame fails after its callees succeeded: nothing of the tree remains.
    let t = c.call("operator", addrs[3], "go_then_fail", chain_args(&addrs[4..6]));
    assert!(matches!(failure(&c.one(t)), TxError::Trap { .. }));
    for a in &addrs[3..6] {
        assert_eq!(marker(&c, a), None, "rolled back");
    }

    // Nine frames exceed the depth limit of eight; the error says so and nothing is written.
    let t = c.call("operator", addrs[0], "go", chain_args(&addrs[1..9]));
    let err = failure(&c.one(t));
    assert!(
        matches!(&err, TxError::Trap { message } if message.contains("call depth limit of 8")),
        "{err:?}"
    );
    assert_eq!(marker(&c, &addrs[8]), None);

    // Re-entrancy: a → b → a is refused.
    let t = c.call("operator", addrs[6], "go", chain_args(&[addrs[7], addrs[6]]));
    let err = failure(&c.one(t));
    assert!(
        matches!(&err, TxError::ContractError { message, .. } if message.contains("re-entrant call")),
        "{err:?}"
    );
    assert_eq!(marker(&c, &addrs[6]), None);

    // A callee that runs out of fuel takes the transaction's fuel with it.
    let t = c.call("operator", addrs[7], "spin_callee", addrs[8].0.to_vec());
    let r = c.one(t);
    assert!(matches!(failure(&r), TxError::OutOfFuel { .. }));
    assert_eq!(r.fuel_used, RuntimeParams::new("x").tx_fuel_limit, "fuel is shared, not renewed per call");

    // Calling a missing contract or a reserved export fails the caller.
    let t = c.call("operator", addrs[7], "go", ContractAddress([9; 32]).0.to_vec());
    assert!(matches!(failure(&c.one(t)), TxError::UnknownContract { .. }));
}

/// The host checks an event's topic and index (parties must be member names; counts and lengths
/// bounded) with fixed messages, records parties as a sorted set, and keeps a contract error's
/// code when its message is too long (it is cut, not a trap).
#[test]
fn events_are_checked_and_normalised_and_long_refusals_keep_their_code() {
    let mut c = Chain::new();
    // borsh EventIndex { parties: ["zeta", "alpha", "zeta"], subjects: [] } at 0;
    // { parties: ["Bad Name"], subjects: [] } at 64; topic "ok_topic" at 96, "Bad-Topic" at 112.
    let index = |parties: &[&str]| {
        let index = scf_primitives::EventIndex {
            parties: parties.iter().map(|p| p.to_string()).collect(),
            subjects: vec![],
        };
        let b = borsh::to_vec(&index).unwrap();
        (b.iter().map(|x| format!("\\{x:02x}")).collect::<String>(), b.len())
    };
    let ((good, good_len), (bad, bad_len)) = (index(&["zeta", "alpha", "zeta"]), index(&["Bad Name"]));
    let wat = format!(
        r#"(module
            (import "env" "emit_event" (func $emit (param i32 i32 i32 i32 i32 i32)))
            (import "env" "abort" (func $abort (param i32 i32 i32)))
            {MARKER}
            (data (i32.const 0) "{good}")
            (data (i32.const 64) "{bad}")
            (data (i32.const 96) "ok_topic")
            (data (i32.const 112) "Bad-Topic")
            (func (export "good") (call $emit (i32.const 96) (i32.const 8) (i32.const 0) (i32.const {good_len}) (i32.const 0) (i32.const 0)))
            (func (export "bad_party") (call $emit (i32.const 96) (i32.const 8) (i32.const 64) (i32.const {bad_len}) (i32.const 0) (i32.const 0)))
            (func (export "bad_topic") (call $emit (i32.const 112) (i32.const 9) (i32.const 0) (i32.const {good_len}) (i32.const 0) (i32.const 0)))
            (func (export "long_refusal") (call $abort (i32.const 7) (i32.const 0) (i32.const 5000)))
        )"#
    );
    let (r, addr) = deploy(&mut c, &wat);
    assert!(r.is_success(), "{:?}", r.outcome);
    let run = |c: &mut Chain, m: &str| {
        let t = c.call("operator", addr, m, vec![]);
        c.one(t)
    };
    let r = run(&mut c, "good");
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(r.events[0].parties, ["alpha", "zeta"], "sorted, without duplicates");
    for (method, reason) in [
        ("bad_party", "an event party is not a member name"),
        ("bad_topic", "an event topic is not 1-64 bytes"),
    ] {
        let r = run(&mut c, method);
        assert!(
            matches!(failure(&r), TxError::Trap { message } if message.starts_with(reason)),
            "{method}: {:?}",
            r.outcome
        );
    }
    let r = run(&mut c, "long_refusal");
    match failure(&r) {
        TxError::ContractError { code, message } => {
            assert_eq!(code, 7);
            assert!(message.chars().count() <= scf_primitives::abi::MAX_MESSAGE_LEN);
        }
        other => panic!("a long message is cut, not a trap: {other:?}"),
    }
}
