//! Organisational controls on the real contracts in the real VM: maker–checker, subsidiaries
//! issuing under a parent's credit line, account management, and who may read what.
// Amounts are written as yuan_fen (e.g. 100_000_00 is 100,000.00 CNY), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
mod common;
use common::*;
use scf_interface::{
    deposit_token::{BalanceArgs, MintArgs, TokenId},
    receivables::{
        ActionOutcome, ActionStatus, Application, ApplyArgs, CreditKey, CreditLine, FreezeArgs,
        GrantCreditArgs, PendingAction, ProposedAction, TransferArgs, Voucher, VoucherId, VoucherStatus,
    },
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

fn line(c: &Chain, core: &str) -> Option<CreditLine> {
    c.query(receivables(), "credit", enc(&CreditKey { core: core.into(), currency: "CNY".into() }))
}

fn query_error(
    c: &Chain,
    who: Option<&str>,
    contract: ContractAddress,
    method: &str,
    args: Vec<u8>,
) -> String {
    match c.query_as(who, contract, method, args) {
        Err(TxError::ContractError { message, .. }) => message,
        other => panic!("expected the query to be refused, got {other:?}"),
    }
}

#[test]
fn maker_checker_needs_a_second_account_of_the_same_member() {
    let mut c = Chain::new();
    // Accepting an incoming voucher is not an outgoing act: either account may do it.
    let id = voucher_for(&mut c, "supplier3", "supplier3-maker", 100_000_00);
    let transfer = TransferArgs { id, to: "supplier1".into(), amount: 40_000_00 };

    let m = refused(&mut c, "supplier3-checker", receivables(), "transfer", enc(&transfer));
    assert!(m.contains("supplier3 requires maker–checker: propose this transfer"), "{m}");

    let proposed: PendingAction = ok(
        &mut c,
        "supplier3-maker",
        receivables(),
        "propose",
        enc(&ProposedAction::Transfer(transfer.clone())),
    );
    assert_eq!(proposed.status, ActionStatus::Pending);
    assert_eq!(proposed.member, "supplier3");
    assert_eq!(c.voucher(id).status, VoucherStatus::Active, "nothing moves before approval");

    let m = refused(&mut c, "supplier3-maker", receivables(), "approve_action", enc(&proposed.id));
    assert!(m.contains("the account that proposed action 1 cannot approve it"), "{m}");
    let m = refused(&mut c, "supplier1", receivables(), "approve_action", enc(&proposed.id));
    assert!(m.contains("does not act for supplier3"), "{m}");

    let open: Vec<PendingAction> = c.query(receivables(), "pending_actions", enc(&"supplier3".to_string()));
    assert_eq!(open.len(), 1);

    let outcome: ActionOutcome =
        ok(&mut c, "supplier3-checker", receivables(), "approve_action", enc(&proposed.id));
    let ActionOutcome::Transferred(result) = outcome else { panic!("expected a transfer, got {outcome:?}") };
    assert_eq!(c.voucher(result.transferred).holder, "supplier1");
    assert_eq!(c.voucher(result.transferred).amount, 40_000_00);
    assert_eq!(c.voucher(result.remainder.unwrap()).amount, 60_000_00);

    let done: Option<PendingAction> = c.query(receivables(), "action", enc(&proposed.id));
    let done = done.unwrap();
    assert_eq!(done.status, ActionStatus::Executed);
    assert_eq!(done.decided_by, Some(Keypair::dev("supplier3-checker").account_id()));
    let m = refused(&mut c, "supplier3-checker", receivables(), "approve_action", enc(&proposed.id));
    assert!(m.contains("action 1 is already executed"), "{m}");
    let open: Vec<PendingAction> = c.query(receivables(), "pending_actions", enc(&"supplier3".to_string()));
    assert!(open.is_empty());

    // A financing application proposed and then rejected by the checker changes nothing.
    let remainder = result.remainder.unwrap();
    let apply = ApplyArgs { id: remainder, amount: 10_000_00, financier: "bank".into() };
    let p: PendingAction = ok(
        &mut c,
        "supplier3-maker",
        receivables(),
        "propose",
        enc(&ProposedAction::ApplyFinancing(apply.clone())),
    );
    ok::<()>(&mut c, "supplier3-checker", receivables(), "reject_action", enc(&p.id));
    assert_eq!(c.voucher(remainder).status, VoucherStatus::Active);
    let m = refused(&mut c, "supplier3-checker", receivables(), "approve_action", enc(&p.id));
    assert!(m.contains("is already rejected"), "{m}");

    // The rules run at approval: a piece frozen meanwhile makes the approval fail, and the
    // action stays pending for a later decision.
    let p: PendingAction =
        ok(&mut c, "supplier3-maker", receivables(), "propose", enc(&ProposedAction::ApplyFinancing(apply)));
    ok::<()>(
        &mut c,
        "auditor",
        receivables(),
        "freeze",
        enc(&FreezeArgs { id: remainder, reason: "court order".into() }),
    );
    let m = refused(&mut c, "supplier3-checker", receivables(), "approve_action", enc(&p.id));
    assert!(m.contains("is frozen: court order"), "{m}");
    let still: Option<PendingAction> = c.query(receivables(), "action", enc(&p.id));
    assert_eq!(still.unwrap().status, ActionStatus::Pending);
    ok::<()>(&mut c, "auditor", receivables(), "unfreeze", enc(&remainder));
    let outcome: ActionOutcome = ok(&mut c, "supplier3-checker", receivables(), "approve_action", enc(&p.id));
    let ActionOutcome::FinancingRequested(app) = outcome else { panic!("expected an application") };
    assert_eq!(app.applicant, "supplier3");
    assert_eq!(app.face, 10_000_00);

    // A proposal is checked for the role up front: a supplier cannot propose an issuance.
    let maturity_day = c.voucher(id).maturity_day;
    let m = refused(
        &mut c,
        "supplier3-maker",
        receivables(),
        "propose",
        enc(&ProposedAction::Issue(scf_interface::receivables::IssueArgs {
            to: "supplier1".into(),
            amount: 1,
            currency: "CNY".into(),
            maturity_day,
            trade_ref: None,
        })),
    );
    assert!(m.contains("has role supplier, but this needs core_enterprise"), "{m}");
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
fn subsidiaries_issue_under_the_parent_line_unless_they_have_their_own() {
    let mut c = Chain::new();
    let parent_line = line(&c, "core").unwrap();
    assert!(line(&c, "core-sh").is_none());

    let id: VoucherId = ok(&mut c, "core-sh", receivables(), "issue", issue_args("supplier1", 500_000_00));
    let v = c.voucher(id);
    assert_eq!(v.issuer, "core-sh", "the subsidiary is the obligor");
    assert_eq!(v.credit_line_of, "core");
    assert_eq!(line(&c, "core").unwrap().outstanding, parent_line.outstanding + 500_000_00);
    // A cancelled issuance gives the parent's line back.
    ok::<()>(&mut c, "core-sh", receivables(), "cancel", enc(&id));
    assert_eq!(line(&c, "core").unwrap().outstanding, parent_line.outstanding);

    // The parent's limit binds the subsidiary.
    ok::<()>(
        &mut c,
        "bank",
        receivables(),
        "grant_credit",
        enc(&GrantCreditArgs { core: "core".into(), currency: "CNY".into(), limit: 1_000_00 }),
    );
    let t = c.call("core-sh", receivables(), "issue", issue_args("supplier1", 1_000_01));
    let m = contract_error(&c.one(t));
    assert!(m.contains("would exceed core's credit line"), "{m}");

    // A suspended parent lends its line to nobody.
    ok::<()>(
        &mut c,
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "core".into(), active: false }),
    );
    let t = c.call("core-sh", receivables(), "issue", issue_args("supplier1", 1_00));
    assert!(contract_error(&c.one(t)).contains("member core is suspended"));
    ok::<()>(
        &mut c,
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "core".into(), active: true }),
    );

    // With a line of its own, the subsidiary uses that one.
    ok::<()>(
        &mut c,
        "bank",
        receivables(),
        "grant_credit",
        enc(&GrantCreditArgs { core: "core-sh".into(), currency: "CNY".into(), limit: 5_000_00 }),
    );
    let id: VoucherId = ok(&mut c, "core-sh", receivables(), "issue", issue_args("supplier1", 2_000_00));
    assert_eq!(c.voucher(id).credit_line_of, "core-sh");
    assert_eq!(line(&c, "core-sh").unwrap().outstanding, 2_000_00);
    assert_eq!(line(&c, "core").unwrap().outstanding, 0);

    // Registration rules for groups.
    let mut sub = RegisterArgs {
        name: "core-bj".into(),
        legal_name: "Huaxia (Beijing)".into(),
        registration_id: String::new(),
        role: Role::Supplier,
        accounts: vec![Keypair::dev("core-bj").account_id()],
        maker_checker: false,
        parent: Some("core".into()),
    };
    let m = refused(&mut c, "operator", registry(), "register", enc(&sub));
    assert!(m.contains("only a core enterprise can be a subsidiary"), "{m}");
    sub.role = Role::CoreEnterprise;
    sub.parent = Some("core-sh".into());
    let m = refused(&mut c, "operator", registry(), "register", enc(&sub));
    assert!(m.contains("subsidiaries cannot have subsidiaries"), "{m}");
    sub.parent = Some("supplier1".into());
    let m = refused(&mut c, "operator", registry(), "register", enc(&sub));
    assert!(m.contains("is not a core enterprise"), "{m}");
    sub.parent = Some("core".into());
    ok::<()>(&mut c, "operator", registry(), "register", enc(&sub));
}

