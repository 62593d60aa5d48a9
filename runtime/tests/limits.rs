//! The bounds on what transactions and queries can make a node do (issue 21, ADR 0010): block
//! budgets as proposer and validator apply them, and the native stack under the deepest call
//! tree contracts can build.
mod common;

use std::sync::Arc;

use common::{failure, Chain};
use scf_primitives::{abi, ContractAddress, Receipt, SignedTransaction, TxError};
use scf_runtime::{BlockBudget, BlockError, BlockUsage, BLOCK_BUDGET, TX_FUEL_LIMIT};

const MARKER: &str = r#"(func (export "scf_abi_v2")) (memory (export "memory") 1)"#;

/// A contract that burns its fuel (`spin`), writes a 1,000-byte value (`fill`), emits an event
/// with 1,000 bytes of data (`shout`), or does nothing (`noop`).
fn heavy_contract() -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (import "env" "storage_write" (func $w (param i32 i32 i32 i32)))
            (import "env" "emit_event" (func $e (param i32 i32 i32 i32 i32 i32)))
            {MARKER}
            (data (i32.const 0) "big")
            (func (export "spin") (loop $l (br $l)))
            (func (export "fill") (call $w (i32.const 0) (i32.const 3) (i32.const 100) (i32.const 1000)))
            ;; index at 16: no parties (u32 0), no subjects (u32 0)
            (func (export "shout") (call $e (i32.const 0) (i32.const 3) (i32.const 16) (i32.const 8) (i32.const 100) (i32.const 1000)))
            (func (export "noop"))
        )"#
    ))
    .unwrap()
}

fn deploy_heavy(c: &mut Chain) -> ContractAddress {
    let (t, address) = c.deploy_tx("operator", heavy_contract(), vec![]);
    assert!(c.one(t).is_success());
    address
}

/// `n` calls of `method` by the operator, in nonce order.
fn calls(c: &mut Chain, contract: ContractAddress, method: &str, n: usize) -> Vec<SignedTransaction> {
    (0..n).map(|_| c.call("operator", contract, method, vec![])).collect()
}

fn over_budget(c: &Chain, txs: &[SignedTransaction]) -> &'static str {
    match c.verify(txs) {
        Err(BlockError::OverBudget(over)) => over.resource,
        Err(e) => panic!("expected a block over budget, got {e}"),
        Ok(_) => panic!("a block over budget was accepted"),
    }
}

#[test]
fn a_block_ends_at_its_fuel_budget_and_a_validator_refuses_one_beyond_it() {
    // Room for two transactions that run out of fuel, not three.
    let budget = BlockBudget { fuel: 2 * TX_FUEL_LIMIT + TX_FUEL_LIMIT / 2, ..BLOCK_BUDGET };
    let mut c = Chain::with_budget(budget);
    let heavy = deploy_heavy(&mut c);
    let spins = calls(&mut c, heavy, "spin", 3);

    assert_eq!(over_budget(&c, &spins), "fuel");
    // Executing the refused block stopped at the budget: the third transaction ran with only
    // what was left (plus one), so checking it cost no more than a full block.
    // The proposer leaves the third out, and goes on with other senders' transactions.
    let light = c.call("supplier1", heavy, "noop", vec![]);
    let mut candidates = spins.clone();
    candidates.push(light.clone());
    let receipts = c.build(candidates);
    assert_eq!(receipts.len(), 3, "two spins and the light call");
    for r in &receipts[..2] {
        assert_eq!(failure(r), TxError::OutOfFuel { limit: TX_FUEL_LIMIT });
        assert_eq!(r.fuel_used, TX_FUEL_LIMIT);
    }
    assert_eq!(receipts[2].tx_hash, light.hash());
    assert!(receipts[2].is_success());
    assert_eq!(receipts[2].index, 2);
    // The one left out runs with its full allowance in the next block.
    let next = c.build(spins[2..].to_vec());
    assert_eq!(next.len(), 1);
    assert_eq!(failure(&next[0]), TxError::OutOfFuel { limit: TX_FUEL_LIMIT });
    // A block within budget is accepted by a validator, with its usage.
    let two = calls(&mut c, heavy, "spin", 2);
    let executed = c.verify(&two).expect("within budget");
    assert_eq!(executed.usage.fuel, 2 * TX_FUEL_LIMIT);
}

