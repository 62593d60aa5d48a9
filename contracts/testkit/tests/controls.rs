//! Organisational controls on the host: maker–checker, subsidiaries issuing under a parent's
//! credit line, who may read what, and the chain's maximum term. (Moved from `runtime/tests/
//! controls.rs`; the rules that need the runtime itself, such as refusing a removed account's
//! transaction before any contract runs, stay there.)
// Amounts are written as yuan_fen (e.g. 100_000_00 is 100,000.00 CNY), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
use scf_contract_testkit::{account, Consortium};
use scf_sdk::{
    interface::{
        deposit_token::{self as dt, BalanceArgs, MintArgs, TokenId},
        receivables::{
            self as rc, ActionOutcome, ActionStatus, Application, ApplyArgs, CreditKey, CreditLine,
            FreezeArgs, GrantCreditArgs, PendingAction, ProposedAction, TransferArgs, Voucher, VoucherId,
            VoucherStatus,
        },
        registry::{self as reg, RegisterArgs, Role, SetActiveArgs},
    },
    AccountId,
};

/// core → `to`, accepted by `accepter` (a key of `to`).
fn voucher_for(c: &Consortium, to: &str, accepter: &str, amount: u128) -> VoucherId {
    let id: VoucherId = c.ok("core", rc::ISSUE, &c.issue_args(to, amount));
    c.ok(accepter, rc::ACCEPT, &id);
    id
}

fn line(c: &Consortium, core: &str) -> Option<CreditLine> {
    c.query("auditor", rc::CREDIT, &CreditKey { core: core.into(), currency: "CNY".into() }).unwrap()
}

fn voucher(c: &Consortium, id: VoucherId) -> Voucher {
    c.query("auditor", rc::GET, &id).unwrap().expect("the voucher exists")
}

