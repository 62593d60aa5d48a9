//! The only wasmtime user. Configures the engine so that every validator computes the same
//! result and the same fuel use for the same module and input, validates modules against the ABI
//! table in `scf_primitives::abi`, caches compiled modules by code hash, and implements the host
//! functions.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use scf_primitives::{
    abi::{self, AbiType},
    AccountId, ContractAddress, Event, EventIndex, Hash, Height, TimestampMs, TxError,
};
use wasmtime::{
    Caller, Config, Engine, ExternType, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolConcurrencyLimitError, PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder, Trap,
    ValType,
};

use crate::{keys, state::StateChanges, RuntimeError, StateStore, StoreError};

/// Largest linear memory a contract may use (bytes).
pub const MAX_MEMORY_BYTES: usize = 16 * 1024 * 1024;
/// Native stack available to Wasm. Bounded so that deep recursion traps instead of crashing the
/// node; see docs/adr/0003-deterministic-wasm.md for why it is fixed in the config.
pub(crate) const MAX_WASM_STACK: usize = 512 * 1024;

/// Fuel charged by host functions, on top of the fuel wasmtime charges per Wasm operator.
pub(crate) mod cost {
    pub const HOST_CALL: u64 = 500;
    pub const STORAGE_READ_BYTE: u64 = 2;
    pub const STORAGE_WRITE: u64 = 5_000;
    pub const STORAGE_WRITE_BYTE: u64 = 20;
    pub const EVENT_BYTE: u64 = 10;
    pub const COPY_BYTE: u64 = 1;
    /// Deploying compiles the module natively; charge it by size.
    pub const DEPLOY_BYTE: u64 = 50;
    pub const CALL: u64 = 10_000;
}
pub(crate) use cost::DEPLOY_BYTE as DEPLOY_FUEL_PER_BYTE;

/// Why a call ended without success; mapped to a receipt's `TxError` or, for a store failure,
/// to a `RuntimeError`.
pub(crate) enum CallFailure {
    Tx(TxError),
    Node(RuntimeError),
}

/// What a contract call sees and changes. Owned (wasmtime stores need `'static` data): the
/// pending writes of the block are moved in for the call and moved out again afterwards.
pub(crate) struct CallEnv {
    pub store: Arc<dyn StateStore>,
    /// Writes of earlier transactions of the same block (read-through).
    pub block_writes: StateChanges,
    /// Writes of this call frame; merged into the caller's on success.
    pub tx_writes: StateChanges,
    /// Pending writes of the frames that called this one, innermost last.
    outer_writes: Vec<StateChanges>,
    /// Contracts executing below this frame, outermost first (for the re-entrancy rule).
    call_stack: Vec<ContractAddress>,
    /// The VM, for nested calls.
    vm: Option<Vm>,
    pub contract: ContractAddress,
    pub caller: AccountId,
    pub height: Height,
    pub time_ms: TimestampMs,
    pub read_only: bool,
    pub input: Vec<u8>,
    pub events: Vec<Event>,
    pub return_data: Vec<u8>,
    result_buf: Vec<u8>,
    /// Set by a host function before it traps, so the trap is reported precisely.
    exit: Option<CallFailure>,
    limits: StoreLimits,
    /// The running instance's exported memory, once instantiation is over. Host functions copy
    /// through it on every call; looking it up by name each time was 2.5 % of the consensus
    /// thread. A handle belongs to one store: `new` starts without one and `Vm::call` clears it
    /// when it takes the env back out of its store, so none reaches another store.
    memory: Option<wasmtime::Memory>,
}