#[test]
fn members_read_only_what_concerns_them() {
    let mut c = Chain::new();
    let root = voucher_for(&mut c, "supplier1", "supplier1", 100_000_00);
    let r: scf_interface::receivables::TransferResult = ok(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id: root, to: "supplier2".into(), amount: 30_000_00 }),
    );
    let (to_s2, rest) = (r.transferred, r.remainder.unwrap());

    // Unsigned: nothing about members.
    let m = query_error(&c, None, receivables(), "get", enc(&root));
    assert!(m.contains("sign it with a member's account"), "{m}");
    let m = query_error(
        &c,
        None,
        token(),
        "supply",
        enc(&TokenId { financier: "bank".into(), currency: "CNY".into() }),
    );
    assert!(m.contains("visible to members only"), "{m}");

    // supplier2 sees its piece and its provenance, not supplier1's remainder.
    let lineage_of = |who: &str| -> Vec<VoucherId> {
        let data = c.query_as(Some(who), receivables(), "lineage", enc(&root)).unwrap();
        borsh::from_slice::<Vec<Voucher>>(&data).unwrap().iter().map(|v| v.id).collect()
    };
    assert_eq!(lineage_of("supplier2"), [root, to_s2]);
    assert_eq!(lineage_of("supplier1"), [root, to_s2, rest], "supplier1 held the root");
    assert_eq!(lineage_of("core"), [root, to_s2, rest], "the issuer sees the whole tree");
    assert_eq!(lineage_of("auditor"), [root, to_s2, rest]);
    let m = query_error(&c, Some("supplier2"), receivables(), "get", enc(&rest));
    assert!(m.contains("is not visible to supplier2"), "{m}");
    assert!(c.query_as(Some("supplier2"), receivables(), "get", enc(&root)).is_ok());
    let m = query_error(&c, Some("supplier3-maker"), receivables(), "lineage", enc(&root));
    assert!(m.contains("is not visible to supplier3"), "{m}");
    let m = query_error(&c, Some("bank"), receivables(), "list_by_holder", enc(&"supplier1".to_string()));
    assert!(m.contains("only supplier1, an auditor or an operator"), "{m}");
    assert!(c
        .query_as(Some("operator"), receivables(), "list_by_holder", enc(&"supplier1".to_string()))
        .is_ok());

    // A financier sees a piece once it is asked to finance it, and the application.
    let m = query_error(&c, Some("bank"), receivables(), "get", enc(&to_s2));
    assert!(m.contains("not visible to bank"), "{m}");
    let app: Application = ok(
        &mut c,
        "supplier2",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id: to_s2, amount: 30_000_00, financier: "bank".into() }),
    );
    assert!(c.query_as(Some("bank"), receivables(), "get", enc(&to_s2)).is_ok());
    assert!(c.query_as(Some("bank"), receivables(), "application", enc(&app.id)).is_ok());
    let m = query_error(&c, Some("supplier1"), receivables(), "application", enc(&app.id));
    assert!(m.contains("visible to its applicant and financier only"), "{m}");

    // Credit lines: the group, financiers and overseers.
    let key = enc(&CreditKey { core: "core".into(), currency: "CNY".into() });
    for who in ["core", "core-sh", "bank", "auditor"] {
        assert!(c.query_as(Some(who), receivables(), "credit", key.clone()).is_ok(), "{who}");
    }
    let m = query_error(&c, Some("supplier1"), receivables(), "credit", key);
    assert!(m.contains("visible to its group, financiers, auditors and operators"), "{m}");

    // Balances: the holder, the token's financier and overseers.
    ok::<()>(
        &mut c,
        "bank",
        token(),
        "mint",
        enc(&MintArgs { currency: "CNY".into(), to: "supplier1".into(), amount: 5_00 }),
    );
    let bal = enc(&BalanceArgs {
        token: TokenId { financier: "bank".into(), currency: "CNY".into() },
        member: "supplier1".into(),
    });
    for who in ["supplier1", "bank", "auditor"] {
        assert!(c.query_as(Some(who), token(), "balance", bal.clone()).is_ok(), "{who}");
    }
    let m = query_error(&c, Some("supplier2"), token(), "balance", bal);
    assert!(m.contains("visible to supplier1, the token's financier"), "{m}");

    // Actions: their member and overseers.
    let p: PendingAction = ok(
        &mut c,
        "supplier3-maker",
        receivables(),
        "propose",
        enc(&ProposedAction::Transfer(TransferArgs { id: 99, to: "supplier1".into(), amount: 1 })),
    );
    assert!(c.query_as(Some("supplier3-checker"), receivables(), "action", enc(&p.id)).is_ok());
    let m = query_error(&c, Some("supplier1"), receivables(), "action", enc(&p.id));
    assert!(m.contains("visible to supplier3 only"), "{m}");
}

