//! The receivables lifecycle rules, each broken on purpose, on the real contracts in the real VM.
// Amounts are written as yuan_fen (e.g. 100_000_00 is 100,000.00 CNY), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
mod common;
use common::*;
use scf_interface::{
    deposit_token::{ApproveArgs, BalanceArgs, MintArgs, TokenId},
    receivables::{
        parse_date, Application, ApplyArgs, ApproveArgs as Approve, CreditKey, CreditLine, DayCount,
        FreezeArgs, GrantCreditArgs, IssueArgs, SetDayCountArgs, SettleArgs, TransferArgs, TransferResult,
        VoucherId, VoucherStatus,
    },
    registry::SetActiveArgs,
};
use scf_primitives::{Amount, ContractAddress};

fn token() -> ContractAddress {
    scf_interface::SystemContract::DepositToken.address()
}

fn registry() -> ContractAddress {
    scf_interface::SystemContract::Registry.address()
}

/// core → supplier1, accepted: returns the voucher id.
fn accepted_voucher(c: &mut Chain, amount: Amount) -> VoucherId {
    let id: VoucherId = ok(c, "core", receivables(), "issue", issue_args("supplier1", amount));
    ok::<()>(c, "supplier1", receivables(), "accept", enc(&id));
    id
}

fn bank_cny() -> TokenId {
    TokenId { financier: "bank".into(), currency: "CNY".into() }
}

fn balance(c: &Chain, member: &str) -> Amount {
    c.query(token(), "balance", enc(&BalanceArgs { token: bank_cny(), member: member.into() }))
}

fn fund(c: &mut Chain, member: &str, amount: Amount) {
    ok::<()>(
        c,
        "bank",
        token(),
        "mint",
        enc(&MintArgs { currency: "CNY".into(), to: member.into(), amount }),
    );
    ok::<()>(
        c,
        member,
        token(),
        "approve",
        enc(&ApproveArgs { token: bank_cny(), spender: receivables(), amount }),
    );
}

#[test]
fn credit_lines_bound_issuance() {
    let mut c = Chain::new();
    let line: Option<CreditLine> =
        c.query(receivables(), "credit", enc(&CreditKey { core: "core".into(), currency: "CNY".into() }));
    assert_eq!(line.unwrap().limit, 10_000_000_000);
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "grant_credit",
        enc(&GrantCreditArgs { core: "core".into(), currency: "CNY".into(), limit: 1 }),
    );
    assert!(m.contains("has role supplier, but this needs operator or financier"), "{m}");
    ok::<()>(
        &mut c,
        "bank",
        receivables(),
        "grant_credit",
        enc(&GrantCreditArgs { core: "core".into(), currency: "CNY".into(), limit: 1_000 }),
    );
    accepted_voucher(&mut c, 600);
    let m = refused(&mut c, "core", receivables(), "issue", issue_args("supplier1", 401));
    assert_eq!(m, "issuing 401 would exceed core's credit line: 600 outstanding of a 1000 CNY limit");
    ok::<VoucherId>(&mut c, "core", receivables(), "issue", issue_args("supplier1", 400));
    // A rejected voucher gives its amount back to the line.
    let m = refused(&mut c, "core", receivables(), "issue", issue_args("supplier1", 1));
    assert!(m.contains("would exceed"));
    ok::<()>(&mut c, "supplier1", receivables(), "reject", enc(&2u64));
    ok::<VoucherId>(&mut c, "core", receivables(), "issue", issue_args("supplier1", 400));
    let m = refused(
        &mut c,
        "core",
        receivables(),
        "issue",
        enc(&IssueArgs {
            to: "supplier1".into(),
            amount: 1,
            currency: "USD".into(),
            maturity_day: parse_date("2027-03-31").unwrap(),
            trade_ref: None,
        }),
    );
    assert_eq!(m, "core has no credit line in USD");
}

