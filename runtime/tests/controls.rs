//! Organisational controls that need the runtime itself, on the real contracts in the real VM:
//! a key that acts for no member (anymore) is refused before any contract runs, and the nodes
//! the runtime admits follow the members' status. The contracts' own rules (maker–checker,
//! subsidiaries, who reads what, the maximum term) are tested on the host in
//! `contracts/testkit/tests/controls.rs`.
// Amounts are written as yuan_fen (e.g. 100_000_00 is 100,000.00 CNY), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
mod common;
use common::*;
use scf_interface::{
    deposit_token::MintArgs,
    receivables::{TransferArgs, VoucherId},
    registry::{
        AccountArgs, ControlDecision, ControlOutcome, ControlRequest, ControlStatus, Member, RegisterArgs,
        Role, SetActiveArgs, SetMakerCheckerArgs,
    },
};
use scf_primitives::{crypto::Keypair, ContractAddress, TxError};

fn registry() -> ContractAddress {
    scf_interface::SystemContract::Registry.address()
}

fn token() -> ContractAddress {
    scf_interface::SystemContract::DepositToken.address()
}

/// core → `to`, accepted by `accepter` (an account of `to`).
fn voucher_for(c: &mut Chain, to: &str, accepter: &str, amount: u128) -> VoucherId {
    let id: VoucherId = ok(c, "core", receivables(), "issue", issue_args(to, amount));
    ok::<()>(c, accepter, receivables(), "accept", enc(&id));
    id
}

/// One operator key cannot take a member over: attaching a key of its own to `bank` is only a
/// request, which the bank refuses; two operator members together can apply it.
#[test]
fn no_single_operator_key_controls_a_member() {
    let mut c = Chain::new();
    let rogue = Keypair::dev("operator-rogue").account_id();
    let attach = enc(&AccountArgs { name: "bank".into(), account: rogue });
    let ControlOutcome::Requested(r) = ok(&mut c, "operator", registry(), "add_account", attach.clone())
    else {
        panic!("an operator's change is a request")
    };
    assert_eq!(r.operator_approvals, vec!["operator".to_string()]);
    // The key acts for nobody: it cannot mint the bank's money.
    let mint = MintArgs { currency: "CNY".into(), to: "core".into(), amount: 5_000_000_00 };
    let t = c.call("operator-rogue", token(), "mint", enc(&mint));
    assert_eq!(failure(&c.one(t)), TxError::NotAMember { account: rogue });
    // The same operator approving again counts once; the bank rejects.
    let m = refused(
        &mut c,
        "operator",
        registry(),
        "decide_control",
        enc(&ControlDecision { id: r.id, approve: true }),
    );
    assert!(m.contains("already approved"), "{m}");
    let decided: ControlRequest =
        ok(&mut c, "bank", registry(), "decide_control", enc(&ControlDecision { id: r.id, approve: false }));
    assert_eq!(decided.status, ControlStatus::Rejected);
    let open: Vec<ControlRequest> = c.query(registry(), "control_requests", enc(&()));
    assert!(open.is_empty());

    // With a second operator member, two operators are a quorum without the bank.
    let second_operator = RegisterArgs {
        name: "operator2".into(),
        legal_name: "Second Platform Operator".into(),
        registration_id: "91310000MA1DEV0099".into(),
        role: Role::Operator,
        accounts: vec![Keypair::dev("operator2").account_id()],
        maker_checker: false,
        parent: None,
    };
    ok::<()>(&mut c, "operator", registry(), "register", enc(&second_operator));
    let ControlOutcome::Requested(r) = ok(&mut c, "operator", registry(), "add_account", attach) else {
        panic!("an operator's change is a request")
    };
    let decided: ControlRequest = ok(
        &mut c,
        "operator2",
        registry(),
        "decide_control",
        enc(&ControlDecision { id: r.id, approve: true }),
    );
    assert_eq!(decided.status, ControlStatus::Applied);
    let member: Option<Member> = c.query(registry(), "get", enc(&rogue));
    assert_eq!(member.map(|m| m.name).as_deref(), Some("bank"));

    // Requests expire.
    let other = enc(&AccountArgs { name: "supplier2".into(), account: Keypair::dev("late").account_id() });
    let ControlOutcome::Requested(r) = ok(&mut c, "operator", registry(), "add_account", other) else {
        panic!("an operator's change is a request")
    };
    c.days_ahead += 8;
    let late: ControlRequest = ok(
        &mut c,
        "supplier2",
        registry(),
        "decide_control",
        enc(&ControlDecision { id: r.id, approve: true }),
    );
    assert_eq!(late.status, ControlStatus::Expired);
}