#[test]
fn a_proposer_stops_trying_once_left_out_transactions_burned_a_blocks_worth_of_fuel() {
    let budget = BlockBudget { fuel: 2 * TX_FUEL_LIMIT + TX_FUEL_LIMIT / 2, ..BLOCK_BUDGET };
    let mut c = Chain::with_budget(budget);
    let heavy = deploy_heavy(&mut c);
    let mut candidates = calls(&mut c, heavy, "spin", 2);
    // Five senders whose spins each burn the half transaction's worth left before being left
    // out: together the budget. The light call after them is not tried.
    for who in ["core", "bank", "supplier2", "yiwu-crafts", "mx-retail"] {
        candidates.push(c.call(who, heavy, "spin", vec![]));
    }
    candidates.push(c.call("supplier1", heavy, "noop", vec![]));
    assert_eq!(c.build(candidates).len(), 2);
}

#[test]
fn a_block_ends_at_its_state_write_budget() {
    let mut c = Chain::new();
    let heavy = deploy_heavy(&mut c);
    let fills = calls(&mut c, heavy, "fill", 3);
    let one = c.verify(&fills[..1]).unwrap().usage.write_bytes;
    assert!(one > 1_000, "the value, its key and the nonce count: {one}");

    let mut c = Chain::with_budget(BlockBudget { write_bytes: 2 * one + one / 2, ..BLOCK_BUDGET });
    let heavy = deploy_heavy(&mut c);
    let fills = calls(&mut c, heavy, "fill", 3);
    assert_eq!(over_budget(&c, &fills), "state write");
    assert_eq!(c.build(fills).len(), 2);
}

#[test]
fn a_block_ends_at_its_event_budget() {
    let mut c = Chain::new();
    let heavy = deploy_heavy(&mut c);
    let shouts = calls(&mut c, heavy, "shout", 3);
    let executed = c.verify(&shouts[..1]).unwrap();
    assert!(executed.receipts[0].is_success(), "{:?}", executed.receipts[0].outcome);
    let one = executed.usage.event_bytes;
    assert_eq!(one, 1_003, "topic and data");

    let mut c = Chain::with_budget(BlockBudget { event_bytes: 2 * one + one / 2, ..BLOCK_BUDGET });
    let heavy = deploy_heavy(&mut c);
    let shouts = calls(&mut c, heavy, "shout", 3);
    assert_eq!(over_budget(&c, &shouts), "event");
    assert_eq!(c.build(shouts).len(), 2);
}

#[test]
fn a_block_ends_at_its_byte_budget() {
    let mut c = Chain::new();
    let heavy = deploy_heavy(&mut c);
    let padded: Vec<SignedTransaction> =
        (0..3).map(|_| c.call("operator", heavy, "noop", vec![7; 10_000])).collect();
    let size = borsh::object_length(&padded[0]).unwrap() as u64;
    let block_bytes = BlockUsage::empty_block().bytes + 2 * size + size / 2;

    let mut c = Chain::with_budget(BlockBudget { bytes: block_bytes, ..BLOCK_BUDGET });
    let heavy = deploy_heavy(&mut c);
    let padded: Vec<SignedTransaction> =
        (0..3).map(|_| c.call("operator", heavy, "noop", vec![7; 10_000])).collect();
    assert_eq!(over_budget(&c, &padded), "bytes");
    let receipts = c.build(padded);
    assert_eq!(receipts.len(), 2);
    assert!(receipts.iter().all(Receipt::is_success));
}

