//! A chain in memory for runtime tests: the dev genesis, the real VM and the real Merkle state,
//! with blocks executed and committed one by one at a controllable date.
#![allow(dead_code)]
use std::sync::Arc;

use scf_interface::{
    governance::{Change, CodeAction, Proposal, ProposalId, ProposalStatus},
    receivables::{parse_date, IssueArgs, Voucher, VoucherId},
};
use scf_primitives::{
    crypto::Keypair, ContractAddress, ExecOutcome, Payload, Receipt, SignedTransaction, Transaction, TxError,
};
use scf_runtime::{genesis::Genesis, BlockContext, MemoryStore, Runtime, RuntimeParams};

pub const GENESIS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis");
/// 2027-01-01 in ms: every test block runs "today" = 2027-01-01.
pub const NOW_MS: u64 = 1_798_761_600_000;

pub struct Chain {
    pub runtime: Runtime,
    pub store: MemoryStore,
    pub height: u64,
    /// Days added to every block's timestamp, to reach maturity dates.
    pub days_ahead: u64,
    pub nonces: std::collections::HashMap<String, u64>,
}

impl Chain {
    pub fn new() -> Chain {
        Chain::with_budget(scf_runtime::BLOCK_BUDGET)
    }

    /// A chain whose blocks have `budget` instead of the chain's.
    pub fn with_budget(budget: scf_runtime::BlockBudget) -> Chain {
        Chain::with_params(|params| params.block_budget = budget)
    }

    /// A chain with the dev genesis's parameters changed by `adjust`.
    pub fn with_params(adjust: impl FnOnce(&mut RuntimeParams)) -> Chain {
        let genesis =
            Genesis::load(&std::path::Path::new(GENESIS_DIR).join("dev.json")).expect("dev genesis loads");
        let mut params = genesis.runtime_params();
        adjust(&mut params);
        let runtime = Runtime::new(params).unwrap();
        let store = MemoryStore::new();
        let (update, _header) = genesis.build(&runtime, Arc::new(store.clone())).unwrap();
        store.commit(&update);
        Chain { runtime, store, height: 0, days_ahead: 0, nonces: Default::default() }
    }

    pub fn context(&self) -> BlockContext {
        BlockContext {
            height: self.height,
            timestamp_ms: NOW_MS + self.days_ahead * 86_400_000 + self.height,
        }
    }

    pub fn tx(&mut self, who: &str, payload: Payload) -> SignedTransaction {
        let key = Keypair::dev(who);
        let nonce = self.nonces.entry(who.to_string()).or_default();
        let tx = Transaction { chain_id: "scf-dev".into(), sender: key.account_id(), nonce: *nonce, payload };
        *nonce += 1;
        key.sign_transaction(tx)
    }

    pub fn call(
        &mut self,
        who: &str,
        contract: ContractAddress,
        method: &str,
        args: Vec<u8>,
    ) -> SignedTransaction {
        self.tx(who, Payload::Call { contract, method: method.into(), args })
    }

    /// The dev chain's one validator approves `code` for `action` (its vote alone is more than
    /// two thirds of the power): what every deployment and upgrade needs first.
    pub fn approve_code(&mut self, code: &[u8], action: CodeAction) -> ProposalId {
        let change = Change::Code { code_hash: scf_primitives::sha256(code), action };
        let t = self.call(
            "validator0",
            scf_interface::SystemContract::Governance.address(),
            "propose",
            borsh::to_vec(&change).unwrap(),
        );
        let p: Proposal = return_value(&self.one(t));
        assert!(matches!(p.status, ProposalStatus::Passed { .. }), "{p:?}");
        p.id
    }

    /// A deployment of `code` by `who`, approved first; returns the transaction and the address.
    pub fn deploy_tx(
        &mut self,
        who: &str,
        code: Vec<u8>,
        init_args: Vec<u8>,
    ) -> (SignedTransaction, ContractAddress) {
        self.approve_code(&code, CodeAction::Deploy);
        let t = self.tx(who, Payload::Deploy { code, init_args });
        let address = ContractAddress::derive(&t.tx.sender, t.tx.nonce);
        (t, address)
    }

    pub fn block(&mut self, txs: &[SignedTransaction]) -> Vec<Receipt> {
        self.height += 1;
        let ctx = self.context();
        let executed = self.runtime.execute_block(Arc::new(self.store.clone()), ctx, txs).unwrap();
        self.store.commit(&executed.state);
        for r in &executed.receipts {
            keeps_the_event_interface(r);
        }
        executed.receipts
    }

    /// The next block as a proposer assembles it from `candidates` (it ends before the first
    /// that would exceed the budget), committed; the receipts of those it holds.
    pub fn build(&mut self, candidates: Vec<SignedTransaction>) -> Vec<Receipt> {
        self.height += 1;
        let ctx = self.context();
        let (included, executed) =
            self.runtime.build_block(Arc::new(self.store.clone()), ctx, candidates).unwrap();
        assert_eq!(included.len(), executed.receipts.len());
        self.store.commit(&executed.state);
        executed.receipts
    }

