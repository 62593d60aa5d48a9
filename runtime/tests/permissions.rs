//! The permissioned rules (ADR 0007) over the real VM and state: only members transact, code is
//! installed only with governance's approval, contracts cannot read each other's private storage,
//! and a chain that is not a dev chain refuses the public dev keys.
use std::sync::Arc;

mod common;
use common::*;

use scf_interface::{
    governance::{Change, CodeAction, Proposal, ProposalStatus, ValidatorEntry, VoteArgs},
    receivables::{VoucherId, VoucherStatus},
    registry::SetActiveArgs,
};
use scf_primitives::{crypto::Keypair, ContractAddress, ContractInfo, Payload, TxError};
use scf_runtime::{genesis::Genesis, keys, CheckError, MemoryStore, Runtime, StateStore};

fn registry() -> ContractAddress {
    scf_interface::SystemContract::Registry.address()
}

fn governance() -> ContractAddress {
    scf_interface::SystemContract::Governance.address()
}

const MARKER: &str = r#"(func (export "scf_abi_v2")) (memory (export "memory") 1)"#;

fn admission(c: &Chain, tx: &scf_primitives::SignedTransaction) -> Result<(), TxError> {
    match c.runtime.check_transaction(&c.store, tx, c.height + 1) {
        Ok(_) => Ok(()),
        Err(CheckError::Invalid(e)) => Err(e),
        Err(CheckError::Node(e)) => panic!("node error: {e}"),
    }
}

#[test]
fn only_members_transact_at_admission_and_in_blocks() {
    let mut c = Chain::new();
    let outsider = Keypair::dev("outsider").account_id();

    // Refused at admission, and again if a proposer put it in a block anyway; nothing changes
    // but the sender's nonce (so the transaction cannot be proposed twice).
    let t = c.call("outsider", receivables(), "issue", issue_args("supplier1", 100));
    assert_eq!(admission(&c, &t), Err(TxError::NotAMember { account: outsider }));
    let before = c.root();
    let r = c.one(t);
    assert_eq!(failure(&r), TxError::NotAMember { account: outsider });
    assert!(r.events.is_empty());
    assert_eq!(scf_runtime::Runtime::nonce(&c.store, &outsider).unwrap(), 1);
    assert_ne!(c.root(), before, "only the nonce moved");
    let held: Vec<scf_interface::receivables::Voucher> =
        c.query(receivables(), "list_by_holder", enc(&"supplier1".to_string()));
    assert!(held.is_empty());

    // A member is admitted; the kind names the rule for clients.
    let t = c.call("core", receivables(), "issue", issue_args("supplier1", 100));
    assert_eq!(admission(&c, &t), Ok(()));
    let id: VoucherId = return_value(&c.one(t));
    assert_eq!(TxError::NotAMember { account: outsider }.kind(), "not_a_member");

    // Suspended in the same block, before its transaction: refused in its receipt, nothing changes.
    let suspend = c.call(
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "supplier1".into(), active: false }),
    );
    let accept = c.call("supplier1", receivables(), "accept", enc(&id));
    let receipts = c.block(&[suspend, accept]);
    assert!(receipts[0].is_success(), "{:?}", receipts[0].outcome);
    assert_eq!(failure(&receipts[1]), TxError::MemberSuspended { member: "supplier1".into() });
    assert_eq!(c.voucher(id).holder, "supplier1");
    assert_eq!(
        c.voucher(id).status,
        VoucherStatus::PendingAcceptance,
        "the suspended member's acceptance changed nothing"
    );
    let t = c.call("supplier1", receivables(), "accept", enc(&id));
    assert_eq!(admission(&c, &t), Err(TxError::MemberSuspended { member: "supplier1".into() }));
    assert_eq!(failure(&c.one(t)), TxError::MemberSuspended { member: "supplier1".into() });

    // Active again: it transacts.
    ok::<()>(
        &mut c,
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "supplier1".into(), active: true }),
    );
    ok::<()>(&mut c, "supplier1", receivables(), "accept", enc(&id));

    // A validator's consensus key sends to governance, and nowhere else.
    let change = Change::SetPower { consensus_key: Keypair::dev("validator0").account_id(), power: 2 };
    let t = c.call("validator0", governance(), "propose", enc(&change));
    assert_eq!(admission(&c, &t), Ok(()));
    let p: Proposal = return_value(&c.one(t));
    assert!(matches!(p.status, ProposalStatus::Passed { .. }));
    let t = c.call("validator0", receivables(), "issue", issue_args("supplier1", 100));
    let validator = Keypair::dev("validator0").account_id();
    assert_eq!(admission(&c, &t), Err(TxError::NotAMember { account: validator }));
    assert_eq!(failure(&c.one(t)), TxError::NotAMember { account: validator });
    // Nor does a member's account reach governance as a validator.
    let t = c.call("core", governance(), "propose", enc(&change));
    assert!(contract_error(&c.one(t)).contains("is not a validator"));
}