#[test]
fn financing_locks_pays_atomically_and_happens_once() {
    let mut c = Chain::new();
    let id = accepted_voucher(&mut c, 100_000_00);
    let m = refused(
        &mut c,
        "supplier2",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id, amount: 1, financier: "bank".into() }),
    );
    assert!(m.contains("only the holder of voucher 1 (supplier1) may finance it"), "{m}");
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id, amount: 1, financier: "core".into() }),
    );
    assert!(m.contains("has role core_enterprise, but this needs financier"), "{m}");

    // Part of the voucher: it splits; the financed piece is locked.
    let app: Application = ok(
        &mut c,
        "supplier1",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id, amount: 40_000_00, financier: "bank".into() }),
    );
    let piece = app.voucher;
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id: piece, to: "supplier2".into(), amount: 1 }),
    );
    assert_eq!(m, format!("voucher {piece} is locked by financing application {}", app.id));

    // Without deposit tokens the approval fails as a whole: the voucher stays locked with supplier1.
    let approve = Approve { application: app.id, rate_bps: 435, fee: 0, registry_ref: "ZDW-1".into() };
    let m = refused(&mut c, "bank", receivables(), "approve_financing", enc(&approve));
    assert!(m.contains("less than"), "{m}");
    assert_eq!(c.voucher(piece).status, VoucherStatus::Financing);
    assert_eq!(c.voucher(piece).holder, "supplier1");

    // Only the named financier approves, with a registry reference.
    let m = refused(&mut c, "supplier2", receivables(), "approve_financing", enc(&approve));
    assert!(m.contains("needs financier"), "{m}");
    let m = refused(
        &mut c,
        "bank",
        receivables(),
        "approve_financing",
        enc(&Approve { registry_ref: String::new(), ..approve.clone() }),
    );
    assert!(m.contains("中登网"), "{m}");

    fund(&mut c, "bank", 1_000_000_00);
    ok::<()>(
        &mut c,
        "bank",
        receivables(),
        "set_day_count",
        enc(&SetDayCountArgs { day_count: DayCount::Act365 }),
    );
    let approved: Application = ok(&mut c, "bank", receivables(), "approve_financing", enc(&approve));
    let terms = approved.terms.unwrap();
    // 2027-01-01 → 2027-03-31 is 89 days; 4,000,000 × 435 × 89 = 154,860,000,000, and
    // ÷ 3,650,000 = 42,427.39… → 42,427.
    assert_eq!((terms.days, terms.day_count, terms.discount), (89, DayCount::Act365, 42_427));
    assert_eq!(balance(&c, "supplier1"), 40_000_00 - 42_427);
    let financed = c.voucher(approved.voucher);
    assert_eq!((financed.holder.as_str(), financed.financed_by), ("bank", Some(approved.id)));

    // Never financed twice: not the piece, not anything split from it.
    let m = refused(&mut c, "bank", receivables(), "approve_financing", enc(&approve));
    assert!(m.contains("is already approved"), "{m}");
    let moved: TransferResult = ok(
        &mut c,
        "bank",
        receivables(),
        "transfer",
        enc(&TransferArgs { id: financed.id, to: "supplier2".into(), amount: 1_000_00 }),
    );
    let m = refused(
        &mut c,
        "supplier2",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id: moved.transferred, amount: 1_000_00, financier: "bank".into() }),
    );
    assert!(m.contains("was already financed"), "{m}");

    // Reject and withdraw unlock.
    let rest = c.held("supplier1").into_iter().find(|v| v.status == VoucherStatus::Active).unwrap();
    let a2: Application = ok(
        &mut c,
        "supplier1",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id: rest.id, amount: rest.amount, financier: "bank".into() }),
    );
    ok::<()>(&mut c, "bank", receivables(), "reject_financing", enc(&a2.id));
    assert_eq!(c.voucher(rest.id).status, VoucherStatus::Active);
    let a3: Application = ok(
        &mut c,
        "supplier1",
        receivables(),
        "apply_financing",
        enc(&ApplyArgs { id: rest.id, amount: rest.amount, financier: "bank".into() }),
    );
    let m = refused(&mut c, "supplier2", receivables(), "withdraw_financing", enc(&a3.id));
    assert!(m.contains("only the applicant supplier1"), "{m}");
    ok::<()>(&mut c, "supplier1", receivables(), "withdraw_financing", enc(&a3.id));
    assert_eq!(c.voucher(rest.id).locked_by, None);
}