impl CallEnv {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn StateStore>,
        block_writes: StateChanges,
        contract: ContractAddress,
        caller: AccountId,
        height: Height,
        time_ms: TimestampMs,
        read_only: bool,
        input: Vec<u8>,
    ) -> CallEnv {
        CallEnv {
            store,
            block_writes,
            tx_writes: StateChanges::new(),
            outer_writes: Vec::new(),
            call_stack: Vec::new(),
            vm: None,
            contract,
            caller,
            height,
            time_ms,
            read_only,
            input,
            events: Vec::new(),
            return_data: Vec::new(),
            result_buf: Vec::new(),
            exit: None,
            memory: None,
            limits: StoreLimitsBuilder::new()
                .memory_size(MAX_MEMORY_BYTES)
                .instances(1)
                .memories(1)
                .tables(4)
                .trap_on_grow_failure(true)
                .build(),
        }
    }

    /// Reads through this transaction's writes, then the block's, then committed state.
    pub fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.tx_writes.get(key) {
            return Ok(v.clone());
        }
        for frame in self.outer_writes.iter().rev() {
            if let Some(v) = frame.get(key) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.block_writes.get(key) {
            return Ok(v.clone());
        }
        self.store.get(key)
    }
}

/// The Wasm engine and the compiled-module cache.
#[derive(Clone)]
pub struct Vm {
    engine: Engine,
    linker: Arc<Linker<CallEnv>>,
    // Only a cache: which modules are compiled never influences results. Modules are kept
    // pre-linked (imports resolved once), so a call only instantiates.
    cache: Arc<Mutex<ModuleCache>>,
}

/// Compiled modules kept, and the Wasm bytes they were compiled from (native code is a few
/// times that): deployments are governed, so a chain has few contracts, but nothing here may
/// grow with what is deployed.
const MAX_CACHED_MODULES: usize = 256;
const MAX_CACHED_WASM_BYTES: usize = 64 << 20;

/// Compiled modules by code hash; the least recently used leave first.
#[derive(Default)]
struct ModuleCache {
    modules: HashMap<Hash, (InstancePre<CallEnv>, usize, u64)>,
    bytes: usize,
    clock: u64,
}

impl ModuleCache {
    fn get(&mut self, code_hash: &Hash) -> Option<InstancePre<CallEnv>> {
        self.clock += 1;
        let clock = self.clock;
        self.modules.get_mut(code_hash).map(|(module, _, used)| {
            *used = clock;
            module.clone()
        })
    }

    fn insert(&mut self, code_hash: Hash, module: InstancePre<CallEnv>, wasm_bytes: usize) {
        self.clock += 1;
        if let Some((_, old, _)) = self.modules.insert(code_hash, (module, wasm_bytes, self.clock)) {
            self.bytes -= old;
        }
        self.bytes += wasm_bytes;
        while self.modules.len() > MAX_CACHED_MODULES || self.bytes > MAX_CACHED_WASM_BYTES {
            let Some(oldest) = self.modules.iter().min_by_key(|(_, (_, _, used))| *used).map(|(h, _)| *h)
            else {
                break;
            };
            if let Some((_, bytes, _)) = self.modules.remove(&oldest) {
                self.bytes -= bytes;
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.modules.len()
    }
}

fn deterministic_config() -> Config {
    let mut c = Config::new();
    c.consume_fuel(true)
        .cranelift_nan_canonicalization(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_gc(false)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false)
        .max_wasm_stack(MAX_WASM_STACK);
    c
}

fn abi_valtype(t: AbiType) -> ValType {
    match t {
        AbiType::I32 => ValType::I32,
        AbiType::I64 => ValType::I64,
    }
}

/// Checks a module against the chain's rules without a full engine setup: it must compile under
/// the deterministic configuration, import only ABI host functions with their exact signatures,
/// export `memory` and the interface marker, and every other exported function must take and
/// return nothing (methods get their input through `input`).
pub fn validate_module(code: &[u8]) -> Result<(), String> {
    let engine = Engine::new(&deterministic_config()).map_err(|e| e.to_string())?;
    compile_checked(&engine, code).map(|_| ())
}

fn compile_checked(engine: &Engine, code: &[u8]) -> Result<Module, String> {
    let module = Module::new(engine, code).map_err(|e| format!("not a valid wasm module: {e}"))?;
    for import in module.imports() {
        if import.module() != abi::IMPORT_MODULE {
            return Err(format!("import from unknown module {:?}", import.module()));
        }
        let Some(host) = abi::HOST_FUNCTIONS.iter().find(|h| h.name == import.name()) else {
            return Err(format!("import of unknown host function {:?}", import.name()));
        };
        let ExternType::Func(ty) = import.ty() else {
            return Err(format!("import {:?} is not a function", import.name()));
        };
        let params: Vec<ValType> = ty.params().collect();
        let results: Vec<ValType> = ty.results().collect();
        let want_params: Vec<ValType> = host.params.iter().copied().map(abi_valtype).collect();
        let want_results: Vec<ValType> = host.results.iter().copied().map(abi_valtype).collect();
        let same = |a: &[ValType], b: &[ValType]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| ValType::eq(x, y))
        };
        if !same(&params, &want_params) || !same(&results, &want_results) {
            return Err(format!("host function {:?} imported with the wrong signature", host.name));
        }
    }
    let mut has_marker = false;
    let mut has_memory = false;
    for export in module.exports() {
        match export.ty() {
            ExternType::Memory(_) if export.name() == "memory" => has_memory = true,
            ExternType::Func(_) if export.name() == abi::INTERFACE_MARKER => has_marker = true,
            ExternType::Func(ty) if ty.params().len() != 0 || ty.results().len() != 0 => {
                return Err(format!(
                    "exported function {:?} must have no parameters and no results",
                    export.name()
                ));
            }
            _ => {}
        }
    }
    if !has_memory {
        return Err("module does not export its memory as \"memory\"".into());
    }
    if !has_marker {
        return Err(format!(
            "module does not export the interface marker {:?} (built for another ABI?)",
            abi::INTERFACE_MARKER
        ));
    }
    Ok(module)
}