/// A contract that writes `k` at init; v2 adds `migrate` (writes `m`) and `check` (traps unless
/// both keys are there).
fn versioned(v2: bool) -> Vec<u8> {
    let extra = if v2 {
        r#"(func (export "migrate") (call $w (i32.const 1) (i32.const 1) (i32.const 2) (i32.const 1)))
           (func (export "check")
             (if (i64.eq (call $r (i32.const 0) (i32.const 1)) (i64.const -1)) (then unreachable))
             (if (i64.eq (call $r (i32.const 1) (i32.const 1)) (i64.const -1)) (then unreachable)))"#
    } else {
        r#"(func (export "noop"))"#
    };
    wat::parse_str(format!(
        r#"(module
            (import "env" "storage_write" (func $w (param i32 i32 i32 i32)))
            (import "env" "storage_read" (func $r (param i32 i32) (result i64)))
            {MARKER}
            (data (i32.const 0) "km1")
            (func (export "init") (call $w (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 1)))
            {extra}
        )"#
    ))
    .unwrap()
}

fn info(c: &Chain, address: &ContractAddress) -> ContractInfo {
    let bytes = c.store.get(&keys::contract_info(address)).unwrap().expect("contract info");
    borsh::from_slice(&bytes).unwrap()
}

#[test]
fn code_is_installed_only_with_governance_approval() {
    let mut c = Chain::new();
    let v1 = versioned(false);
    let v2 = versioned(true);
    let v1_hash = scf_primitives::sha256(&v1);

    // No approval: refused before compiling, at no fuel.
    let t = c.tx("core", Payload::Deploy { code: v1.clone(), init_args: vec![] });
    let r = c.one(t);
    assert!(matches!(failure(&r), TxError::CodeNotApproved { code_hash, .. } if code_hash == v1_hash));
    assert_eq!(r.fuel_used, 0);
    assert_eq!(failure(&r).kind(), "code_not_approved");

    // Approved by the validators: one deployment, by any member; the approval is then spent.
    let proposal = c.approve_code(&v1, CodeAction::Deploy);
    let t = c.tx("core", Payload::Deploy { code: v1.clone(), init_args: vec![] });
    let address = ContractAddress::derive(&t.tx.sender, t.tx.nonce);
    let r = c.one(t);
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(r.events[0].topic, "contract_deployed");
    assert_eq!(r.events[0].contract, address);
    let deployed = info(&c, &address);
    assert_eq!((deployed.version, deployed.proposal, deployed.code_hash), (1, Some(proposal), v1_hash));
    assert_eq!(deployed.approvers, vec![Keypair::dev("validator0").account_id()]);
    let t = c.tx("core", Payload::Deploy { code: v1.clone(), init_args: vec![] });
    assert!(matches!(failure(&c.one(t)), TxError::CodeNotApproved { .. }), "an approval installs once");

    // An outsider cannot deploy even approved code.
    c.approve_code(&v1, CodeAction::Deploy);
    let t = c.tx("outsider", Payload::Deploy { code: v1.clone(), init_args: vec![] });
    assert!(matches!(failure(&c.one(t)), TxError::NotAMember { .. }));

    // Upgrade: approved for this contract only; it keeps address and storage, `migrate` runs.
    let upgrade = |c: &mut Chain, contract: ContractAddress, code: &[u8]| {
        let t = c.tx("core", Payload::Upgrade { contract, code: code.to_vec(), migrate_args: vec![] });
        c.one(t)
    };
    let r = upgrade(&mut c, address, &v2);
    assert!(matches!(failure(&r), TxError::CodeNotApproved { .. }));
    c.approve_code(&v2, CodeAction::Deploy);
    let r = upgrade(&mut c, address, &v2);
    assert!(
        matches!(failure(&r), TxError::CodeNotApproved { reason, .. } if reason.contains("as a new contract")),
        "a deployment approval does not upgrade"
    );
    let other = ContractAddress([9; 32]);
    c.approve_code(&v2, CodeAction::Upgrade { contract: other });
    let r = upgrade(&mut c, address, &v2);
    assert!(matches!(failure(&r), TxError::CodeNotApproved { reason, .. } if reason.contains("upgrade of")));
    let proposal = c.approve_code(&v2, CodeAction::Upgrade { contract: address });
    let r = upgrade(&mut c, address, &v2);
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(r.events[0].topic, "contract_upgraded");
    let t = c.call("core", address, "check", vec![]);
    assert!(c.one(t).is_success(), "storage kept and migrate ran");
    let upgraded = info(&c, &address);
    assert_eq!((upgraded.version, upgraded.proposal), (2, Some(proposal)));
    assert_eq!(upgraded.code_hash, scf_primitives::sha256(&v2));
    let t = c.call("core", address, "migrate", vec![]);
    assert!(matches!(failure(&c.one(t)), TxError::UnknownMethod { .. }), "migrate is not a method");

    // A system contract upgrades the same way (here to its own code): same address, storage kept.
    let code = std::fs::read(std::path::Path::new(GENESIS_DIR).join("receivables.wasm")).unwrap();
    let id: VoucherId = ok(&mut c, "core", receivables(), "issue", issue_args("supplier1", 100));
    c.approve_code(&code, CodeAction::Upgrade { contract: receivables() });
    let r = upgrade(&mut c, receivables(), &code);
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(info(&c, &receivables()).version, 2);
    assert_eq!(c.voucher(id).amount, 100);

    // An approval not used within its lifetime expires.
    c.approve_code(&v1, CodeAction::Deploy);
    c.days_ahead += 8;
    let t = c.tx("core", Payload::Deploy { code: v1, init_args: vec![] });
    assert!(
        matches!(failure(&c.one(t)), TxError::CodeNotApproved { reason, .. } if reason.contains("expired"))
    );
}