#[test]
fn maker_checker_needs_a_second_account_of_the_same_member() {
    let c = Consortium::new();
    // Accepting an incoming voucher is not an outgoing act: either account may do it.
    let id = voucher_for(&c, "supplier3", "supplier3", 100_000_00);
    let transfer = TransferArgs { id, to: "supplier1".into(), amount: 40_000_00 };

    let m = c.refused("supplier3/2", rc::TRANSFER, &transfer);
    assert!(m.contains("supplier3 requires maker–checker: propose this transfer"), "{m}");

    let proposed: PendingAction = c.ok("supplier3", rc::PROPOSE, &ProposedAction::Transfer(transfer.clone()));
    assert_eq!(proposed.status, ActionStatus::Pending);
    assert_eq!(proposed.member, "supplier3");
    assert_eq!(voucher(&c, id).status, VoucherStatus::Active, "nothing moves before approval");

    let m = c.refused("supplier3", rc::APPROVE_ACTION, &proposed.id);
    assert!(m.contains("the account that proposed action 1 cannot approve it"), "{m}");
    let m = c.refused("supplier1", rc::APPROVE_ACTION, &proposed.id);
    assert!(m.contains("does not act for supplier3"), "{m}");

    let open: Vec<PendingAction> = c.query("auditor", rc::PENDING_ACTIONS, &"supplier3".to_string()).unwrap();
    assert_eq!(open.len(), 1);

    let outcome: ActionOutcome = c.ok("supplier3/2", rc::APPROVE_ACTION, &proposed.id);
    let ActionOutcome::Transferred(result) = outcome else { panic!("expected a transfer, got {outcome:?}") };
    assert_eq!(voucher(&c, result.transferred).holder, "supplier1");
    assert_eq!(voucher(&c, result.transferred).amount, 40_000_00);
    assert_eq!(voucher(&c, result.remainder.unwrap()).amount, 60_000_00);

    let done: Option<PendingAction> = c.query("auditor", rc::ACTION, &proposed.id).unwrap();
    let done = done.unwrap();
    assert_eq!(done.status, ActionStatus::Executed);
    assert_eq!(done.decided_by, Some(account("supplier3/2")));
    let m = c.refused("supplier3/2", rc::APPROVE_ACTION, &proposed.id);
    assert!(m.contains("action 1 is already executed"), "{m}");
    let open: Vec<PendingAction> = c.query("auditor", rc::PENDING_ACTIONS, &"supplier3".to_string()).unwrap();
    assert!(open.is_empty());

    // A financing application proposed and then rejected by the checker changes nothing.
    let remainder = result.remainder.unwrap();
    let apply = ApplyArgs { id: remainder, amount: 10_000_00, financier: "bank".into() };
    let p: PendingAction = c.ok("supplier3", rc::PROPOSE, &ProposedAction::ApplyFinancing(apply.clone()));
    c.ok("supplier3/2", rc::REJECT_ACTION, &p.id);
    assert_eq!(voucher(&c, remainder).status, VoucherStatus::Active);
    let m = c.refused("supplier3/2", rc::APPROVE_ACTION, &p.id);
    assert!(m.contains("is already rejected"), "{m}");

    // The rules run at approval: a piece frozen meanwhile makes the approval fail, and the
    // action stays pending for a later decision.
    let p: PendingAction = c.ok("supplier3", rc::PROPOSE, &ProposedAction::ApplyFinancing(apply));
    c.ok("auditor", rc::FREEZE, &FreezeArgs { id: remainder, reason: "court order".into() });
    let m = c.refused("supplier3/2", rc::APPROVE_ACTION, &p.id);
    assert!(m.contains("is frozen: court order"), "{m}");
    let still: Option<PendingAction> = c.query("auditor", rc::ACTION, &p.id).unwrap();
    assert_eq!(still.unwrap().status, ActionStatus::Pending);
    c.ok("auditor", rc::UNFREEZE, &remainder);
    let outcome: ActionOutcome = c.ok("supplier3/2", rc::APPROVE_ACTION, &p.id);
    let ActionOutcome::FinancingRequested(app) = outcome else { panic!("expected an application") };
    assert_eq!(app.applicant, "supplier3");
    assert_eq!(app.face, 10_000_00);

    // A proposal is checked for the role up front: a supplier cannot propose an issuance.
    let maturity_day = voucher(&c, id).maturity_day;
    let m = c.refused(
        "supplier3",
        rc::PROPOSE,
        &ProposedAction::Issue(rc::IssueArgs {
            to: "supplier1".into(),
            amount: 1,
            currency: "CNY".into(),
            maturity_day,
            trade_ref: None,
        }),
    );
    assert!(m.contains("has role supplier, but this needs core_enterprise"), "{m}");
}