/// A finished call.
pub(crate) struct CallResult {
    pub env: CallEnv,
    pub fuel_used: u64,
    pub outcome: Result<(), CallFailure>,
}

/// Instance slots of the transaction VM's pool: a call tree is at most `MAX_CALL_DEPTH` deep and
/// blocks execute one at a time, so this leaves room for several runtimes' worth of slack.
const POOLED_INSTANCES: u32 = 64;

/// Dirty memory of a pooled slot that is reset in place rather than released: more than a
/// contract call touches (its stack's top pages, its data, its heap).
const KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;

impl Vm {
    /// The VM that executes transactions (and genesis). Instances come from a pre-reserved pool:
    /// creating and dropping a Store per call was a third of execution time in mmap/munmap.
    /// Only block execution may use it, so read-only queries from RPC can never exhaust the
    /// pool under a block (that is what `for_queries` is for).
    pub fn for_transactions() -> Result<Vm, RuntimeError> {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(POOLED_INSTANCES)
            .total_memories(POOLED_INSTANCES)
            .total_tables(POOLED_INSTANCES)
            .total_component_instances(0)
            .max_memory_size(MAX_MEMORY_BYTES)
            // Reset a slot by copying back only its dirty pages (found with the PAGEMAP_SCAN
            // ioctl, Linux 6.7+; elsewhere wasmtime falls back to madvise) and keep them
            // resident. Releasing them with madvise instead flushed the TLBs of every core the
            // node runs on, and the next call faulted them back in: per transaction, in the
            // node's block thread (measured, docs/performance.md).
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(KEEP_RESIDENT_BYTES);
        let mut config = deterministic_config();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Vm::with_config(config)
    }

    /// The VM for read-only queries: instances allocated on demand, unlimited concurrency.
    pub fn for_queries() -> Result<Vm, RuntimeError> {
        Vm::with_config(deterministic_config())
    }

    fn with_config(config: Config) -> Result<Vm, RuntimeError> {
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        host::register(&mut linker).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        Ok(Vm { engine, linker: Arc::new(linker), cache: Arc::new(Mutex::new(ModuleCache::default())) })
    }