#[test]
fn freezes_suspensions_maturity_settlement_and_overdue() {
    let mut c = Chain::new();
    let id = accepted_voucher(&mut c, 100_00);
    let freeze = FreezeArgs { id, reason: "court order 2027-17".into() };
    let m = refused(&mut c, "supplier2", receivables(), "freeze", enc(&freeze));
    assert!(m.contains("needs auditor or operator"), "{m}");
    ok::<()>(&mut c, "auditor", receivables(), "freeze", enc(&freeze));
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id, to: "supplier2".into(), amount: 1 }),
    );
    assert_eq!(m, format!("voucher {id} is frozen: court order 2027-17"));
    ok::<()>(&mut c, "auditor", receivables(), "unfreeze", enc(&id));

    // A suspended member can neither act nor receive.
    ok::<()>(
        &mut c,
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "supplier2".into(), active: false }),
    );
    let m = refused(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id, to: "supplier2".into(), amount: 1 }),
    );
    assert_eq!(m, "member supplier2 is suspended");
    ok::<()>(
        &mut c,
        "operator",
        registry(),
        "set_active",
        enc(&SetActiveArgs { name: "supplier2".into(), active: true }),
    );
    let split: TransferResult = ok(
        &mut c,
        "supplier1",
        receivables(),
        "transfer",
        enc(&TransferArgs { id, to: "supplier2".into(), amount: 30_00 }),
    );

    // Not before maturity.
    let settle = SettleArgs { root: id, token_financier: "bank".into() };
    let m = refused(&mut c, "core", receivables(), "settle", enc(&settle));
    assert!(m.contains("cannot be settled before"), "{m}");

    // 2027-03-31 passes; the issuer has no tokens: settlement fails, pieces can be marked overdue
    // and can no longer move.
    c.days_ahead = 100;
    let m = refused(&mut c, "core", receivables(), "settle", enc(&settle));
    assert!(m.contains("less than"), "{m}");
    let marked: Vec<VoucherId> = ok(&mut c, "supplier2", receivables(), "mark_overdue", enc(&id));
    assert_eq!(marked.len(), 2);
    assert_eq!(c.voucher(split.transferred).status, VoucherStatus::Overdue);
    let m = refused(
        &mut c,
        "supplier2",
        receivables(),
        "transfer",
        enc(&TransferArgs { id: split.transferred, to: "supplier1".into(), amount: 1 }),
    );
    assert!(m.contains("is not active (status: overdue)"), "{m}");

    // Late payment still settles every holder.
    fund(&mut c, "core", 100_00);
    let paid: Amount = ok(&mut c, "core", receivables(), "settle", enc(&settle));
    assert_eq!(paid, 100_00);
    assert_eq!((balance(&c, "supplier1"), balance(&c, "supplier2")), (70_00, 30_00));
    let pieces: Vec<scf_interface::receivables::Voucher> = c.query(receivables(), "lineage", enc(&id));
    assert!(pieces
        .iter()
        .filter(|p| p.status != VoucherStatus::Split)
        .all(|p| p.status == VoucherStatus::Settled));
    let line: Option<CreditLine> =
        c.query(receivables(), "credit", enc(&CreditKey { core: "core".into(), currency: "CNY".into() }));
    assert_eq!(line.unwrap().outstanding, 0);
}