/// A contract whose `run` recurses `depth` levels (the first four bytes of its input, u32 LE),
/// each frame keeping eight i64 locals live across the recursive call, and at the bottom calls
/// `run` of the contract whose address follows in the input, passing it the depth and the rest.
fn diver() -> Vec<u8> {
    let locals: String = (0..8).map(|i| format!("(local $l{i} i64)")).collect();
    let set: String = (0..8)
        .map(|i| format!("(local.set $l{i} (i64.add (i64.extend_i32_u (local.get $k)) (i64.const {i})))"))
        .collect();
    let sum: String = (0..8).map(|i| format!("(local.get $l{i}) i64.add ")).collect();
    wat::parse_str(format!(
        r#"(module
            (import "env" "input" (func $input (result i32)))
            (import "env" "result_read" (func $result_read (param i32)))
            (import "env" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
            {MARKER}
            (global $len (mut i32) (i32.const 0))
            (data (i32.const 1000) "run")
            (func $next
              (if (i32.ge_u (global.get $len) (i32.const 36))
                (then
                  (memory.copy (i32.const 2000) (i32.const 4) (i32.const 32))
                  (i32.store (i32.const 32) (i32.load (i32.const 0)))
                  (drop (call $call (i32.const 2000) (i32.const 1000) (i32.const 3)
                    (i32.const 32) (i32.sub (global.get $len) (i32.const 32)))))))
            (func $dive (param $k i32) (result i64) {locals}
              (if (result i64) (i32.eqz (local.get $k))
                (then (call $next) (i64.const 0))
                (else {set}
                  (call $dive (i32.sub (local.get $k) (i32.const 1)))
                  {sum})))
            (func (export "run")
              (global.set $len (call $input))
              (call $result_read (i32.const 0))
              (drop (call $dive (i32.load (i32.const 0)))))
        )"#
    ))
    .unwrap()
}

fn dive_args(depth: u32, next: &[ContractAddress]) -> Vec<u8> {
    let mut args = depth.to_le_bytes().to_vec();
    for address in next {
        args.extend_from_slice(&address.0);
    }
    args
}

#[test]
fn the_deepest_call_tree_fits_the_native_stack_of_queries_and_blocks() {
    let mut c = Chain::new();
    let divers: Vec<ContractAddress> = (0..abi::MAX_CALL_DEPTH)
        .map(|_| {
            let (t, address) = c.deploy_tx("operator", diver(), vec![]);
            assert!(c.one(t).is_success());
            address
        })
        .collect();
    let query = |c: &Chain, depth: u32, next: &[ContractAddress]| {
        c.runtime
            .query(Arc::new(c.store.clone()), c.context(), divers[0], "run", dive_args(depth, next), None)
            .unwrap()
    };
    // The deepest recursion one contract's Wasm stack allows: deeper traps (and does not
    // crash: wasmtime bounds each store's Wasm frames).
    let (mut fits, mut traps) = (0u32, 1u32 << 20);
    while traps - fits > 1 {
        let mid = fits + (traps - fits) / 2;
        match query(&c, mid, &[]) {
            Ok(_) => fits = mid,
            Err(TxError::Trap { .. }) => traps = mid,
            Err(e) => panic!("depth {mid}: {e}"),
        }
    }
    assert!(fits > 1_000, "a frame of eight locals should allow deep recursion: {fits}");

    // Every contract of the deepest call tree recurses that deep before calling the next: each
    // nested store has an allowance of its own, so the tree needs eight allowances of native
    // stack. A query runs it (the thread that asks has only a default stack)...
    let chain = &divers[1..];
    assert_eq!(query(&c, fits, chain), Ok(vec![]));
    // ... and so does a transaction, in a block as a proposer builds it and a validator checks it.
    let t = c.call("operator", divers[0], "run", dive_args(fits, chain));
    let checked = c.verify(std::slice::from_ref(&t)).unwrap();
    assert!(checked.receipts[0].is_success(), "{:?}", checked.receipts[0].outcome);
    let receipts = c.build(vec![t]);
    assert!(receipts[0].is_success(), "{:?}", receipts[0].outcome);
    // One level more than the call depth allows is refused, not run.
    let mut too_deep = divers.clone();
    too_deep.push(divers[0]);
    assert!(matches!(query(&c, 1, &too_deep[1..]), Err(TxError::Trap { .. })));
}