#[test]
fn proposals_expire() {
    let mut c = Chain::new();
    // Two validators of equal power: a proposal needs both.
    let v1 = ValidatorEntry {
        name: "v1".into(),
        consensus_key: Keypair::dev("v1").account_id(),
        node_key: Keypair::dev("v1/node").account_id(),
        power: 1,
    };
    let _: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&Change::Add(v1)));
    for _ in 0..6 {
        c.block(&[]);
    }
    let code = versioned(false);
    let change = Change::Code { code_hash: scf_primitives::sha256(&code), action: CodeAction::Deploy };
    let p: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&change));
    assert_eq!(p.status, ProposalStatus::Open);
    let open: Vec<Proposal> = c.query(governance(), "open_proposals", vec![]);
    assert_eq!(open.len(), 1);
    c.days_ahead += 8;
    let open: Vec<Proposal> = c.query(governance(), "open_proposals", vec![]);
    assert!(open.is_empty(), "an expired proposal is not listed as open");
    let late: Proposal =
        ok(&mut c, "v1", governance(), "vote", enc(&VoteArgs { proposal: p.id, approve: true }));
    assert_eq!(late.status, ProposalStatus::Expired, "a late vote counts nothing");
    let t = c.tx("core", Payload::Deploy { code, init_args: vec![] });
    assert!(matches!(failure(&c.one(t)), TxError::CodeNotApproved { .. }));
}

