//! Property test: random sequences of receivables operations by random members, many of them
//! not allowed. After every step the invariants of the issue hold: amounts are conserved per
//! root, a piece is financed at most once, credit lines are never exceeded, the deposit-token
//! supply equals minted minus burned equals the sum of balances, and no suspended member, wrong
//! role, or locked/frozen/matured piece ever gets an action through.
mod common;
use common::*;
use proptest::prelude::*;
use scf_interface::{
    deposit_token::{ApproveArgs, BalanceArgs, MintArgs, Supply, TokenId},
    receivables::{
        Application, ApplicationStatus, ApplyArgs, ApproveArgs as Approve, CreditKey, CreditLine, FreezeArgs,
        SettleArgs, TransferArgs, Voucher, VoucherStatus,
    },
    registry::SetActiveArgs,
};
use scf_primitives::Amount;

const MEMBERS: [&str; 6] = ["operator", "core", "supplier1", "supplier2", "bank", "auditor"];

#[derive(Debug, Clone)]
enum Op {
    Issue { by: Option<usize>, to: usize, amount: u128 },
    Accept { by: Option<usize>, id: u64 },
    Transfer { by: Option<usize>, id: u64, to: usize, amount: u128 },
    Apply { by: Option<usize>, id: u64, amount: u128 },
    Approve { by: Option<usize>, app: u64, rate_bps: u32 },
    Withdraw { by: Option<usize>, app: u64 },
    Freeze { by: Option<usize>, id: u64 },
    Unfreeze { by: Option<usize>, id: u64 },
    Suspend { who: usize },
    Activate { who: usize },
    Advance { days: u64 },
    Settle { by: Option<usize>, root: u64 },
    Overdue { by: Option<usize>, root: u64 },
}

/// Mostly `None`, "the rightful party" (the holder, the applicant, the bank, the issuer),
/// resolved when the step runs; sometimes any member, so that refusals are exercised too.
fn who(preferred: &'static [usize]) -> impl Strategy<Value = Option<usize>> + Clone {
    let _ = preferred;
    prop_oneof![9 => Just(None), 1 => (0..MEMBERS.len()).prop_map(Some)]
}

const CORE: &[usize] = &[1];
const SUPPLIERS: &[usize] = &[2, 3];
const HOLDERS: &[usize] = &[2, 3, 4];
const BANK: &[usize] = &[4];
const AUDIT: &[usize] = &[0, 5];
const NOT_OPERATOR: &[usize] = &[1, 2, 3, 4, 5];

fn op() -> impl Strategy<Value = Op> {
    let id = 1u64..10;
    let app = 1u64..6;
    prop_oneof![
        3 => (who(CORE), prop_oneof![9 => prop::sample::select(SUPPLIERS), 1 => 0..MEMBERS.len()], 1u128..2_000_000).prop_map(|(by, to, amount)| Op::Issue { by, to, amount }),
        5 => (who(SUPPLIERS), id.clone()).prop_map(|(by, id)| Op::Accept { by, id }),
        5 => (who(HOLDERS), id.clone(), prop_oneof![9 => prop::sample::select(HOLDERS), 1 => 0..MEMBERS.len()], 1u128..1_000_000)
            .prop_map(|(by, id, to, amount)| Op::Transfer { by, id, to, amount }),
        3 => (who(SUPPLIERS), id.clone(), 1u128..1_000_000).prop_map(|(by, id, amount)| Op::Apply { by, id, amount }),
        3 => (who(BANK), app.clone(), 0u32..2_000).prop_map(|(by, app, rate_bps)| Op::Approve { by, app, rate_bps }),
        1 => (who(SUPPLIERS), app).prop_map(|(by, app)| Op::Withdraw { by, app }),
        1 => (who(AUDIT), id.clone()).prop_map(|(by, id)| Op::Freeze { by, id }),
        1 => (who(AUDIT), id.clone()).prop_map(|(by, id)| Op::Unfreeze { by, id }),
        1 => prop::sample::select(NOT_OPERATOR).prop_map(|who| Op::Suspend { who }),
        2 => prop::sample::select(NOT_OPERATOR).prop_map(|who| Op::Activate { who }),
        1 => (1u64..40).prop_map(|days| Op::Advance { days }),
        2 => (who(CORE), id.clone()).prop_map(|(by, root)| Op::Settle { by, root }),
        1 => (who(HOLDERS), id).prop_map(|(by, root)| Op::Overdue { by, root }),
    ]
}

fn enc<T: borsh::BorshSerialize>(v: &T) -> Vec<u8> {
    borsh::to_vec(v).unwrap()
}

