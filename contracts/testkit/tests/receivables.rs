//! Receivables rules on the host: issuance within credit lines, acceptance, splitting transfers
//! that conserve amounts, who may act and see, maker–checker. (Financing, settlement and the VM
//! behaviour stay in `runtime/tests/receivables.rs`, on the pinned Wasm.)
// Amounts are written as yuan_fen (100_00 is 100.00), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
use scf_contract_testkit::{account, Consortium, CORE_CREDIT};
use scf_sdk::{
    interface::{
        events::{numbered, subject},
        receivables::{
            self as rc, CreditKey, CreditLine, IssueArgs, ProposedAction, TransferArgs, TransferResult,
            Voucher, VoucherStatus,
        },
    },
    ErrorCode,
};

fn voucher(c: &Consortium, id: u64) -> Voucher {
    c.query("auditor", rc::GET, &id).unwrap().expect("the voucher exists")
}

fn credit(c: &Consortium) -> CreditLine {
    let key = CreditKey { core: "core".into(), currency: "CNY".into() };
    c.query("bank", rc::CREDIT, &key).unwrap().expect("core has a CNY line")
}

#[test]
fn issuance_stays_within_the_credit_line_and_frees_it_on_rejection() {
    let c = Consortium::new();
    let id = c.issue("supplier1", 40_000_000_00);
    assert_eq!(credit(&c).outstanding, 40_000_000_00);
    let events = c.chain.events();
    assert_eq!(events[0].topic, rc::VOUCHER_ISSUED.topic);
    assert_eq!(events[0].parties, ["core", "supplier1"]);
    assert_eq!(events[0].subjects, [numbered(subject::VOUCHER, id)]);

    let args = IssueArgs {
        to: "supplier2".into(),
        amount: CORE_CREDIT - 40_000_000_00 + 1,
        currency: "CNY".into(),
        maturity_day: c.today() + 30,
        trade_ref: None,
    };
    let refused = c.call("core", rc::ISSUE, &args).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::CreditExceeded), "{refused:?}");
    assert!(c.chain.events().is_empty(), "a refused call emits nothing");

    c.ok("supplier1", rc::REJECT, &id);
    assert_eq!(voucher(&c, id).status, VoucherStatus::Rejected);
    assert_eq!(credit(&c).outstanding, 0, "a rejected voucher frees its credit");
}

#[test]
fn only_the_issuer_role_issues_and_only_for_dates_ahead() {
    let c = Consortium::new();
    let mut args = IssueArgs {
        to: "supplier1".into(),
        amount: 1_00,
        currency: "CNY".into(),
        maturity_day: c.today() + 30,
        trade_ref: None,
    };
    let refused = c.call("supplier1", rc::ISSUE, &args).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::Unauthorized), "{refused:?}");
    args.maturity_day = c.today();
    let refused = c.call("core", rc::ISSUE, &args).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::InvalidArgument), "{refused:?}");
    args.maturity_day = c.today() + 400;
    let refused = c.call("core", rc::ISSUE, &args).unwrap_err();
    assert!(refused.message.contains("exceeds the chain's maximum"), "{refused:?}");
    args.amount = 0;
    args.maturity_day = c.today() + 30;
    assert_eq!(c.call("core", rc::ISSUE, &args).unwrap_err().error_code(), Some(ErrorCode::InvalidArgument));
    let outsider = c.chain.call(account("nobody"), rc::ISSUE, &args).unwrap_err();
    assert_eq!(outsider.error_code(), Some(ErrorCode::NotFound), "{outsider:?}");
}

#[test]
fn transfers_split_vouchers_and_conserve_amounts() {
    let c = Consortium::new();
    let id = c.accepted("supplier1", 1_000_00);
    let args = TransferArgs { id, to: "supplier2".into(), amount: 400_00 };
    let r: TransferResult = c.ok("supplier1", rc::TRANSFER, &args);
    let rest = r.remainder.expect("a partial transfer leaves a remainder");
    assert_eq!(voucher(&c, id).status, VoucherStatus::Split);
    let (moved, kept) = (voucher(&c, r.transferred), voucher(&c, rest));
    assert_eq!((moved.holder.as_str(), moved.amount), ("supplier2", 400_00));
    assert_eq!((kept.holder.as_str(), kept.amount), ("supplier1", 600_00));
    assert_eq!((moved.root_id, kept.root_id), (id, id));
    let topics: Vec<_> = c.chain.events().iter().map(|e| e.topic.clone()).collect();
    assert_eq!(topics, [rc::VOUCHER_SPLIT.topic, rc::VOUCHER_TRANSFERRED.topic]);

    // The whole piece moves without a remainder.
    let r: TransferResult = c.ok(
        "supplier2",
        rc::TRANSFER,
        &TransferArgs { id: r.transferred, to: "supplier1".into(), amount: 400_00 },
    );
    assert_eq!(r.remainder, None);

    let too_much = TransferArgs { id: rest, to: "supplier2".into(), amount: 600_01 };
    assert_eq!(
        c.call("supplier1", rc::TRANSFER, &too_much).unwrap_err().error_code(),
        Some(ErrorCode::ExceedsAmount)
    );
    let not_holder = TransferArgs { id: rest, to: "supplier2".into(), amount: 1 };
    assert_eq!(
        c.call("supplier2", rc::TRANSFER, &not_holder).unwrap_err().error_code(),
        Some(ErrorCode::Unauthorized)
    );
    let to_self = TransferArgs { id: rest, to: "supplier1".into(), amount: 1 };
    assert_eq!(
        c.call("supplier1", rc::TRANSFER, &to_self).unwrap_err().error_code(),
        Some(ErrorCode::InvalidArgument)
    );
    let spent = TransferArgs { id, to: "supplier2".into(), amount: 1 };
    assert_eq!(
        c.call("supplier1", rc::TRANSFER, &spent).unwrap_err().error_code(),
        Some(ErrorCode::InvalidState)
    );
}