#[test]
fn maker_checker_settings_and_accounts_are_guarded() {
    let mut c = Chain::new();
    let single = SetMakerCheckerArgs { name: "supplier1".into(), required: true };
    let m = refused(&mut c, "operator", registry(), "set_maker_checker", enc(&single));
    assert!(m.contains("needs at least two accounts"), "{m}");

    let second = Keypair::dev("supplier1-checker").account_id();
    let add_second = enc(&AccountArgs { name: "supplier1".into(), account: second });
    // Another member may not touch supplier1's accounts.
    let m = refused(&mut c, "supplier2", registry(), "add_account", add_second.clone());
    assert!(m.contains("may not change who controls supplier1"), "{m}");
    // An operator only requests it; supplier1's own account approves, and it applies.
    let outcome: ControlOutcome = ok(&mut c, "operator", registry(), "add_account", add_second.clone());
    let ControlOutcome::Requested(request) = outcome else { panic!("an operator's change is a request") };
    assert!(c.query::<Option<Member>>(registry(), "get", enc(&second)).is_none(), "not applied yet");
    let decided: ControlRequest = ok(
        &mut c,
        "supplier1",
        registry(),
        "decide_control",
        enc(&ControlDecision { id: request.id, approve: true }),
    );
    assert_eq!(decided.status, ControlStatus::Applied);
    let m = refused(
        &mut c,
        "operator",
        registry(),
        "add_account",
        enc(&AccountArgs { name: "supplier2".into(), account: second }),
    );
    assert!(m.contains("already acts for member supplier1"), "{m}");

    // A member may switch dual control on for itself, but not off.
    ok::<ControlOutcome>(&mut c, "supplier1", registry(), "set_maker_checker", enc(&single));
    let off = SetMakerCheckerArgs { name: "supplier1".into(), required: false };
    let m = refused(&mut c, "supplier1-checker", registry(), "set_maker_checker", enc(&off));
    assert!(m.contains("may not switch maker–checker off by itself"), "{m}");
    let m = refused(
        &mut c,
        "supplier2",
        registry(),
        "set_maker_checker",
        enc(&SetMakerCheckerArgs { name: "supplier1".into(), required: true }),
    );
    assert!(m.contains("only an operator or supplier1 itself may switch maker–checker on"), "{m}");
    // A request that could never apply is refused when made.
    let m = refused(
        &mut c,
        "operator",
        registry(),
        "remove_account",
        enc(&AccountArgs { name: "supplier1".into(), account: second }),
    );
    assert!(m.contains("must keep at least 2 account(s) while it requires maker–checker"), "{m}");

    // The new account acts for supplier1 at once, under the new rule.
    let id = voucher_for(&mut c, "supplier1", "supplier1-checker", 1_000_00);
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id, to: "supplier2".into(), amount: 1_00 }),
    );
    assert!(m.contains("requires maker–checker"), "{m}");

    // Off, then the second account removed: each an operator's request the member approves.
    for (method, args) in [
        ("set_maker_checker", enc(&off)),
        ("remove_account", enc(&AccountArgs { name: "supplier1".into(), account: second })),
    ] {
        let ControlOutcome::Requested(r) = ok(&mut c, "operator", registry(), method, args) else {
            panic!("{method}: an operator's change is a request")
        };
        let decided: ControlRequest = ok(
            &mut c,
            "supplier1",
            registry(),
            "decide_control",
            enc(&ControlDecision { id: r.id, approve: true }),
        );
        assert_eq!(decided.status, ControlStatus::Applied, "{method}");
    }
    let member: Option<Member> = c.query(registry(), "get", enc(&second));
    assert!(member.is_none(), "a removed account acts for nobody");
    // It can no longer transact at all: the runtime refuses it before any contract runs.
    let t = c.call("supplier1-checker", receivables(), "accept", enc(&id));
    assert_eq!(failure(&c.one(t)), TxError::NotAMember { account: second });
    let m = refused(
        &mut c,
        "operator",
        registry(),
        "remove_account",
        enc(&AccountArgs { name: "supplier1".into(), account: Keypair::dev("supplier1").account_id() }),
    );
    assert!(m.contains("must keep at least 1 account(s)"), "{m}");
}