    /// Validates, compiles and links `code` (for deployment), caching the result.
    pub(crate) fn prepare(&self, code_hash: Hash, code: &[u8]) -> Result<InstancePre<CallEnv>, String> {
        if let Some(m) = self.cached(&code_hash) {
            return Ok(m);
        }
        let module = compile_checked(&self.engine, code)?;
        let pre = self.linker.instantiate_pre(&module).map_err(|e| format!("cannot link the module: {e}"))?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(code_hash, pre.clone(), code.len());
        Ok(pre)
    }

    pub(crate) fn cached(&self, code_hash: &Hash) -> Option<InstancePre<CallEnv>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(code_hash)
    }

    /// The compiled module of the contract at `contract`, as `env` sees state.
    pub(crate) fn load(
        &self,
        env: &CallEnv,
        contract: ContractAddress,
    ) -> Result<InstancePre<CallEnv>, CallFailure> {
        let code_hash = match env.read(&keys::contract_code_hash(&contract)) {
            Ok(Some(h)) if h.len() == 32 => {
                let mut a = [0u8; 32];
                a.copy_from_slice(&h);
                Hash(a)
            }
            Ok(_) => return Err(CallFailure::Tx(TxError::UnknownContract { contract })),
            Err(e) => return Err(CallFailure::Node(e.into())),
        };
        if let Some(m) = self.cached(&code_hash) {
            return Ok(m);
        }
        let code = match env.read(&keys::code(&code_hash)) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Err(CallFailure::Node(RuntimeError::Merkle(format!(
                    "code {code_hash} of contract {contract} is missing from state"
                ))))
            }
            Err(e) => return Err(CallFailure::Node(e.into())),
        };
        // Code in state passed validation when it was deployed.
        self.prepare(code_hash, &code).map_err(|reason| {
            CallFailure::Node(RuntimeError::Engine(format!("stored module no longer compiles: {reason}")))
        })
    }

    /// Runs exported `method` of `module`. `method` has already been checked to be callable.
    pub(crate) fn call(
        &self,
        module: &InstancePre<CallEnv>,
        mut env: CallEnv,
        method: &str,
        fuel_limit: u64,
    ) -> CallResult {
        env.vm = Some(self.clone());
        let mut store = Store::new(&self.engine, env);
        store.limiter(|env| &mut env.limits);
        if let Err(e) = store.set_fuel(fuel_limit) {
            return CallResult {
                env: store.into_data(),
                fuel_used: 0,
                outcome: Err(CallFailure::Node(RuntimeError::Engine(e.to_string()))),
            };
        }
        let run = (|| -> wasmtime::Result<bool> {
            let instance = module.instantiate(&mut store)?;
            store.data_mut().memory = instance.get_memory(&mut store, "memory");
            let Some(func) = instance.get_func(&mut store, method) else {
                return Ok(false);
            };
            let func = func.typed::<(), ()>(&store)?;
            func.call(&mut store, ())?;
            Ok(true)
        })();
        let fuel_left = store.get_fuel().unwrap_or(0);
        let fuel_used = fuel_limit.saturating_sub(fuel_left);
        let mut env = store.into_data();
        env.memory = None;
        let outcome = match run {
            Ok(true) => Ok(()),
            Ok(false) => Err(CallFailure::Tx(TxError::UnknownMethod { method: method.to_string() })),
            Err(err) => Err(match env.exit.take() {
                Some(exit) => exit,
                None => classify_trap(&err, fuel_limit),
            }),
        };
        CallResult { env, fuel_used, outcome }
    }
}

fn classify_trap(err: &wasmtime::Error, fuel_limit: u64) -> CallFailure {
    if err.downcast_ref::<PoolConcurrencyLimitError>().is_some() {
        // A full instance pool is this node's condition, not the transaction's: reporting it as
        // a guest fault would put a receipt in the block that other validators do not compute.
        return CallFailure::Node(RuntimeError::Engine(format!("wasm instance pool exhausted: {err}")));
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => CallFailure::Tx(TxError::OutOfFuel { limit: fuel_limit }),
        Some(trap) => CallFailure::Tx(TxError::Trap { message: trap.to_string() }),
        None => {
            // Instantiation failures (e.g. a start function or data segment out of bounds)
            // and memory-limit refusals arrive as plain errors; they are guest faults too.
            let mut message = err.to_string();
            message.truncate(abi::MAX_MESSAGE_LEN);
            CallFailure::Tx(TxError::Trap { message })
        }
    }
}

