//! Applying transactions: the checks that precede execution, dispatch to the VM, receipts, and
//! the state root of the result.
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use scf_interface::governance;
use scf_primitives::{
    abi,
    crypto::{verify_all, PublicKey, SignatureCheck, SignatureRule},
    merkle_root, sha256, AccountId, Block, ContractAddress, ContractInfo, ExecOutcome, Hash, Height, Payload,
    Receipt, SignedTransaction, TimestampMs, TxError, MAX_METHOD_NAME, MAX_TX_BYTES,
};

use crate::{
    budget::{BlockBudget, BlockUsage, OverBudget, BLOCK_BUDGET, TX_FUEL_LIMIT},
    keys, permissions,
    stack::on_contract_stack,
    state::{apply_changes, StateChanges, StateUpdate},
    vm::{CallEnv, CallFailure, Vm, DEPLOY_FUEL_PER_BYTE},
    RuntimeError, StateStore,
};

/// Chain parameters that bound execution.
#[derive(Clone, Debug)]
pub struct RuntimeParams {
    pub chain_id: String,
    /// Fuel each transaction may burn (Wasm operators plus host-function charges).
    pub tx_fuel_limit: u64,
    /// Fuel a read-only query may burn: a fifth of a transaction's, since anyone a node serves
    /// may send queries and they cost the node without a block to bound them.
    pub query_fuel_limit: u64,
    /// What one block may consume.
    pub block_budget: BlockBudget,
    /// The height from which transaction signatures follow the cofactored rule (ADR 0011);
    /// `None`: the strict rule at every height.
    pub cofactored_signatures_from: Option<Height>,
}

/// Fuel one query may burn.
pub const QUERY_FUEL_LIMIT: u64 = TX_FUEL_LIMIT / 5;

impl RuntimeParams {
    pub fn new(chain_id: impl Into<String>) -> RuntimeParams {
        RuntimeParams {
            chain_id: chain_id.into(),
            tx_fuel_limit: TX_FUEL_LIMIT,
            query_fuel_limit: QUERY_FUEL_LIMIT,
            block_budget: BLOCK_BUDGET,
            cofactored_signatures_from: None,
        }
    }

    /// The rule a transaction's signature is verified by in a block at `height`. It changes at
    /// most once, from strict to cofactored, and the cofactored rule accepts every signature
    /// the strict one does: a verdict remembered for an earlier height holds at later ones.
    pub fn signature_rule(&self, height: Height) -> SignatureRule {
        match self.cofactored_signatures_from {
            Some(from) if height >= from => SignatureRule::Cofactored,
            _ => SignatureRule::Strict,
        }
    }
}

/// Where in the chain a block executes.
#[derive(Clone, Copy, Debug)]
pub struct BlockContext {
    pub height: Height,
    pub timestamp_ms: TimestampMs,
}

/// The result of executing a block's transactions on top of committed state.
pub struct ExecutedBlock {
    pub receipts: Vec<Receipt>,
    pub receipts_root: Hash,
    pub state: StateUpdate,
    /// What the block consumed of its budget.
    pub usage: BlockUsage,
}

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The block is invalid: it consumes more than a block may.
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    /// This node failed (its store): nothing can be said about the block.
    #[error(transparent)]
    Node(#[from] RuntimeError),
}

/// Whether a block is being assembled from candidates or checked as proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Stop before the first transaction that would exceed a budget; it waits for a later block.
    Build,
    /// Every transaction must fit: a block over budget is invalid.
    Verify,
}

/// What executing one transaction produced, not yet part of the block.
struct Applied {
    outcome: ExecOutcome,
    events: Vec<scf_primitives::Event>,
    fuel_used: u64,
    /// Its state writes: the nonce, and on success everything it wrote.
    writes: StateChanges,
}

impl Applied {
    fn failed(error: TxError) -> Applied {
        Applied {
            outcome: ExecOutcome::Failure { error },
            events: Vec::new(),
            fuel_used: 0,
            writes: StateChanges::new(),
        }
    }

    /// Its share of the block's budget (`bytes`: its encoded size).
    fn usage(&self, bytes: usize) -> BlockUsage {
        let write_bytes =
            self.writes.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len)).sum::<usize>();
        let event_bytes = self
            .events
            .iter()
            .map(|e| {
                e.topic.len()
                    + e.data.len()
                    + e.parties.iter().map(String::len).sum::<usize>()
                    + e.subjects.iter().map(|s| s.kind.len() + s.id.len()).sum::<usize>()
            })
            .sum::<usize>();
        BlockUsage {
            bytes: bytes as u64,
            fuel: self.fuel_used,
            write_bytes: write_bytes as u64,
            event_bytes: event_bytes as u64,
        }
    }
}