#[test]
fn members_see_only_the_vouchers_that_concern_them() {
    let c = Consortium::new();
    let id = c.accepted("supplier1", 10_00);
    assert!(c.query("supplier1", rc::GET, &id).unwrap().is_some());
    assert!(c.query("core", rc::GET, &id).unwrap().is_some(), "the issuer sees it");
    let hidden = c.query("supplier2", rc::GET, &id).unwrap_err();
    assert_eq!(hidden.error_code(), Some(ErrorCode::NotVisible), "{hidden:?}");
    let unsigned = c.chain.query(scf_sdk::AccountId([0; 32]), rc::GET, &id).unwrap_err();
    assert_eq!(unsigned.error_code(), Some(ErrorCode::NotVisible));
}

#[test]
fn a_maker_checker_member_proposes_and_another_key_approves() {
    let c = Consortium::new();
    let id = c.accepted("supplier3", 500_00);
    let direct = TransferArgs { id, to: "supplier1".into(), amount: 100_00 };
    let refused = c.call("supplier3", rc::TRANSFER, &direct).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::MakerCheckerRequired), "{refused:?}");

    let pending = c.ok("supplier3", rc::PROPOSE, &ProposedAction::Transfer(direct));
    let same_key = c.call("supplier3", rc::APPROVE_ACTION, &pending.id).unwrap_err();
    assert_eq!(same_key.error_code(), Some(ErrorCode::MakerCheckerRequired), "{same_key:?}");
    c.ok("supplier3/2", rc::APPROVE_ACTION, &pending.id);
    assert_eq!(voucher(&c, id).status, VoucherStatus::Split, "the approved transfer ran");
}

#[test]
fn a_refusal_deep_in_a_call_tree_undoes_the_whole_transaction() {
    use scf_sdk::interface::{
        deposit_token::{self as dt, BalanceArgs, MintArgs, TokenId},
        receivables::{ApplicationStatus, ApplyArgs, ApproveArgs},
    };
    let c = Consortium::new();
    let id = c.accepted("supplier1", 1_000_00);
    let app =
        c.ok("supplier1", rc::APPLY_FINANCING, &ApplyArgs { id, amount: 1_000_00, financier: "bank".into() });
    assert_eq!(voucher(&c, id).status, VoucherStatus::Financing);
    c.ok("bank", dt::MINT, &MintArgs { currency: "CNY".into(), to: "bank".into(), amount: 5_000_00 });
    // The bank pays through the deposit-token contract, but has not allowed receivables to move
    // its tokens: the nested transfer_from refuses, and the approval is undone with it.
    let approve = ApproveArgs { application: app.id, rate_bps: 500, fee: 0, registry_ref: "REG-1".into() };
    let refused = c.call("bank", rc::APPROVE_FINANCING, &approve).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::InsufficientFunds), "{refused:?}");
    let app = c.query("bank", rc::APPLICATION, &app.id).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Pending);
    assert_eq!(voucher(&c, id).holder, "supplier1");
    let token = TokenId { financier: "bank".into(), currency: "CNY".into() };
    assert_eq!(c.query("bank", dt::BALANCE, &BalanceArgs { token, member: "supplier1".into() }).unwrap(), 0);
    assert!(c.chain.events().is_empty());
}

#[test]
fn a_replaced_credit_line_tells_its_previous_grantor() {
    use scf_sdk::interface::receivables::GrantCreditArgs;
    let c = Consortium::new();
    c.ok(
        "mx-bank",
        rc::GRANT_CREDIT,
        &GrantCreditArgs { core: "core".into(), currency: "CNY".into(), limit: 5_00 },
    );
    assert_eq!(c.chain.events()[0].parties, ["bank", "core", "mx-bank"]);
    assert_eq!(credit(&c).granted_by, "mx-bank");
}