mod host {
    //! Host functions. Each charges fuel first, validates every pointer through wasmtime's
    //! bounds-checked memory accessors, and reports a guest fault by setting `exit` and trapping.
    use super::*;

    type Ctx<'a> = Caller<'a, CallEnv>;

    fn fail(caller: &mut Ctx<'_>, failure: CallFailure) -> wasmtime::Error {
        let msg = match &failure {
            CallFailure::Tx(e) => e.to_string(),
            CallFailure::Node(e) => e.to_string(),
        };
        caller.data_mut().exit = Some(failure);
        wasmtime::Error::msg(msg)
    }

    fn trap(caller: &mut Ctx<'_>, message: impl Into<String>) -> wasmtime::Error {
        fail(caller, CallFailure::Tx(TxError::Trap { message: message.into() }))
    }

    fn charge(caller: &mut Ctx<'_>, amount: u64) -> wasmtime::Result<()> {
        let left = caller.get_fuel()?;
        if left < amount {
            caller.set_fuel(0)?;
            return Err(wasmtime::Error::new(Trap::OutOfFuel));
        }
        caller.set_fuel(left - amount)?;
        Ok(())
    }

    /// The instance's memory: kept from instantiation, or looked up while a start function
    /// runs (before instantiation is over), so host calls behave the same in both.
    fn memory(caller: &mut Ctx<'_>) -> Option<wasmtime::Memory> {
        caller.data().memory.or_else(|| caller.get_export("memory").and_then(|e| e.into_memory()))
    }

    fn read_bytes(caller: &mut Ctx<'_>, ptr: i32, len: i32, max: usize) -> wasmtime::Result<Vec<u8>> {
        let (Ok(ptr), Ok(len)) = (usize::try_from(ptr), usize::try_from(len)) else {
            return Err(trap(caller, "negative pointer or length"));
        };
        if len > max {
            return Err(trap(caller, format!("argument of {len} bytes exceeds the limit of {max}")));
        }
        charge(caller, len as u64 * cost::COPY_BYTE)?;
        let Some(memory) = memory(caller) else {
            return Err(trap(caller, "module has no memory"));
        };
        let mut buf = vec![0u8; len];
        if memory.read(&*caller, ptr, &mut buf).is_err() {
            return Err(trap(caller, "memory access out of bounds"));
        }
        Ok(buf)
    }

    fn write_bytes(caller: &mut Ctx<'_>, ptr: i32, data: &[u8]) -> wasmtime::Result<()> {
        let Ok(ptr) = usize::try_from(ptr) else {
            return Err(trap(caller, "negative pointer"));
        };
        charge(caller, data.len() as u64 * cost::COPY_BYTE)?;
        let Some(memory) = memory(caller) else {
            return Err(trap(caller, "module has no memory"));
        };
        if memory.write(&mut *caller, ptr, data).is_err() {
            return Err(trap(caller, "memory access out of bounds"));
        }
        Ok(())
    }

    fn read_state(caller: &mut Ctx<'_>, key: &[u8]) -> wasmtime::Result<i64> {
        let value = match caller.data().read(key) {
            Ok(v) => v,
            Err(e) => return Err(fail(caller, CallFailure::Node(e.into()))),
        };
        match value {
            Some(v) => {
                charge(caller, v.len() as u64 * cost::STORAGE_READ_BYTE)?;
                let len = v.len() as i64;
                caller.data_mut().result_buf = v;
                Ok(len)
            }
            None => Ok(abi::ABSENT),
        }
    }