#[derive(Clone)]
pub struct Runtime {
    vm: Vm,
    query_vm: Vm,
    params: RuntimeParams,
    verified: Arc<Mutex<VerifiedSignatures>>,
    sender_keys: Arc<Mutex<SenderKeys>>,
}

/// Decoded public keys of recent senders. A consortium has few accounts, each sending many
/// transactions; when the map is full it is emptied and refills with the active ones.
#[derive(Default)]
struct SenderKeys(HashMap<AccountId, PublicKey>);

const SENDER_KEYS_CAPACITY: usize = 100_000;

/// Hashes of signed transactions (the hash covers the signature) whose signatures verified,
/// with the rule they verified under. Admission verifies a transaction once; executing it in a
/// block (on the proposer, and on every validator that received it by gossip) finds it here and
/// skips a second ed25519 check. Only a cache of a pure function's result: it can never change
/// an outcome, only its cost.
#[derive(Default)]
struct VerifiedSignatures {
    verdicts: HashMap<Hash, SignatureRule>,
    order: VecDeque<Hash>,
}

/// Remembered verifications: a few full pools' worth.
const VERIFIED_CAPACITY: usize = 200_000;

impl VerifiedSignatures {
    /// Whether `hash` verified under a rule whose verdicts hold under `rule`: a strict verdict
    /// holds under both rules, a cofactored one only under the cofactored rule.
    fn holds(&self, hash: &Hash, rule: SignatureRule) -> bool {
        self.verdicts.get(hash).is_some_and(|&verified| verified == SignatureRule::Strict || verified == rule)
    }

    fn insert(&mut self, hash: Hash, rule: SignatureRule) {
        if let Some(verified) = self.verdicts.get_mut(&hash) {
            // A strict verdict holds under more rules: it replaces a cofactored one.
            if rule == SignatureRule::Strict {
                *verified = rule;
            }
        } else {
            self.verdicts.insert(hash, rule);
            self.order.push_back(hash);
            if self.order.len() > VERIFIED_CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.verdicts.remove(&old);
                }
            }
        }
    }
}

/// The account that runs genesis initialisation of system contracts.
pub const GENESIS_CALLER: AccountId = AccountId([0u8; 32]);

impl Runtime {
    pub fn new(params: RuntimeParams) -> Result<Runtime, RuntimeError> {
        Ok(Runtime {
            vm: Vm::for_transactions()?,
            query_vm: Vm::for_queries()?,
            params,
            verified: Default::default(),
            sender_keys: Default::default(),
        })
    }

    pub fn params(&self) -> &RuntimeParams {
        &self.params
    }

    /// Next nonce of `account` in committed state.
    pub fn nonce(store: &dyn StateStore, account: &AccountId) -> Result<u64, RuntimeError> {
        Ok(store.get(&keys::nonce(account))?.map(|b| decode_u64(&b)).unwrap_or(0))
    }

    /// Admission checks done before a transaction enters the pool: size, chain id, signature,
    /// and that its nonce is not already used. (A nonce ahead of the next one is admitted: the
    /// pool orders by nonce.) Returns the transaction's hash, which the checks computed anyway.
    ///
    /// The sender must be allowed to transact in committed state (`permissions`); `next_height`
    /// is the height the transaction would execute at, for the validator-set part of that rule
    /// and for the signature rule.
    pub fn check_transaction(
        &self,
        store: &dyn StateStore,
        tx: &SignedTransaction,
        next_height: Height,
    ) -> Result<Hash, CheckError> {
        let hash = tx.hash();
        let size = borsh::object_length(tx).unwrap_or(usize::MAX);
        self.check_admission(store, tx, size, &hash, next_height, None)?;
        Ok(hash)
    }

