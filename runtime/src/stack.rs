//! The native stack contract code runs on. wasmtime runs Wasm on the stack of the thread that
//! calls into it and bounds each store's Wasm frames by `MAX_WASM_STACK`; a nested contract call
//! gets a store of its own and so a fresh allowance. A call tree of `MAX_CALL_DEPTH` contracts,
//! each recursing as deep as its allowance lets it, therefore needs that many allowances plus the
//! host frames between them: more than a tokio worker's or the default thread's 2 MiB (a query of
//! eight such contracts aborted a node with a stack overflow). Every entry into contract code
//! (`Runtime::query`, block execution, genesis) runs on a thread with `CONTRACT_STACK_BYTES`,
//! which covers the whole tree: the total, not each frame, is what is bounded.
use std::cell::Cell;

use scf_primitives::abi::MAX_CALL_DEPTH;

use crate::{vm::MAX_WASM_STACK, RuntimeError};

/// Host frames between two nested calls (the host function, the VM's call path, wasmtime's
/// entry trampolines). The deepest-call-tree test (`runtime/tests/limits.rs`) also passes, in an
/// unoptimised build, with 32 KiB here and 256 KiB of base frames: both carry a wide margin.
const HOST_FRAMES_PER_CALL: usize = 512 * 1024;
/// The caller's own frames below the first contract call (block execution, RPC, logging).
const BASE_FRAMES: usize = 2 * 1024 * 1024;

/// Native stack of a thread that runs contract code. Only reserved address space: pages are
/// committed as they are touched.
pub const CONTRACT_STACK_BYTES: usize =
    MAX_CALL_DEPTH * (MAX_WASM_STACK + HOST_FRAMES_PER_CALL) + BASE_FRAMES;

thread_local! {
    static ON_CONTRACT_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on a thread whose stack holds the deepest call tree, or right here if this already
/// is one. A panic in `f` is resumed in the caller, as if `f` had run here.
pub(crate) fn on_contract_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, RuntimeError> {
    if ON_CONTRACT_STACK.with(Cell::get) {
        return Ok(f());
    }
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("contract".into())
            .stack_size(CONTRACT_STACK_BYTES)
            .spawn_scoped(scope, || {
                ON_CONTRACT_STACK.with(|on| on.set(true));
                f()
            });
        match thread {
            Ok(handle) => Ok(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
            // Out of threads or memory: a fault of this node, not of what it was asked to run.
            Err(e) => Err(RuntimeError::Engine(format!("cannot start a thread to run contract code: {e}"))),
        }
    })
}