    fn write_state(caller: &mut Ctx<'_>, key: Vec<u8>, value: Option<Vec<u8>>) -> wasmtime::Result<()> {
        if caller.data().read_only {
            return Err(trap(caller, "state changes are not allowed in a read-only query"));
        }
        let bytes = key.len() + value.as_ref().map_or(0, Vec::len);
        charge(caller, cost::STORAGE_WRITE + bytes as u64 * cost::STORAGE_WRITE_BYTE)?;
        let full = keys::contract_storage(&caller.data().contract, &key);
        caller.data_mut().tx_writes.insert(full, value);
        Ok(())
    }

    /// Runs a call from the current frame into `target`, in a store of its own, with the fuel
    /// that is left. The callee's writes join the caller's frame only if it succeeds; if it fails,
    /// the caller fails with the callee's error, so the whole transaction is undone.
    fn nested_call(
        c: &mut Ctx<'_>,
        target: ContractAddress,
        method: Vec<u8>,
        args: Vec<u8>,
    ) -> wasmtime::Result<i32> {
        let Ok(method) = String::from_utf8(method) else {
            return Err(trap(c, "method name is not UTF-8"));
        };
        let env = c.data();
        let here = env.contract;
        if env.call_stack.len() + 1 >= abi::MAX_CALL_DEPTH {
            return Err(trap(c, format!("call depth limit of {} reached", abi::MAX_CALL_DEPTH)));
        }
        if target == here || env.call_stack.contains(&target) {
            let message = format!("re-entrant call into {target} refused");
            return Err(fail(c, CallFailure::Tx(TxError::ContractError { code: 0, message })));
        }
        if abi::RESERVED_EXPORTS.contains(&method.as_str()) {
            return Err(fail(c, CallFailure::Tx(TxError::UnknownMethod { method })));
        }
        let Some(vm) = env.vm.clone() else {
            let e = RuntimeError::Engine("nested call without a VM".into());
            return Err(fail(c, CallFailure::Node(e)));
        };
        let fuel_left = c.get_fuel()?;
        let parent = c.data_mut();
        let mut outer = std::mem::take(&mut parent.outer_writes);
        outer.push(std::mem::take(&mut parent.tx_writes));
        let mut child = CallEnv::new(
            parent.store.clone(),
            std::mem::take(&mut parent.block_writes),
            target,
            AccountId(here.0),
            parent.height,
            parent.time_ms,
            parent.read_only,
            args,
        );
        child.outer_writes = outer;
        child.call_stack = parent.call_stack.clone();
        child.call_stack.push(here);

        let (mut child, outcome, used) = match vm.load(&child, target) {
            Ok(module) => {
                let r = vm.call(&module, child, &method, fuel_left);
                (r.env, r.outcome, r.fuel_used)
            }
            Err(f) => (child, Err(f), 0),
        };
        let parent = c.data_mut();
        parent.block_writes = std::mem::take(&mut child.block_writes);
        let mut outer = std::mem::take(&mut child.outer_writes);
        parent.tx_writes = outer.pop().unwrap_or_default();
        parent.outer_writes = outer;
        c.set_fuel(fuel_left.saturating_sub(used))?;
        match outcome {
            Ok(()) => {
                let parent = c.data_mut();
                crate::state::overlay(&mut parent.tx_writes, std::mem::take(&mut child.tx_writes));
                parent.events.append(&mut child.events);
                let data = std::mem::take(&mut child.return_data);
                let len = data.len() as i32;
                parent.result_buf = data;
                Ok(len)
            }
            Err(CallFailure::Tx(e)) => {
                let context = format!("in {target}.{method}: ");
                let e = match e {
                    TxError::ContractError { code, message } => {
                        TxError::ContractError { code, message: context + &message }
                    }
                    TxError::Trap { message } => TxError::Trap { message: context + &message },
                    other => other,
                };
                Err(fail(c, CallFailure::Tx(e)))
            }
            Err(node) => Err(fail(c, node)),
        }
    }