    /// `check_transaction` for a caller that has the transaction's encoded size and hash
    /// already (the pool's admission encodes it once for its record), and may have verified its
    /// signature already, with others, by [`Runtime::verify_signatures`] (`signature_ok`;
    /// `None` verifies it here).
    pub fn check_admission(
        &self,
        store: &dyn StateStore,
        tx: &SignedTransaction,
        size: usize,
        hash: &Hash,
        next_height: Height,
        signature_ok: Option<bool>,
    ) -> Result<(), CheckError> {
        let signature_ok = signature_ok.unwrap_or_else(|| self.verify_cached(tx, hash, next_height));
        self.check_static_with(tx, size, signature_ok).map_err(CheckError::Invalid)?;
        let mut read = |key: &[u8]| -> Result<Option<Vec<u8>>, RuntimeError> { Ok(store.get(key)?) };
        permissions::check_sender(&mut read, &tx.tx.sender, &tx.tx.payload, next_height)?
            .map_err(CheckError::Invalid)?;
        let next = Self::nonce(store, &tx.tx.sender)?;
        if tx.tx.nonce < next {
            return Err(CheckError::Invalid(TxError::BadNonce { expected: next, got: tx.tx.nonce }));
        }
        Ok(())
    }

    /// Checks that need no state, for a transaction whose encoded size is known and whose
    /// signature has been verified (`signature_ok`). A bad signature is reported after the
    /// other checks, whatever order they were done in.
    fn check_static_with(
        &self,
        tx: &SignedTransaction,
        size: usize,
        signature_ok: bool,
    ) -> Result<(), TxError> {
        self.check_form(tx, size)?;
        if !signature_ok {
            return Err(TxError::BadSignature);
        }
        Ok(())
    }

    /// The checks that cost less than a signature verification: size, method name, chain id.
    /// Admission runs them first, so that what fails them is never verified.
    pub fn check_form(&self, tx: &SignedTransaction, size: usize) -> Result<(), TxError> {
        if size > MAX_TX_BYTES {
            return Err(TxError::PayloadTooLarge { limit: MAX_TX_BYTES as u64 });
        }
        if let Payload::Call { method, .. } = &tx.tx.payload {
            if method.len() > MAX_METHOD_NAME {
                return Err(TxError::PayloadTooLarge { limit: MAX_METHOD_NAME as u64 });
            }
        }
        if tx.tx.chain_id != self.params.chain_id {
            return Err(TxError::WrongChainId {
                expected: self.params.chain_id.clone(),
                got: tx.tx.chain_id.clone(),
            });
        }
        Ok(())
    }

    fn lock_verified(&self) -> std::sync::MutexGuard<'_, VerifiedSignatures> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sender's decoded key (`None`: not a curve point, nothing it signs verifies), decoded
    /// once per sender.
    fn sender_key(&self, sender: &AccountId) -> Option<PublicKey> {
        if let Some(key) = self.sender_keys.lock().unwrap_or_else(|p| p.into_inner()).0.get(sender) {
            return Some(*key);
        }
        let key = PublicKey::of(sender)?;
        let mut keys = self.sender_keys.lock().unwrap_or_else(|p| p.into_inner());
        if keys.0.len() >= SENDER_KEYS_CAPACITY {
            keys.0.clear();
        }
        keys.0.insert(*sender, key);
        Some(key)
    }

    /// One transaction's signature under the rule of `height`, remembered once good.
    fn verify_cached(&self, tx: &SignedTransaction, hash: &Hash, height: Height) -> bool {
        self.verify_signatures(&[tx], std::slice::from_ref(hash), height, false)[0]
    }