/// Holder and piece lists spanning many storage pages (64 ids each): a holder of 600 pieces
/// lists them all and can give away pieces from any page (the oldest, a middle one, the newest),
/// and the root's lineage lists all 1,203 pieces. (A single stored list stopped at the 64 KiB value limit, about 8,000 ids.) After
/// maturity one call marks all 601 unpaid pieces overdue, and settling them takes seven calls of at most 100 payments: one call for all of them ran
/// out of fuel, so such a root could never be settled.
#[test]
fn holder_and_piece_lists_span_storage_pages() {
    let mut c = Chain::new();
    let root = accepted_voucher(&mut c, 1_000_00);
    let mut rest = root;
    let mut received = Vec::new();
    for _ in 0..600 {
        let r: TransferResult = ok(
            &mut c,
            "supplier1",
            receivables(),
            "transfer",
            enc(&TransferArgs { id: rest, to: "supplier2".into(), amount: 1 }),
        );
        received.push(r.transferred);
        rest = r.remainder.unwrap();
    }
    let ids = |c: &Chain, who: &str| c.held(who).iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(ids(&c, "supplier2"), received, "ascending ids across all pages");

    let give_back = |c: &mut Chain, id: VoucherId| {
        ok::<TransferResult>(
            c,
            "supplier2",
            receivables(),
            "transfer",
            enc(&TransferArgs { id, to: "supplier1".into(), amount: 1 }),
        );
    };
    // Give back the oldest piece (first full page), one from the last full page and the newest
    // (the tail).
    for id in [received[0], received[550], received[599]] {
        give_back(&mut c, id);
    }
    let kept: Vec<VoucherId> = received
        .iter()
        .copied()
        .filter(|id| ![received[0], received[550], received[599]].contains(id))
        .collect();
    assert_eq!(ids(&c, "supplier2"), kept);
    assert_eq!(ids(&c, "supplier1").len(), 4, "its remainder and the three pieces given back");

    // Every way a removal reshapes the pages. supplier2 now holds 597 = 9 full pages of 64 and a
    // tail of 21 (r576..=r596; the three removals above moved r599, r598 and r597 into the
    // holes). Emptying the tail, then removing from the last full page, makes that page the
    // tail; emptying it again and removing from an older page moves the last page into the
    // tail and its last id into the hole.
    let mut given_back: Vec<VoucherId> = received[576..597].to_vec();
    given_back.push(received[520]);
    given_back.extend(received[512..576].iter().filter(|id| **id != received[520] && **id != received[550]));
    given_back.push(received[598]);
    given_back.push(received[100]);
    assert_eq!(given_back.len(), 21 + 1 + 63 + 1);
    for id in given_back.iter().copied() {
        give_back(&mut c, id);
    }
    let kept: Vec<VoucherId> = kept.into_iter().filter(|id| !given_back.contains(id)).collect();
    assert_eq!(kept.len(), 511);
    assert_eq!(ids(&c, "supplier2"), kept);
    assert_eq!(ids(&c, "supplier1").len(), 4 + given_back.len());

    let lineage: Vec<scf_interface::receivables::Voucher> = c.query(receivables(), "lineage", enc(&root));
    assert_eq!(lineage.len(), 1 + 2 * 600 + 3 + given_back.len());
    let live: Amount = lineage.iter().filter(|v| v.status == VoucherStatus::Active).map(|v| v.amount).sum();
    assert_eq!(live, 1_000_00, "the live pieces add up to the face");

    c.days_ahead = 100;
    let marked: Vec<VoucherId> = ok(&mut c, "supplier2", receivables(), "mark_overdue", enc(&root));
    assert_eq!(marked.len(), 601, "every unpaid piece, in one call");
    fund(&mut c, "core", 1_000_00);
    let settle = enc(&SettleArgs { root, token_financier: "bank".into() });
    let mut payments = Vec::new();
    for _ in 0..7 {
        payments.push(ok::<Amount>(&mut c, "core", receivables(), "settle", settle.clone()));
    }
    // 601 live pieces: six full calls, then the last piece (supplier1's remainder, or a 1-fen one).
    assert_eq!(payments.iter().sum::<Amount>(), 1_000_00);
    assert_eq!((balance(&c, "supplier1"), balance(&c, "supplier2")), (1_000_00 - 511, 511));
    assert!(c.held("supplier2").is_empty(), "settled pieces leave their holder's list");
    let m = refused(&mut c, "core", receivables(), "settle", settle);
    assert!(m.contains("has no live, unfrozen pieces to settle"), "{m}");
}