    /// `txs` as the next block, checked as a validator checks a proposal; nothing is committed.
    pub fn verify(
        &self,
        txs: &[SignedTransaction],
    ) -> Result<scf_runtime::ExecutedBlock, scf_runtime::BlockError> {
        let ctx = BlockContext { height: self.height + 1, ..self.context() };
        self.runtime.execute_block(Arc::new(self.store.clone()), ctx, txs)
    }

    pub fn one(&mut self, tx: SignedTransaction) -> Receipt {
        self.block(&[tx]).remove(0)
    }

    /// A query as the auditor, who may see everything.
    pub fn query<T: borsh::BorshDeserialize>(
        &self,
        contract: ContractAddress,
        method: &str,
        args: Vec<u8>,
    ) -> T {
        let data = self.query_as(Some("auditor"), contract, method, args).expect("query succeeds");
        borsh::from_slice(&data).unwrap()
    }

    /// A query with the dev key `who` as caller (`None`: an unsigned query).
    pub fn query_as(
        &self,
        who: Option<&str>,
        contract: ContractAddress,
        method: &str,
        args: Vec<u8>,
    ) -> Result<Vec<u8>, TxError> {
        let caller = who.map(|w| Keypair::dev(w).account_id());
        self.runtime
            .query(Arc::new(self.store.clone()), self.context(), contract, method, args, caller)
            .unwrap()
    }

    pub fn voucher(&self, id: VoucherId) -> Voucher {
        let v: Option<Voucher> = self.query(receivables(), "get", borsh::to_vec(&id).unwrap());
        v.expect("voucher exists")
    }

    pub fn held(&self, who: &str) -> Vec<Voucher> {
        self.query(receivables(), "list_by_holder", borsh::to_vec(&who.to_string()).unwrap())
    }

    /// A committed state value (it must exist).
    pub fn store_get(&self, key: &[u8]) -> Vec<u8> {
        scf_runtime::StateStore::get(&self.store, key).unwrap().expect("the key is in the state")
    }

    pub fn root(&self) -> scf_primitives::Hash {
        scf_runtime::root_at(&self.store, self.height).unwrap()
    }
}

pub fn receivables() -> ContractAddress {
    scf_interface::SystemContract::Receivables.address()
}

pub fn issue_args(to: &str, amount: u128) -> Vec<u8> {
    borsh::to_vec(&IssueArgs {
        to: to.into(),
        amount,
        currency: "CNY".into(),
        maturity_day: parse_date("2027-03-31").unwrap(),
        trade_ref: None,
    })
    .unwrap()
}

pub fn return_value<T: borsh::BorshDeserialize>(r: &Receipt) -> T {
    match &r.outcome {
        ExecOutcome::Success { return_data } => borsh::from_slice(return_data).unwrap(),
        ExecOutcome::Failure { error } => panic!("transaction failed: {error}"),
    }
}

pub fn failure(r: &Receipt) -> TxError {
    match &r.outcome {
        ExecOutcome::Failure { error } => error.clone(),
        ExecOutcome::Success { .. } => panic!("transaction unexpectedly succeeded"),
    }
}

pub fn contract_error(r: &Receipt) -> String {
    match failure(r) {
        TxError::ContractError { message, .. } => message,
        other => panic!("expected a contract error, got {other:?}"),
    }
}

/// The stable code of a failed call's contract error.
pub fn error_code(r: &Receipt) -> Option<scf_interface::ErrorCode> {
    match failure(r) {
        TxError::ContractError { code, .. } => scf_interface::ErrorCode::from_code(code),
        other => panic!("expected a contract error, got {other:?}"),
    }
}

pub fn enc<T: borsh::BorshSerialize>(v: &T) -> Vec<u8> {
    borsh::to_vec(v).unwrap()
}

pub fn ok<T: borsh::BorshDeserialize>(
    c: &mut Chain,
    who: &str,
    contract: ContractAddress,
    method: &str,
    args: Vec<u8>,
) -> T {
    let t = c.call(who, contract, method, args);
    return_value(&c.one(t))
}

pub fn refused(c: &mut Chain, who: &str, contract: ContractAddress, method: &str, args: Vec<u8>) -> String {
    let t = c.call(who, contract, method, args);
    contract_error(&c.one(t))
}

/// Every event a system contract emits in any test is a topic its interface declares, with its
/// parties a sorted set and subjects of the declared kinds (the runtime's own install events
/// excepted).
pub fn keeps_the_event_interface(r: &Receipt) {
    for e in &r.events {
        if e.topic == "contract_deployed" || e.topic == "contract_upgraded" {
            continue;
        }
        let Some(contract) =
            scf_interface::SystemContract::ALL.into_iter().find(|c| c.address() == e.contract)
        else {
            continue;
        };
        let Some(info) = contract.events().iter().find(|i| i.topic == e.topic) else {
            panic!("{} emitted the undeclared topic {}", contract.name(), e.topic);
        };
        assert!(
            e.parties.windows(2).all(|w| w[0] < w[1]),
            "{}: parties {:?} are not a sorted set",
            e.topic,
            e.parties
        );
        for s in &e.subjects {
            assert!(
                info.subjects.contains(&s.kind.as_str()),
                "{}: undeclared subject kind {}",
                e.topic,
                s.kind
            );
        }
    }
}