    /// Signature checks of transactions that would execute at `height`, under that height's
    /// rule: remembered ones are free, the rest are verified together (in one batch under the
    /// cofactored rule; on all cores if `parallel`), and the good ones remembered. One verdict
    /// per transaction, in order, each what verifying it alone gives.
    pub fn verify_signatures(
        &self,
        transactions: &[&SignedTransaction],
        hashes: &[Hash],
        height: Height,
        parallel: bool,
    ) -> Vec<bool> {
        let rule = self.params.signature_rule(height);
        let mut ok = vec![false; transactions.len()];
        let missing: Vec<usize> = {
            let cache = self.lock_verified();
            (0..transactions.len())
                .filter(|&i| {
                    ok[i] = cache.holds(&hashes[i], rule);
                    !ok[i]
                })
                .collect()
        };
        if missing.is_empty() {
            return ok;
        }
        let verify = |part: &[usize]| -> Vec<(usize, bool)> {
            // Signing bytes and keys first, so that the checks can borrow them.
            let prepared: Vec<(usize, Option<PublicKey>, Vec<u8>)> = part
                .iter()
                .map(|&i| {
                    (i, self.sender_key(&transactions[i].tx.sender), transactions[i].tx.signing_bytes())
                })
                .collect();
            let checks: Vec<SignatureCheck<'_>> = prepared
                .iter()
                .filter_map(|(i, key, msg)| {
                    key.as_ref().map(|key| SignatureCheck {
                        key,
                        msg,
                        signature: &transactions[*i].signature,
                    })
                })
                .collect();
            let mut verdicts = verify_all(rule, &checks).into_iter();
            prepared
                .iter()
                .map(|(i, key, _)| (*i, key.is_some() && verdicts.next().unwrap_or(false)))
                .collect()
        };
        let threads = if parallel {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8)
        } else {
            1
        };
        let chunk = missing.len().div_ceil(threads).max(64);
        let results: Vec<(usize, bool)> = if missing.len() <= chunk {
            verify(&missing)
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> =
                    missing.chunks(chunk).map(|part| (part, s.spawn(move || verify(part)))).collect();
                // A worker that died must not turn its transactions into bad signatures (that
                // would differ between nodes): its share is verified again here.
                handles.into_iter().flat_map(|(part, h)| h.join().unwrap_or_else(|_| verify(part))).collect()
            })
        };
        let mut cache = self.lock_verified();
        for (i, good) in results {
            ok[i] = good;
            if good {
                cache.insert(hashes[i], rule);
            }
        }
        ok
    }

    /// Executes a proposed block's `transactions` in order on top of `store` (which holds the
    /// state after `ctx.height - 1`) and computes the resulting state root. Pure: nothing is
    /// written. A block that exceeds its budget is refused as soon as it does (its remaining
    /// transactions are not run).
    pub fn execute_block(
        &self,
        store: Arc<dyn StateStore>,
        ctx: BlockContext,
        transactions: &[SignedTransaction],
    ) -> Result<ExecutedBlock, BlockError> {
        on_contract_stack(|| self.run_block(store, ctx, transactions, Mode::Verify))?
            .map(|(executed, _)| executed)
    }

    /// Assembles a block from `candidates` (in order, each sender's in nonce order): executes
    /// them, leaving out any that would exceed the block's budget (with its sender's later
    /// ones), and returns the transactions that made it in with what they produced. The rest
    /// wait for a later block.
    pub fn build_block(
        &self,
        store: Arc<dyn StateStore>,
        ctx: BlockContext,
        candidates: Vec<SignedTransaction>,
    ) -> Result<(Vec<SignedTransaction>, ExecutedBlock), RuntimeError> {
        let (executed, included) =
            match on_contract_stack(|| self.run_block(store, ctx, &candidates, Mode::Build))? {
                Ok(done) => done,
                Err(BlockError::Node(e)) => return Err(e),
                Err(BlockError::OverBudget(over)) => {
                    // Building stops before any budget is exceeded; only an empty block is checked
                    // without a transaction, and it is within every budget.
                    return Err(RuntimeError::Engine(format!("an assembled block is over budget: {over}")));
                }
            };
        let mut candidates: Vec<Option<SignedTransaction>> = candidates.into_iter().map(Some).collect();
        let block = included.into_iter().filter_map(|i| candidates[i].take()).collect();
        Ok((block, executed))
    }

    /// Executes transactions in order; returns the result and the positions of the transactions
    /// it holds (all of them when verifying).
    fn run_block(
        &self,
        store: Arc<dyn StateStore>,
        ctx: BlockContext,
        transactions: &[SignedTransaction],
        mode: Mode,
    ) -> Result<(ExecutedBlock, Vec<usize>), BlockError> {
        let budget = self.params.block_budget;
        let mut usage = BlockUsage::empty_block();
        usage.check(&budget)?;
        let mut block_writes = StateChanges::new();
        let mut receipts = Vec::with_capacity(transactions.len());
        // Timing for the log line below only; nothing measured here reaches execution.
        let started = std::time::Instant::now();
        let hashes: Vec<Hash> = transactions.iter().map(SignedTransaction::hash).collect();
        let refs: Vec<&SignedTransaction> = transactions.iter().collect();
        let signatures = self.verify_signatures(&refs, &hashes, ctx.height, true);
        let verified = started.elapsed();
        // Building: candidates are tried in order; one that does not fit is left out with every
        // later transaction of its sender (their nonces would no longer follow). Trying after a
        // miss stops once the fuel spent on left-out transactions reaches the block's budget, so
        // assembling a block never costs more than twice executing it.
        let mut included = Vec::with_capacity(transactions.len());
        let mut left_out_senders = std::collections::BTreeSet::new();
        let mut left_out_fuel = 0u64;
        for (index, tx) in transactions.iter().enumerate() {
            if mode == Mode::Build && left_out_senders.contains(&tx.tx.sender) {
                continue;
            }
            let size = borsh::object_length(tx).unwrap_or(usize::MAX);
            // Its bytes must fit before it runs.
            if let Err(over) =
                usage.plus(&BlockUsage { bytes: size as u64, ..BlockUsage::default() }).check(&budget)
            {
                match mode {
                    Mode::Build => {
                        left_out_senders.insert(tx.tx.sender);
                        continue;
                    }
                    Mode::Verify => return Err(over.into()),
                }
            }
            // Its fuel may use what the block has left, plus one, so that running out of it shows
            // as exceeding the budget: a transaction that fits runs exactly as it would with its
            // full allowance, and one that does not costs no more than the budget.
            let fuel_limit = self.params.tx_fuel_limit.min((budget.fuel - usage.fuel).saturating_add(1));
            let applied = self.apply_transaction(
                &store,
                &mut block_writes,
                ctx,
                tx,
                size,
                signatures[index],
                fuel_limit,
            )?;
            let with_tx = usage.plus(&applied.usage(size));
            if let Err(over) = with_tx.check(&budget) {
                match mode {
                    // Its writes were never applied: the block goes on without it.
                    Mode::Build => {
                        left_out_senders.insert(tx.tx.sender);
                        left_out_fuel = left_out_fuel.saturating_add(applied.fuel_used);
                        if left_out_fuel >= budget.fuel {
                            break;
                        }
                        continue;
                    }
                    Mode::Verify => return Err(over.into()),
                }
            }
            usage = with_tx;
            crate::state::overlay(&mut block_writes, applied.writes);
            included.push(index);
            receipts.push(Receipt {
                tx_hash: hashes[index],
                height: ctx.height,
                index: receipts.len() as u32,
                outcome: applied.outcome,
                events: applied.events,
                fuel_used: applied.fuel_used,
            });
        }
        let receipt_hashes: Vec<Hash> = receipts.iter().map(Receipt::hash).collect();
        let executed = started.elapsed();
        let written_keys = block_writes.len();
        let state = apply_changes(store.as_ref(), ctx.height, block_writes)?;
        tracing::debug!(
            target: "scf::runtime",
            height = ctx.height,
            txs = included.len(),
            fuel = usage.fuel,
            written_keys,
            verify_ms = verified.as_millis() as u64,
            run_ms = (executed - verified).as_millis() as u64,
            merkle_ms = (started.elapsed() - executed).as_millis() as u64,
            "executed block"
        );
        let receipts_root = merkle_root(&receipt_hashes);
        Ok((ExecutedBlock { receipts, receipts_root, state, usage }, included))
    }

    /// Runs one transaction against the block's writes so far, without adding its own writes
    /// to them: the caller does, once it knows the transaction fits the block.
    #[allow(clippy::too_many_arguments)]
    fn apply_transaction(
        &self,
        store: &Arc<dyn StateStore>,
        block_writes: &mut StateChanges,
        ctx: BlockContext,
        signed: &SignedTransaction,
        size: usize,
        signature_ok: bool,
        fuel_limit: u64,
    ) -> Result<Applied, RuntimeError> {
        if let Err(e) = self.check_static_with(signed, size, signature_ok) {
            return Ok(Applied::failed(e));
        }
        let tx = &signed.tx;
        let nonce_key = keys::nonce(&tx.sender);
        let stored = match block_writes.get(&nonce_key) {
            Some(v) => v.clone(),
            None => store.get(&nonce_key)?,
        };
        let expected = stored.map(|b| decode_u64(&b)).unwrap_or(0);
        if tx.nonce != expected {
            return Ok(Applied::failed(TxError::BadNonce { expected, got: tx.nonce }));
        }
        // The nonce advances even if execution fails, so a failed transaction cannot be replayed.
        let mut writes = StateChanges::new();
        writes.insert(nonce_key, Some((expected + 1).to_le_bytes().to_vec()));
        let failed = |error, fuel_used, writes| {
            Ok(Applied { outcome: ExecOutcome::Failure { error }, events: Vec::new(), fuel_used, writes })
        };
        // Membership as of this point of the block: a member suspended by an earlier transaction
        // of the same block is refused here. Its nonce still advances (above), so the refused
        // transaction leaves every pool instead of being proposed again and again.
        let allowed = {
            let mut read = |key: &[u8]| -> Result<Option<Vec<u8>>, RuntimeError> {
                match block_writes.get(key) {
                    Some(v) => Ok(v.clone()),
                    None => Ok(store.get(key)?),
                }
            };
            permissions::check_sender(&mut read, &tx.sender, &tx.payload, ctx.height)?
        };
        if let Err(e) = allowed {
            return failed(e, 0, writes);
        }
        let (target, method, input, install) = match &tx.payload {
            Payload::Deploy { code, init_args } => (
                ContractAddress::derive(&tx.sender, tx.nonce),
                abi::INIT_EXPORT,
                init_args.clone(),
                Some((code.as_slice(), Install::Deploy)),
            ),
            Payload::Upgrade { contract, code, migrate_args } => (
                *contract,
                abi::MIGRATE_EXPORT,
                migrate_args.clone(),
                Some((code.as_slice(), Install::Upgrade)),
            ),
            Payload::Call { contract, method, args } => (*contract, method.as_str(), args.clone(), None),
        };
        let env = CallEnv::new(
            store.clone(),
            std::mem::take(block_writes),
            target,
            tx.sender,
            ctx.height,
            ctx.timestamp_ms,
            false,
            input,
        );
        let (mut env, result, fuel_used) = match install {
            Some((code, how)) => self.run_install(env, target, code, how, fuel_limit),
            None => self.run_call(&self.vm, env, method, fuel_limit),
        };
        *block_writes = std::mem::take(&mut env.block_writes);
        match result {
            Ok(()) => {
                crate::state::overlay(&mut writes, std::mem::take(&mut env.tx_writes));
                let return_data = std::mem::take(&mut env.return_data);
                Ok(Applied {
                    outcome: ExecOutcome::Success { return_data },
                    events: env.events,
                    fuel_used,
                    writes,
                })
            }
            Err(CallFailure::Tx(error)) => failed(error, fuel_used, writes),
            Err(CallFailure::Node(e)) => Err(e),
        }
    }

    /// Installs `code` at `address` and runs its `init` (a deployment, genesis) or `migrate`
    /// (an upgrade), if exported. A deployment or upgrade needs governance's approval of exactly
    /// this code for exactly this action, which it consumes (ADR 0007); genesis needs none.
    fn run_install(
        &self,
        mut env: CallEnv,
        address: ContractAddress,
        code: &[u8],
        how: Install,
        fuel_limit: u64,
    ) -> (CallEnv, Result<(), CallFailure>, u64) {
        let compile_fuel = (code.len() as u64).saturating_mul(DEPLOY_FUEL_PER_BYTE);
        if compile_fuel > fuel_limit {
            return (env, Err(CallFailure::Tx(TxError::OutOfFuel { limit: fuel_limit })), fuel_limit);
        }
        let code_hash = sha256(code);
        let checked = self.check_install(&mut env, address, code_hash, how);
        let (previous, approval) = match checked {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => return (env, Err(CallFailure::Tx(e)), 0),
            Err(e) => return (env, Err(CallFailure::Node(e)), 0),
        };
        let module = match self.vm.prepare(code_hash, code) {
            Ok(m) => m,
            Err(reason) => {
                return (env, Err(CallFailure::Tx(TxError::InvalidModule { reason })), compile_fuel)
            }
        };
        let info = ContractInfo {
            code_hash,
            version: previous.as_ref().map_or(1, |p| p.version.saturating_add(1)),
            proposal: approval.as_ref().map(|a| a.proposal),
            approvers: approval.map(|a| a.approvers).unwrap_or_default(),
            installed_by: env.caller,
            installed_at: env.height,
        };
        if how != Install::Genesis {
            let approval_key =
                keys::contract_storage(&permissions::GOVERNANCE, &governance::code_approval_key(&code_hash));
            env.tx_writes.insert(approval_key, None);
        }
        if previous.is_none() {
            let count = match env.read(&keys::contract_count()) {
                Ok(v) => v.map(|b| decode_u64(&b)).unwrap_or(0),
                Err(e) => return (env, Err(CallFailure::Node(e.into())), compile_fuel),
            };
            env.tx_writes.insert(keys::contract_index(count), Some(address.0.to_vec()));
            env.tx_writes.insert(keys::contract_count(), Some((count + 1).to_le_bytes().to_vec()));
        }
        let info_bytes = borsh::to_vec(&info).expect("borsh into Vec is infallible");
        env.tx_writes.insert(keys::contract_info(&address), Some(info_bytes.clone()));
        env.tx_writes.insert(keys::code(&code_hash), Some(code.to_vec()));
        env.tx_writes.insert(keys::contract_code_hash(&address), Some(code_hash.0.to_vec()));
        // It concerns the whole consortium (no parties); its subject is the contract.
        env.events.push(scf_primitives::Event {
            contract: address,
            topic: if how == Install::Upgrade { "contract_upgraded" } else { "contract_deployed" }.into(),
            parties: Vec::new(),
            subjects: vec![scf_primitives::Subject { kind: "contract".into(), id: address.to_hex() }],
            data: info_bytes,
        });
        let entry = if how == Install::Upgrade { abi::MIGRATE_EXPORT } else { abi::INIT_EXPORT };
        let has_entry = module.module().exports().any(|e| e.name() == entry);
        if !has_entry {
            return (env, Ok(()), compile_fuel);
        }
        let result = self.vm.call(&module, env, entry, fuel_limit - compile_fuel);
        (result.env, result.outcome, compile_fuel + result.fuel_used)
    }

    /// What installing `code_hash` at `address` needs: for a deployment, a free address; for an
    /// upgrade, an existing contract; for both, a live approval of this code for this action.
    /// Returns the contract's current record (upgrades) and the approval.
    #[allow(clippy::type_complexity)]
    fn check_install(
        &self,
        env: &mut CallEnv,
        address: ContractAddress,
        code_hash: Hash,
        how: Install,
    ) -> Result<Result<(Option<ContractInfo>, Option<governance::CodeApproval>), TxError>, RuntimeError> {
        let exists = env.read(&keys::contract_code_hash(&address))?.is_some();
        let previous = match env.read(&keys::contract_info(&address))? {
            Some(bytes) => borsh::from_slice::<ContractInfo>(&bytes).ok(),
            None => None,
        };
        match how {
            Install::Deploy | Install::Genesis if exists => {
                let reason = format!("a contract already exists at {address}");
                return Ok(Err(TxError::InvalidModule { reason }));
            }
            Install::Upgrade if !exists => return Ok(Err(TxError::UnknownContract { contract: address })),
            _ => {}
        }
        if how == Install::Genesis {
            return Ok(Ok((None, None)));
        }
        let not_approved = |reason: String| Ok(Err(TxError::CodeNotApproved { code_hash, reason }));
        let key =
            keys::contract_storage(&permissions::GOVERNANCE, &governance::code_approval_key(&code_hash));
        let Some(bytes) = env.read(&key)? else {
            return not_approved("governance has no approval of it".into());
        };
        let Ok(approval) = borsh::from_slice::<governance::CodeApproval>(&bytes) else {
            return not_approved("its approval record does not decode".into());
        };
        if env.time_ms > approval.expires_at_ms {
            return not_approved(format!("the approval of proposal {} expired", approval.proposal));
        }
        match (&approval.action, how) {
            (governance::CodeAction::Deploy, Install::Deploy) => {}
            (governance::CodeAction::Upgrade { contract }, Install::Upgrade) if *contract == address => {}
            (governance::CodeAction::Deploy, _) => {
                return not_approved(format!("proposal {} approved it as a new contract", approval.proposal))
            }
            (governance::CodeAction::Upgrade { contract }, _) => {
                return not_approved(format!(
                    "proposal {} approved it as an upgrade of {contract}",
                    approval.proposal
                ))
            }
        }
        Ok(Ok((if how == Install::Upgrade { previous } else { None }, Some(approval))))
    }

    /// Loads the contract at `env.contract` and runs `method`.
    fn run_call(
        &self,
        vm: &Vm,
        env: CallEnv,
        method: &str,
        fuel_limit: u64,
    ) -> (CallEnv, Result<(), CallFailure>, u64) {
        if abi::RESERVED_EXPORTS.contains(&method) {
            let err = TxError::UnknownMethod { method: method.to_string() };
            return (env, Err(CallFailure::Tx(err)), 0);
        }
        let module = match vm.load(&env, env.contract) {
            Ok(m) => m,
            Err(f) => return (env, Err(f), 0),
        };
        let result = vm.call(&module, env, method, fuel_limit);
        (result.env, result.outcome, result.fuel_used)
    }

    /// Runs `method` read-only against committed state; the caller is `caller` (or the zero
    /// account). Returns the contract's return data.
    pub fn query(
        &self,
        store: Arc<dyn StateStore>,
        ctx: BlockContext,
        contract: ContractAddress,
        method: &str,
        args: Vec<u8>,
        caller: Option<AccountId>,
    ) -> Result<Result<Vec<u8>, TxError>, RuntimeError> {
        if method.len() > MAX_METHOD_NAME {
            return Ok(Err(TxError::PayloadTooLarge { limit: MAX_METHOD_NAME as u64 }));
        }
        let env = CallEnv::new(
            store,
            StateChanges::new(),
            contract,
            caller.unwrap_or(GENESIS_CALLER),
            ctx.height,
            ctx.timestamp_ms,
            true,
            args,
        );
        let (mut env, result, _) =
            on_contract_stack(|| self.run_call(&self.query_vm, env, method, self.params.query_fuel_limit))?;
        match result {
            Ok(()) => Ok(Ok(std::mem::take(&mut env.return_data))),
            Err(CallFailure::Tx(e)) => Ok(Err(e)),
            Err(CallFailure::Node(e)) => Err(e),
        }
    }

    /// Installs a system contract at a fixed address during genesis and runs its `init`.
    pub(crate) fn genesis_install(
        &self,
        store: &Arc<dyn StateStore>,
        writes: &mut StateChanges,
        address: ContractAddress,
        code: &[u8],
        init_args: Vec<u8>,
        genesis_time_ms: TimestampMs,
    ) -> Result<(), RuntimeError> {
        let env = CallEnv::new(
            store.clone(),
            std::mem::take(writes),
            address,
            GENESIS_CALLER,
            0,
            genesis_time_ms,
            false,
            init_args,
        );
        let (mut env, result, _) =
            on_contract_stack(|| self.run_install(env, address, code, Install::Genesis, u64::MAX / 2))?;
        *writes = std::mem::take(&mut env.block_writes);
        match result {
            Ok(()) => {
                writes.append(&mut env.tx_writes);
                Ok(())
            }
            Err(CallFailure::Tx(e)) => {
                Err(RuntimeError::Genesis(format!("installing contract {address}: {e}")))
            }
            Err(CallFailure::Node(e)) => Err(e),
        }
    }

    /// Whether `block`'s transaction root matches its transactions.
    pub fn tx_root_matches(block: &Block) -> bool {
        Block::compute_tx_root(&block.transactions) == block.header.tx_root
    }
}