fn token() -> TokenId {
    TokenId { financier: "bank".into(), currency: "CNY".into() }
}

fn vouchers(c: &Chain) -> Vec<Voucher> {
    (1u64..40).filter_map(|id| c.query::<Option<Voucher>>(receivables(), "get", enc(&id))).collect()
}

fn applications(c: &Chain) -> Vec<Application> {
    (1u64..10)
        .filter_map(|id| c.query::<Option<Application>>(receivables(), "application", enc(&id)))
        .collect()
}

fn check_invariants(c: &Chain) {
    let all = vouchers(c);
    // Conservation per root: the leaves of the split tree add up to the root.
    for root in all.iter().filter(|v| v.root_id == v.id) {
        if matches!(root.status, VoucherStatus::Rejected | VoucherStatus::Cancelled) {
            continue;
        }
        let leaves: Amount = all
            .iter()
            .filter(|v| v.root_id == root.id && v.status != VoucherStatus::Split)
            .map(|v| v.amount)
            .sum();
        assert_eq!(leaves, root.amount, "root {} not conserved: {all:#?}", root.id);
    }
    // Financed at most once: each approved application financed a distinct piece, and every
    // financed piece points at an approved application.
    let apps = applications(c);
    let approved: Vec<&Application> =
        apps.iter().filter(|a| a.status == ApplicationStatus::Approved).collect();
    let mut sources: Vec<Option<u64>> =
        approved.iter().map(|a| all.iter().find(|v| v.id == a.voucher).and_then(|v| v.parent_id)).collect();
    let n = sources.len();
    sources.sort();
    sources.dedup();
    assert_eq!(sources.len(), n, "a piece was financed twice: {apps:#?}");
    for v in all.iter().filter(|v| v.financed_by.is_some()) {
        assert!(
            approved.iter().any(|a| Some(a.id) == v.financed_by),
            "piece {} financed by an unapproved application",
            v.id
        );
    }
    // Credit line.
    let line: Option<CreditLine> =
        c.query(receivables(), "credit", enc(&CreditKey { core: "core".into(), currency: "CNY".into() }));
    let line = line.unwrap();
    assert!(line.outstanding <= line.limit);
    // Deposit-token supply.
    let supply: Supply =
        c.query(scf_interface::SystemContract::DepositToken.address(), "supply", enc(&token()));
    assert_eq!(supply.outstanding, supply.minted - supply.burned);
    let total: Amount = MEMBERS
        .iter()
        .map(|m| {
            c.query::<Amount>(
                scf_interface::SystemContract::DepositToken.address(),
                "balance",
                enc(&BalanceArgs { token: token(), member: m.to_string() }),
            )
        })
        .sum();
    assert_eq!(total, supply.outstanding);
}