#[test]
fn subsidiaries_issue_under_the_parent_line_unless_they_have_their_own() {
    let c = Consortium::new();
    let parent_line = line(&c, "core").unwrap();
    assert!(line(&c, "core-sh").is_none());

    let id: VoucherId = c.ok("core-sh", rc::ISSUE, &c.issue_args("supplier1", 500_000_00));
    let v = voucher(&c, id);
    assert_eq!(v.issuer, "core-sh", "the subsidiary is the obligor");
    assert_eq!(v.credit_line_of, "core");
    assert_eq!(line(&c, "core").unwrap().outstanding, parent_line.outstanding + 500_000_00);
    // A cancelled issuance gives the parent's line back.
    c.ok("core-sh", rc::CANCEL, &id);
    assert_eq!(line(&c, "core").unwrap().outstanding, parent_line.outstanding);

    // The parent's limit binds the subsidiary.
    c.ok(
        "bank",
        rc::GRANT_CREDIT,
        &GrantCreditArgs { core: "core".into(), currency: "CNY".into(), limit: 1_000_00 },
    );
    let m = c.refused("core-sh", rc::ISSUE, &c.issue_args("supplier1", 1_000_01));
    assert!(m.contains("would exceed core's credit line"), "{m}");

    // A suspended parent lends its line to nobody.
    c.ok("operator", reg::SET_ACTIVE, &SetActiveArgs { name: "core".into(), active: false });
    let m = c.refused("core-sh", rc::ISSUE, &c.issue_args("supplier1", 1_00));
    assert!(m.contains("member core is suspended"), "{m}");
    c.ok("operator", reg::SET_ACTIVE, &SetActiveArgs { name: "core".into(), active: true });

    // With a line of its own, the subsidiary uses that one.
    c.ok(
        "bank",
        rc::GRANT_CREDIT,
        &GrantCreditArgs { core: "core-sh".into(), currency: "CNY".into(), limit: 5_000_00 },
    );
    let id: VoucherId = c.ok("core-sh", rc::ISSUE, &c.issue_args("supplier1", 2_000_00));
    assert_eq!(voucher(&c, id).credit_line_of, "core-sh");
    assert_eq!(line(&c, "core-sh").unwrap().outstanding, 2_000_00);
    assert_eq!(line(&c, "core").unwrap().outstanding, 0);

    // Registration rules for groups.
    let mut sub = RegisterArgs {
        name: "core-bj".into(),
        legal_name: "Huaxia (Beijing)".into(),
        registration_id: String::new(),
        role: Role::Supplier,
        accounts: vec![account("core-bj")],
        maker_checker: false,
        parent: Some("core".into()),
    };
    let m = c.refused("operator", reg::REGISTER, &sub);
    assert!(m.contains("only a core enterprise can be a subsidiary"), "{m}");
    sub.role = Role::CoreEnterprise;
    sub.parent = Some("core-sh".into());
    let m = c.refused("operator", reg::REGISTER, &sub);
    assert!(m.contains("subsidiaries cannot have subsidiaries"), "{m}");
    sub.parent = Some("supplier1".into());
    let m = c.refused("operator", reg::REGISTER, &sub);
    assert!(m.contains("is not a core enterprise"), "{m}");
    sub.parent = Some("core".into());
    c.ok("operator", reg::REGISTER, &sub);
}