/// Installed contracts with their records, in installation order, from the `from`-th, at most
/// `limit`: what `scf_listContracts` shows.
pub fn installed_contracts(
    store: &dyn StateStore,
    from: u64,
    limit: u64,
) -> Result<Vec<(ContractAddress, ContractInfo)>, RuntimeError> {
    let count = store.get(&keys::contract_count())?.map(|b| decode_u64(&b)).unwrap_or(0);
    let mut out = Vec::new();
    for index in from..count.min(from.saturating_add(limit)) {
        let Some(address) = store.get(&keys::contract_index(index))? else { continue };
        let address = ContractAddress(address.try_into().map_err(|_| {
            RuntimeError::Corrupt(format!("contract index {index} does not hold an address"))
        })?);
        let Some(info) = store.get(&keys::contract_info(&address))? else { continue };
        let info = borsh::from_slice(&info).map_err(|e| {
            RuntimeError::Corrupt(format!("contract {address}'s record does not decode: {e}"))
        })?;
        out.push((address, info));
    }
    Ok(out)
}

/// Which way code is being installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Install {
    /// A system contract at genesis: no approval needed.
    Genesis,
    Deploy,
    Upgrade,
}

/// Why a transaction is refused admission.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Invalid(TxError),
    #[error(transparent)]
    Node(#[from] RuntimeError),
}

impl From<crate::StoreError> for CheckError {
    fn from(e: crate::StoreError) -> Self {
        CheckError::Node(e.into())
    }
}

fn decode_u64(bytes: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = bytes.len().min(8);
    a[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(a)
}