fn run(ops: Vec<Op>) {
    let mut c = Chain::new();
    let dt = scf_interface::SystemContract::DepositToken.address();
    for who in ["bank", "core"] {
        let t = c.call(
            "bank",
            dt,
            "mint",
            enc(&MintArgs { currency: "CNY".into(), to: who.into(), amount: 1_000_000_000 }),
        );
        assert!(c.one(t).is_success());
        let t = c.call(
            who,
            dt,
            "approve",
            enc(&ApproveArgs { token: token(), spender: receivables(), amount: 1_000_000_000 }),
        );
        assert!(c.one(t).is_success());
    }
    let mut suspended = [false; 6];
    for op in ops {
        let before: Vec<Voucher> = vouchers(&c);
        let today = (c.context().timestamp_ms / 86_400_000) as u32;
        // Generated ids name existing vouchers and applications (when there are any), so that
        // most steps reach the rules instead of "does not exist".
        let (n_vouchers, n_apps) = (before.len() as u64, applications(&c).len() as u64);
        let pick = |raw: u64, n: u64| if n == 0 { raw } else { 1 + (raw - 1) % n };
        let op = match op {
            Op::Accept { by, id } => Op::Accept { by, id: pick(id, n_vouchers) },
            Op::Transfer { by, id, to, amount } => Op::Transfer { by, id: pick(id, n_vouchers), to, amount },
            Op::Apply { by, id, amount } => Op::Apply { by, id: pick(id, n_vouchers), amount },
            Op::Approve { by, app, rate_bps } => Op::Approve { by, app: pick(app, n_apps), rate_bps },
            Op::Withdraw { by, app } => Op::Withdraw { by, app: pick(app, n_apps) },
            Op::Freeze { by, id } => Op::Freeze { by, id: pick(id, n_vouchers) },
            Op::Unfreeze { by, id } => Op::Unfreeze { by, id: pick(id, n_vouchers) },
            Op::Settle { by, root } => Op::Settle { by, root: pick(root, n_vouchers) },
            Op::Overdue { by, root } => Op::Overdue { by, root: pick(root, n_vouchers) },
            other => other,
        };
        let index = |name: &str| MEMBERS.iter().position(|m| *m == name).unwrap_or(0);
        let holder = |id: u64| before.iter().find(|v| v.id == id).map(|v| index(&v.holder)).unwrap_or(2);
        let apps_now = applications(&c);
        let applicant =
            |app: u64| apps_now.iter().find(|a| a.id == app).map(|a| index(&a.applicant)).unwrap_or(2);
        let rightful = |by: Option<usize>, default: usize| by.unwrap_or(default);
        let (actor, contract, method, args) = match &op {
            Op::Issue { by, to, amount } => (rightful(*by, 1), receivables(), "issue", {
                let mut a = borsh::from_slice::<scf_interface::receivables::IssueArgs>(&issue_args(
                    MEMBERS[*to],
                    *amount,
                ))
                .unwrap();
                a.maturity_day = today + 30;
                enc(&a)
            }),
            Op::Accept { by, id } => (rightful(*by, holder(*id)), receivables(), "accept", enc(id)),
            Op::Transfer { by, id, to, amount } => (
                rightful(*by, holder(*id)),
                receivables(),
                "transfer",
                enc(&TransferArgs { id: *id, to: MEMBERS[*to].into(), amount: *amount }),
            ),
            Op::Apply { by, id, amount } => (
                rightful(*by, holder(*id)),
                receivables(),
                "apply_financing",
                enc(&ApplyArgs { id: *id, amount: *amount, financier: "bank".into() }),
            ),
            Op::Approve { by, app, rate_bps } => (
                rightful(*by, 4),
                receivables(),
                "approve_financing",
                enc(&Approve {
                    application: *app,
                    rate_bps: *rate_bps,
                    fee: 0,
                    registry_ref: "ZDW-P".into(),
                }),
            ),
            Op::Withdraw { by, app } => {
                (rightful(*by, applicant(*app)), receivables(), "withdraw_financing", enc(app))
            }
            Op::Freeze { by, id } => (
                rightful(*by, 5),
                receivables(),
                "freeze",
                enc(&FreezeArgs { id: *id, reason: "test".into() }),
            ),
            Op::Unfreeze { by, id } => (rightful(*by, 5), receivables(), "unfreeze", enc(id)),
            Op::Suspend { who } => (
                0,
                scf_interface::SystemContract::Registry.address(),
                "set_active",
                enc(&SetActiveArgs { name: MEMBERS[*who].into(), active: false }),
            ),
            Op::Activate { who } => (
                0,
                scf_interface::SystemContract::Registry.address(),
                "set_active",
                enc(&SetActiveArgs { name: MEMBERS[*who].into(), active: true }),
            ),
            Op::Advance { days } => {
                c.days_ahead += days;
                continue;
            }
            Op::Settle { by, root } => (
                rightful(*by, 1),
                receivables(),
                "settle",
                enc(&SettleArgs { root: *root, token_financier: "bank".into() }),
            ),
            Op::Overdue { by, root } => {
                (rightful(*by, holder(*root)), receivables(), "mark_overdue", enc(root))
            }
        };
        let t = c.call(MEMBERS[actor], contract, method, args);
        let receipt = c.one(t);
        // Rules the step itself must respect.
        if suspended[actor] {
            assert!(!receipt.is_success(), "suspended {} acted: {op:?}", MEMBERS[actor]);
        }
        if matches!(op, Op::Issue { .. }) && MEMBERS[actor] != "core" {
            assert!(!receipt.is_success(), "{} issued a voucher", MEMBERS[actor]);
        }
        if let Op::Transfer { id, .. } = &op {
            if let Some(v) = before.iter().find(|v| v.id == *id) {
                let blocked = v.locked_by.is_some()
                    || v.frozen.is_some()
                    || v.status != VoucherStatus::Active
                    || today >= v.maturity_day;
                if blocked {
                    assert!(!receipt.is_success(), "blocked piece moved: {v:?}");
                }
            }
        }
        if receipt.is_success() {
            match &op {
                Op::Suspend { who } if MEMBERS[*who] != "operator" => suspended[*who] = true,
                Op::Activate { who } => suspended[*who] = false,
                _ => {}
            }
        }
        check_invariants(&c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, max_shrink_iters: 50, failure_persistence: None, .. ProptestConfig::default() })]
    #[test]
    fn receivables_invariants_hold_under_random_operations(ops in prop::collection::vec(op(), 1..40)) {
        run(ops);
    }
}