#[test]
fn the_operator_sets_the_maximum_term_within_the_regulatory_cap() {
    use scf_interface::receivables::{parse_date, IssueArgs, Params};
    let mut c = Chain::new();
    let params: Params = c.query(receivables(), "get_params", vec![]);
    assert_eq!(params.max_term_days, 365, "the default is the one-year cap");
    let six_months = Params { max_term_days: 180 };
    let m = refused(&mut c, "core", receivables(), "set_params", enc(&six_months));
    assert!(m.contains("has role core_enterprise, but this needs operator"), "{m}");
    for bad in [0, 366] {
        let m = refused(&mut c, "operator", receivables(), "set_params", enc(&Params { max_term_days: bad }));
        assert!(m.contains("must be 1 to 365 days"), "{m}");
    }
    ok::<()>(&mut c, "operator", receivables(), "set_params", enc(&six_months));
    // Tests run on 2027-01-01: 2027-06-30 is 180 days ahead, 2027-07-01 is 181.
    let issue = |maturity: &str| IssueArgs {
        to: "supplier1".into(),
        amount: 1_00,
        currency: "CNY".into(),
        maturity_day: parse_date(maturity).unwrap(),
        trade_ref: None,
    };
    let m = refused(&mut c, "core", receivables(), "issue", enc(&issue("2027-07-01")));
    assert!(m.contains("term of 181 days exceeds the chain's maximum of 180 days"), "{m}");
    let _: VoucherId = ok(&mut c, "core", receivables(), "issue", enc(&issue("2027-06-30")));
    // Anyone may read the rules, even unsigned.
    assert!(c.query_as(None, receivables(), "get_params", vec![]).is_ok());
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