#[test]
fn members_read_only_what_concerns_them() {
    let c = Consortium::new();
    let root = voucher_for(&c, "supplier1", "supplier1", 100_000_00);
    let r: rc::TransferResult = c.ok(
        "supplier1",
        rc::TRANSFER,
        &TransferArgs { id: root, to: "supplier2".into(), amount: 30_000_00 },
    );
    let (to_s2, rest) = (r.transferred, r.remainder.unwrap());

    // Unsigned: nothing about members.
    let m = c.chain.query(AccountId([0; 32]), rc::GET, &root).unwrap_err().message;
    assert!(m.contains("sign it with a member's account"), "{m}");
    let m = c
        .chain
        .query(AccountId([0; 32]), dt::SUPPLY, &TokenId { financier: "bank".into(), currency: "CNY".into() })
        .unwrap_err()
        .message;
    assert!(m.contains("visible to members only"), "{m}");

    // supplier2 sees its piece and its provenance, not supplier1's remainder.
    let lineage_of = |who: &str| -> Vec<VoucherId> {
        c.query(who, rc::LINEAGE, &root).unwrap().iter().map(|v| v.id).collect()
    };
    assert_eq!(lineage_of("supplier2"), [root, to_s2]);
    assert_eq!(lineage_of("supplier1"), [root, to_s2, rest], "supplier1 held the root");
    assert_eq!(lineage_of("core"), [root, to_s2, rest], "the issuer sees the whole tree");
    assert_eq!(lineage_of("auditor"), [root, to_s2, rest]);
    let m = c.query("supplier2", rc::GET, &rest).unwrap_err().message;
    assert!(m.contains("is not visible to supplier2"), "{m}");
    assert!(c.query("supplier2", rc::GET, &root).is_ok());
    let m = c.query("supplier3", rc::LINEAGE, &root).unwrap_err().message;
    assert!(m.contains("is not visible to supplier3"), "{m}");
    let m = c.query("bank", rc::LIST_BY_HOLDER, &"supplier1".to_string()).unwrap_err().message;
    assert!(m.contains("only supplier1, an auditor or an operator"), "{m}");
    assert!(c.query("operator", rc::LIST_BY_HOLDER, &"supplier1".to_string()).is_ok());

    // A financier sees a piece once it is asked to finance it, and the application.
    let m = c.query("bank", rc::GET, &to_s2).unwrap_err().message;
    assert!(m.contains("not visible to bank"), "{m}");
    let app: Application = c.ok(
        "supplier2",
        rc::APPLY_FINANCING,
        &ApplyArgs { id: to_s2, amount: 30_000_00, financier: "bank".into() },
    );
    assert!(c.query("bank", rc::GET, &to_s2).is_ok());
    assert!(c.query("bank", rc::APPLICATION, &app.id).is_ok());
    let m = c.query("supplier1", rc::APPLICATION, &app.id).unwrap_err().message;
    assert!(m.contains("visible to its applicant and financier only"), "{m}");

    // Credit lines: the group, financiers and overseers.
    let key = CreditKey { core: "core".into(), currency: "CNY".into() };
    for who in ["core", "core-sh", "bank", "auditor"] {
        assert!(c.query(who, rc::CREDIT, &key).is_ok(), "{who}");
    }
    let m = c.query("supplier1", rc::CREDIT, &key).unwrap_err().message;
    assert!(m.contains("visible to its group, financiers, auditors and operators"), "{m}");

    // Balances: the holder, the token's financier and overseers.
    c.ok("bank", dt::MINT, &MintArgs { currency: "CNY".into(), to: "supplier1".into(), amount: 5_00 });
    let bal = BalanceArgs {
        token: TokenId { financier: "bank".into(), currency: "CNY".into() },
        member: "supplier1".into(),
    };
    for who in ["supplier1", "bank", "auditor"] {
        assert!(c.query(who, dt::BALANCE, &bal).is_ok(), "{who}");
    }
    let m = c.query("supplier2", dt::BALANCE, &bal).unwrap_err().message;
    assert!(m.contains("visible to supplier1, the token's financier"), "{m}");

    // Actions: their member and overseers.
    let p: PendingAction = c.ok(
        "supplier3",
        rc::PROPOSE,
        &ProposedAction::Transfer(TransferArgs { id: 99, to: "supplier1".into(), amount: 1 }),
    );
    assert!(c.query("supplier3/2", rc::ACTION, &p.id).is_ok());
    let m = c.query("supplier1", rc::ACTION, &p.id).unwrap_err().message;
    assert!(m.contains("visible to supplier3 only"), "{m}");
}

#[test]
fn the_operator_sets_the_maximum_term_within_the_regulatory_cap() {
    use scf_sdk::interface::receivables::{IssueArgs, Params};
    let c = Consortium::new();
    let params: Params = c.query("auditor", rc::GET_PARAMS, &()).unwrap();
    assert_eq!(params.max_term_days, 365, "the default is the one-year cap");
    let six_months = Params { max_term_days: 180 };
    let m = c.refused("core", rc::SET_PARAMS, &six_months);
    assert!(m.contains("has role core_enterprise, but this needs operator"), "{m}");
    for bad in [0, 366] {
        let m = c.refused("operator", rc::SET_PARAMS, &Params { max_term_days: bad });
        assert!(m.contains("must be 1 to 365 days"), "{m}");
    }
    c.ok("operator", rc::SET_PARAMS, &six_months);
    let issue = |days: u32| IssueArgs {
        to: "supplier1".into(),
        amount: 1_00,
        currency: "CNY".into(),
        maturity_day: c.today() + days,
        trade_ref: None,
    };
    let m = c.refused("core", rc::ISSUE, &issue(181));
    assert!(m.contains("term of 181 days exceeds the chain's maximum of 180 days"), "{m}");
    let _: VoucherId = c.ok("core", rc::ISSUE, &issue(180));
    // Anyone may read the rules, even unsigned.
    assert!(c.chain.query(AccountId([0; 32]), rc::GET_PARAMS, &()).is_ok());
}