#[test]
fn operators_admit_and_remove_full_nodes_but_not_validators() {
    use scf_interface::registry::{NetworkNode, NodeRole};
    let mut c = Chain::new();
    let nodes: Vec<NetworkNode> = c.query(registry(), "nodes", vec![]);
    assert_eq!(nodes.len(), 1);
    assert_eq!((nodes[0].name.as_str(), nodes[0].role), ("validator0", NodeRole::Validator));

    let full = NetworkNode {
        name: "explorer".into(),
        node_key: Keypair::dev("explorer/node").account_id(),
        role: NodeRole::FullNode,
        member: Some("bank".into()),
    };
    let m = refused(&mut c, "bank", registry(), "add_node", enc(&full));
    assert!(m.contains("is not an operator"), "{m}");
    let as_validator = NetworkNode { role: NodeRole::Validator, ..full.clone() };
    let m = refused(&mut c, "operator", registry(), "add_node", enc(&as_validator));
    assert!(m.contains("validators change by governance"), "{m}");
    let same_key = NetworkNode { name: "other".into(), node_key: nodes[0].node_key, ..full.clone() };
    let m = refused(&mut c, "operator", registry(), "add_node", enc(&same_key));
    assert!(m.contains("already listed (as validator0)"), "{m}");
    let nobodys = NetworkNode { member: None, ..full.clone() };
    let m = refused(&mut c, "operator", registry(), "add_node", enc(&nobodys));
    assert!(m.contains("must name the member that runs it"), "{m}");
    let strangers = NetworkNode { member: Some("stranger".into()), ..full.clone() };
    let m = refused(&mut c, "operator", registry(), "add_node", enc(&strangers));
    assert!(m.contains("no member named \"stranger\""), "{m}");

    ok::<()>(&mut c, "operator", registry(), "add_node", enc(&full));
    let nodes: Vec<NetworkNode> = c.query(registry(), "nodes", vec![]);
    assert_eq!(nodes.len(), 2);
    let admitted = |c: &Chain| -> Vec<String> {
        scf_runtime::admitted_nodes(&c.store).unwrap().into_iter().map(|n| n.name).collect()
    };
    assert_eq!(admitted(&c), ["validator0", "explorer"]);
    // While its member is suspended peers refuse the node; it stays listed, and returns with
    // the member.
    let suspend = |active| enc(&SetActiveArgs { name: "bank".into(), active });
    ok::<()>(&mut c, "operator", registry(), "set_active", suspend(false));
    assert_eq!(admitted(&c), ["validator0"]);
    assert_eq!(c.query::<Vec<NetworkNode>>(registry(), "nodes", vec![]).len(), 2);
    ok::<()>(&mut c, "operator", registry(), "set_active", suspend(true));
    assert_eq!(admitted(&c), ["validator0", "explorer"]);
    let m = refused(&mut c, "operator", registry(), "remove_node", enc(&"validator0".to_string()));
    assert!(m.contains("is a validator"), "{m}");
    let m = refused(&mut c, "operator", registry(), "remove_node", enc(&"nobody".to_string()));
    assert!(m.contains("no node named"), "{m}");
    ok::<()>(&mut c, "operator", registry(), "remove_node", enc(&"explorer".to_string()));
    let nodes: Vec<NetworkNode> = c.query(registry(), "nodes", vec![]);
    assert_eq!(nodes.len(), 1);
}