    pub(super) fn register(linker: &mut Linker<CallEnv>) -> wasmtime::Result<()> {
        let m = abi::IMPORT_MODULE;
        linker.func_wrap(m, "input", |mut c: Ctx<'_>| -> wasmtime::Result<i32> {
            charge(&mut c, cost::HOST_CALL)?;
            let input = c.data().input.clone();
            let len = input.len() as i32;
            c.data_mut().result_buf = input;
            Ok(len)
        })?;
        linker.func_wrap(m, "result_read", |mut c: Ctx<'_>, ptr: i32| -> wasmtime::Result<()> {
            charge(&mut c, cost::HOST_CALL)?;
            let buf = std::mem::take(&mut c.data_mut().result_buf);
            let r = write_bytes(&mut c, ptr, &buf);
            c.data_mut().result_buf = buf;
            r
        })?;
        linker.func_wrap(m, "storage_read", |mut c: Ctx<'_>, kp: i32, kl: i32| {
            charge(&mut c, cost::HOST_CALL)?;
            let key = read_bytes(&mut c, kp, kl, abi::MAX_KEY_LEN)?;
            let full = keys::contract_storage(&c.data().contract, &key);
            read_state(&mut c, &full)
        })?;
        linker.func_wrap(
            m,
            "storage_write",
            |mut c: Ctx<'_>, kp: i32, kl: i32, vp: i32, vl: i32| -> wasmtime::Result<()> {
                charge(&mut c, cost::HOST_CALL)?;
                let key = read_bytes(&mut c, kp, kl, abi::MAX_KEY_LEN)?;
                let value = read_bytes(&mut c, vp, vl, abi::MAX_VALUE_LEN)?;
                write_state(&mut c, key, Some(value))
            },
        )?;
        linker.func_wrap(m, "storage_remove", |mut c: Ctx<'_>, kp: i32, kl: i32| {
            charge(&mut c, cost::HOST_CALL)?;
            let key = read_bytes(&mut c, kp, kl, abi::MAX_KEY_LEN)?;
            write_state(&mut c, key, None)
        })?;
        linker.func_wrap(
            m,
            "foreign_storage_read",
            |mut c: Ctx<'_>, ap: i32, kp: i32, kl: i32| -> wasmtime::Result<i64> {
                charge(&mut c, cost::HOST_CALL)?;
                let addr = read_bytes(&mut c, ap, 32, 32)?;
                let key = read_bytes(&mut c, kp, kl, abi::MAX_KEY_LEN)?;
                let mut a = [0u8; 32];
                a.copy_from_slice(&addr);
                let contract = ContractAddress(a);
                // PUBLIC_STORAGE_CONTRACTS is the registry alone (checked by a test below).
                if contract != *crate::permissions::REGISTRY {
                    return Err(fail(&mut c, CallFailure::Tx(TxError::PrivateStorage { contract })));
                }
                let full = keys::contract_storage(&contract, &key);
                read_state(&mut c, &full)
            },
        )?;
        linker.func_wrap(m, "caller", |mut c: Ctx<'_>, ptr: i32| {
            charge(&mut c, cost::HOST_CALL)?;
            let who = c.data().caller.0;
            write_bytes(&mut c, ptr, &who)
        })?;
        linker.func_wrap(m, "contract_address", |mut c: Ctx<'_>, ptr: i32| {
            charge(&mut c, cost::HOST_CALL)?;
            let me = c.data().contract.0;
            write_bytes(&mut c, ptr, &me)
        })?;
        linker.func_wrap(m, "block_height", |mut c: Ctx<'_>| -> wasmtime::Result<i64> {
            charge(&mut c, cost::HOST_CALL)?;
            Ok(c.data().height as i64)
        })?;
        linker.func_wrap(m, "block_time_ms", |mut c: Ctx<'_>| -> wasmtime::Result<i64> {
            charge(&mut c, cost::HOST_CALL)?;
            Ok(c.data().time_ms as i64)
        })?;
        linker.func_wrap(
            m,
            "emit_event",
            |mut c: Ctx<'_>, tp: i32, tl: i32, ip: i32, il: i32, dp: i32, dl: i32| -> wasmtime::Result<()> {
                charge(&mut c, cost::HOST_CALL)?;
                let topic = read_bytes(&mut c, tp, tl, abi::MAX_TOPIC_LEN)?;
                let index = read_bytes(&mut c, ip, il, abi::MAX_EVENT_INDEX_LEN)?;
                let data = read_bytes(&mut c, dp, dl, abi::MAX_VALUE_LEN)?;
                charge(&mut c, (topic.len() + index.len() + data.len()) as u64 * cost::EVENT_BYTE)?;
                let topic = match String::from_utf8(topic) {
                    Ok(topic) if scf_primitives::is_event_topic(&topic) => topic,
                    _ => return Err(trap(&mut c, "an event topic is not 1-64 bytes of a-z, 0-9 and _")),
                };
                let index = match EventIndex::decode_checked(&index) {
                    Ok(index) => index,
                    Err(reason) => return Err(trap(&mut c, reason)),
                };
                if c.data().read_only {
                    // Queries may share code with transactions; their events simply vanish.
                    return Ok(());
                }
                let contract = c.data().contract;
                let EventIndex { parties, subjects } = index;
                c.data_mut().events.push(Event { contract, topic, parties, subjects, data });
                Ok(())
            },
        )?;
        linker.func_wrap(m, "return_data", |mut c: Ctx<'_>, p: i32, l: i32| {
            charge(&mut c, cost::HOST_CALL)?;
            let data = read_bytes(&mut c, p, l, abi::MAX_VALUE_LEN * 16)?;
            c.data_mut().return_data = data;
            Ok(())
        })?;
        linker.func_wrap(
            m,
            "call_contract",
            |mut c: Ctx<'_>, ap: i32, mp: i32, ml: i32, gp: i32, gl: i32| -> wasmtime::Result<i32> {
                charge(&mut c, cost::CALL)?;
                let addr = read_bytes(&mut c, ap, 32, 32)?;
                let method = read_bytes(&mut c, mp, ml, scf_primitives::MAX_METHOD_NAME)?;
                let args = read_bytes(&mut c, gp, gl, abi::MAX_VALUE_LEN * 16)?;
                let mut a = [0u8; 32];
                a.copy_from_slice(&addr);
                nested_call(&mut c, ContractAddress(a), method, args)
            },
        )?;
        linker.func_wrap(
            m,
            "abort",
            |mut c: Ctx<'_>, code: i32, p: i32, l: i32| -> wasmtime::Result<()> {
                charge(&mut c, cost::HOST_CALL)?;
                // A longer message is cut (the code is what clients branch on), never a trap.
                let bytes = read_bytes(&mut c, p, l.min(abi::MAX_MESSAGE_LEN as i32), abi::MAX_MESSAGE_LEN)?;
                let message = String::from_utf8_lossy(&bytes).into_owned();
                // The code is an unsigned 32-bit number carried in an i32.
                let code = code as u32;
                Err(fail(&mut c, CallFailure::Tx(TxError::ContractError { code, message })))
            },
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(n: usize) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module (func (export "scf_abi_v2")) (memory (export "memory") 1) (data (i32.const 0) "{n}"))"#
        ))
        .unwrap()
    }

    #[test]
    fn the_module_cache_is_bounded_and_keeps_what_is_used() {
        let vm = Vm::for_queries().unwrap();
        let hot = module(0);
        let hot_hash = scf_primitives::sha256(&hot);
        vm.prepare(hot_hash, &hot).unwrap();
        for n in 1..MAX_CACHED_MODULES + 40 {
            let code = module(n);
            vm.prepare(scf_primitives::sha256(&code), &code).unwrap();
            assert!(vm.cached(&hot_hash).is_some(), "a module in use stays");
        }
        assert_eq!(vm.cache.lock().unwrap().len(), MAX_CACHED_MODULES);
        let first_cold = module(1);
        assert!(vm.cached(&scf_primitives::sha256(&first_cold)).is_none(), "the least recently used left");
    }
}