#[test]
fn contracts_read_only_the_registry_storage_of_others() {
    let mut c = Chain::new();
    let hexbytes = |a: ContractAddress| a.0.iter().map(|b| format!("\\{b:02x}")).collect::<String>();
    let code = wat::parse_str(format!(
        r#"(module
            (import "env" "foreign_storage_read" (func $f (param i32 i32 i32) (result i64)))
            {MARKER}
            (data (i32.const 0) "{}")
            (data (i32.const 32) "{}")
            (data (i32.const 64) "v")
            (func (export "peek_registry") (drop (call $f (i32.const 0) (i32.const 64) (i32.const 1))))
            (func (export "peek_receivables") (drop (call $f (i32.const 32) (i32.const 64) (i32.const 1))))
        )"#,
        hexbytes(registry()),
        hexbytes(receivables())
    ))
    .unwrap();
    let (t, address) = c.deploy_tx("core", code, vec![]);
    assert!(c.one(t).is_success());
    let t = c.call("core", address, "peek_registry", vec![]);
    assert!(c.one(t).is_success());
    let t = c.call("core", address, "peek_receivables", vec![]);
    let e = failure(&c.one(t));
    assert_eq!(e, TxError::PrivateStorage { contract: receivables() });
    assert_eq!(e.kind(), "private_storage");
    // Queries are refused the same way.
    let e = c.query_as(None, address, "peek_receivables", vec![]).unwrap_err();
    assert_eq!(e, TxError::PrivateStorage { contract: receivables() });
}

#[test]
fn only_a_dev_chain_accepts_dev_keys_and_its_flag_is_in_the_genesis_state() {
    let path = std::path::Path::new(GENESIS_DIR).join("dev.json");
    let json = std::fs::read_to_string(&path).unwrap();
    let load = |json: &str| {
        Genesis::parse(json, |rel| {
            std::fs::read(std::path::Path::new(GENESIS_DIR).join(rel)).map_err(|e| e.to_string())
        })
    };
    let not_dev = json.replacen("\"dev\": true", "\"dev\": false", 1);
    assert_ne!(json, not_dev);
    let err = load(&not_dev).unwrap_err().to_string();
    assert!(err.contains("is the public dev key"), "{err}");

    // With fresh keys everywhere, the same spec loads as a real chain; its genesis state (so its
    // hash) differs from the same spec marked dev.
    let mut spec: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut n = 0u8;
    let mut fresh = || {
        n += 1;
        serde_json::Value::from(Keypair::from_seed([n; 32]).account_id().to_hex())
    };
    for m in spec["members"].as_array_mut().unwrap() {
        for a in m["accounts"].as_array_mut().unwrap() {
            *a = fresh();
        }
    }
    for v in spec["validators"].as_array_mut().unwrap() {
        v["consensus_key"] = fresh();
        v["node_key"] = fresh();
    }
    let root = |dev: bool| {
        let mut spec = spec.clone();
        spec["dev"] = serde_json::Value::from(dev);
        let genesis = load(&spec.to_string()).unwrap();
        let runtime = Runtime::new(genesis.runtime_params()).unwrap();
        genesis.build(&runtime, Arc::new(MemoryStore::new())).unwrap().1.hash()
    };
    assert_ne!(root(true), root(false));
}

#[test]
fn a_genesis_full_node_names_a_member_of_the_spec() {
    let json = std::fs::read_to_string(std::path::Path::new(GENESIS_DIR).join("dev.json")).unwrap();
    let load = |spec: &serde_json::Value| {
        Genesis::parse(&spec.to_string(), |rel| {
            std::fs::read(std::path::Path::new(GENESIS_DIR).join(rel)).map_err(|e| e.to_string())
        })
    };
    let mut spec: serde_json::Value = serde_json::from_str(&json).unwrap();
    let node_key = Keypair::from_seed([9; 32]).account_id().to_hex();
    spec["full_nodes"] = serde_json::json!([{"name": "explorer", "node_key": node_key, "member": "nobody"}]);
    let err = load(&spec).unwrap_err().to_string();
    assert!(err.contains("node explorer: member \"nobody\" is not in the spec"), "{err}");
    spec["full_nodes"] = serde_json::json!([{"name": "explorer", "node_key": node_key}]);
    let err = load(&spec).unwrap_err().to_string();
    assert!(err.contains("missing field `member`"), "{err}");
    spec["full_nodes"] = serde_json::json!([{"name": "explorer", "node_key": node_key, "member": "bank"}]);
    let genesis = load(&spec).unwrap();
    let explorer = genesis.nodes.iter().find(|n| n.name == "explorer").unwrap();
    assert_eq!(explorer.member.as_deref(), Some("bank"));
}
