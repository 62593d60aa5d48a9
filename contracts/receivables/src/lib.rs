//! # scf-receivables
//!
//! Digital payable vouchers (双链通 style). A core enterprise issues a voucher to a supplier
//! within a credit line; the supplier accepts it; holders split and transfer it upstream; a
//! holder discounts a piece at a financier, whose approval pays the holder in deposit tokens in
//! the same transaction; at maturity the issuer pays every current holder, or the pieces become
//! overdue. Auditors and operators may freeze a piece.
//!
//! Invariants, after every call: the live pieces of a root add up to the root's amount until
//! they are settled; a piece is financed at most once; a core enterprise's outstanding vouchers
//! never exceed its credit line.
//!
//! Must not: decide membership (it reads the registry's public storage), hold money (payments
//! are deposit-token transfers), or use anything but checked integer arithmetic on amounts.
#![no_std]

extern crate alloc;

use alloc::{
    collections::{BTreeMap, BTreeSet},
    string::String,
    vec::Vec,
};

use scf_sdk::{
    block_time_ms, call_at, caller, emit, ensure, fail,
    interface::{
        deposit_token::{TokenId, TransferFromArgs},
        receivables::{
            discount, net_proceeds, voucher_key, ActionId, ActionOutcome, ActionStatus, Application,
            ApplicationId, ApplicationStatus, ApplyArgs, ApproveArgs, CreditKey, CreditLine, DayCount,
            DiscountError, FinancingTerms, FreezeArgs, FrozenEvent, GrantCreditArgs, InitArgs, IssueArgs,
            IssuedEvent, OrderIssueArgs, OverdueEvent, Params, PendingAction, ProposedAction,
            SetDayCountArgs, SettleArgs, SettledEvent, SplitEvent, TransferArgs, TransferResult,
            TransferredEvent, Voucher, VoucherEvent, VoucherId, VoucherStatus, MAX_TERM_DAYS,
        },
        registry::{Member, Role},
    },
    members,
    paged::PagedList,
    storage, tagged_key, today, Amount, ContractAddress, Event, Hash, Result,
};

use scf_sdk::interface::receivables as api;

scf_sdk::entry_points! {
    api::INIT => init,
    api::GRANT_CREDIT => grant_credit,
    api::ISSUE => issue,
    api::ISSUE_FOR_ORDER => issue_for_order,
    api::ACCEPT => accept,
    api::REJECT => reject,
    api::CANCEL => cancel,
    api::TRANSFER => transfer,
    api::SET_DAY_COUNT => set_day_count,
    api::APPLY_FINANCING => apply_financing,
    api::APPROVE_FINANCING => approve_financing,
    api::REJECT_FINANCING => reject_financing,
    api::WITHDRAW_FINANCING => withdraw_financing,
    api::SETTLE => settle,
    api::MARK_OVERDUE => mark_overdue,
    api::FREEZE => freeze,
    api::UNFREEZE => unfreeze,
    api::GET => get,
    api::LIST_BY_HOLDER => list_by_holder,
    api::LINEAGE => lineage,
    api::CREDIT => credit,
    api::APPLICATION => application,
    api::SET_PARAMS => set_params,
    api::GET_PARAMS => get_params,
    api::PROPOSE => propose,
    api::APPROVE_ACTION => approve_action,
    api::REJECT_ACTION => reject_action,
    api::ACTION => action,
    api::PENDING_ACTIONS => pending_actions,
}

const REGISTRY_KEY: &[u8] = b"registry";
const TOKEN_KEY: &[u8] = b"deposit_token";
const NEXT_ID_KEY: &[u8] = b"next_id";
const NEXT_APP_KEY: &[u8] = b"next_application";
const NEXT_ACTION_KEY: &[u8] = b"next_action";

fn registry() -> ContractAddress {
    storage::get(REGISTRY_KEY).unwrap_or_default()
}

/// Holder → the live pieces it holds.
const HOLDINGS: PagedList = PagedList { tag: b'h' };
/// Root → every piece split from it, in creation order (never removed).
const PIECES: PagedList = PagedList { tag: b'p' };

fn trade_ref_key(h: &Hash) -> Vec<u8> {
    tagged_key(b'r', &h.0)
}

fn credit_key(core: &str, currency: &str) -> Vec<u8> {
    tagged_key(b'c', &scf_sdk::encode(&(core, currency)))
}

fn application_key(id: ApplicationId) -> Vec<u8> {
    tagged_key(b'f', &id.to_be_bytes())
}

fn day_count_key(financier: &str) -> Vec<u8> {
    tagged_key(b'd', financier.as_bytes())
}

fn action_key(id: ActionId) -> Vec<u8> {
    tagged_key(b'x', &id.to_be_bytes())
}

fn pending_actions_key(member: &str) -> Vec<u8> {
    tagged_key(b'q', member.as_bytes())
}

fn load(id: VoucherId) -> Result<Voucher> {
    match storage::get(&voucher_key(id)) {
        Some(v) => Ok(v),
        None => fail!(NotFound, "voucher {id} does not exist"),
    }
}

fn save(v: &Voucher) {
    storage::set(&voucher_key(v.id), v);
}

fn index_add(holder: &str, id: VoucherId) {
    HOLDINGS.push(holder.as_bytes(), id);
}

fn index_remove(holder: &str, id: VoucherId) {
    HOLDINGS.remove(holder.as_bytes(), id);
}

fn add_piece(root: VoucherId, id: VoucherId) {
    PIECES.push(&root.to_be_bytes(), id);
}

fn root_pieces(root: VoucherId) -> Vec<Voucher> {
    PIECES.list(&root.to_be_bytes()).into_iter().filter_map(|id| storage::get(&voucher_key(id))).collect()
}

fn credit_line(core: &str, currency: &str) -> Option<CreditLine> {
    storage::get(&credit_key(core, currency))
}

fn save_credit(line: &CreditLine) {
    storage::set(&credit_key(&line.core, &line.currency), line);
}

/// Lowers the issuer's outstanding amount when vouchers end without being paid or are paid.
fn release_credit(issuer: &str, currency: &str, amount: Amount) {
    if let Some(mut line) = credit_line(issuer, currency) {
        line.outstanding = line.outstanding.saturating_sub(amount);
        save_credit(&line);
    }
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(REGISTRY_KEY).is_none(), AlreadyExists, "receivables is already initialised");
    storage::set(REGISTRY_KEY, &args.registry);
    storage::set(TOKEN_KEY, &args.deposit_token);
    storage::set(NEXT_ID_KEY, &1u64);
    storage::set(NEXT_APP_KEY, &1u64);
    for line in args.credit_lines {
        members::named(&args.registry, &line.core, &[Role::CoreEnterprise])?;
        members::named(&args.registry, &line.granted_by, &[Role::Operator, Role::Financier])?;
        ensure!(
            line.outstanding == 0,
            InvalidArgument,
            "a genesis credit line starts with nothing outstanding"
        );
        save_credit(&line);
    }
    Ok(())
}

const PARAMS_KEY: &[u8] = b"params";

fn params() -> Params {
    storage::get(PARAMS_KEY).unwrap_or_default()
}

fn set_params(p: Params) -> Result<()> {
    members::acting(&registry(), &[Role::Operator])?;
    ensure!(
        (1..=MAX_TERM_DAYS).contains(&p.max_term_days),
        InvalidArgument,
        "the maximum term must be 1 to {MAX_TERM_DAYS} days (PBoC: one year at most)"
    );
    storage::set(PARAMS_KEY, &p);
    emit(api::PARAMS_SET, &p, &[]);
    Ok(())
}

/// Public: every member must know the rules.
fn get_params(_: ()) -> Result<Params> {
    Ok(params())
}

fn grant_credit(args: GrantCreditArgs) -> Result<()> {
    let grantor = members::acting(&registry(), &[Role::Operator, Role::Financier])?;
    members::named(&registry(), &args.core, &[Role::CoreEnterprise])?;
    scf_sdk::validate_currency(&args.currency)?;
    let previous = credit_line(&args.core, &args.currency);
    let outstanding = previous.as_ref().map(|l| l.outstanding).unwrap_or(0);
    let line = CreditLine {
        core: args.core,
        currency: args.currency,
        limit: args.limit,
        outstanding,
        granted_by: grantor.name,
    };
    save_credit(&line);
    // The core, the grantor, and a previous grantor whose line this replaces.
    let previous_grantor = previous.map(|l| l.granted_by).unwrap_or_default();
    let mut parties = alloc::vec![line.core.as_str(), line.granted_by.as_str()];
    if !previous_grantor.is_empty() {
        parties.push(previous_grantor.as_str());
    }
    emit(api::CREDIT_GRANTED, &line, &parties);
    Ok(())
}

/// The acting member for a direct call of an operation that maker–checker members must propose.
fn acting_directly(roles: &[Role], operation: &str) -> Result<Member> {
    let m = members::acting(&registry(), roles)?;
    ensure!(
        !m.maker_checker,
        MakerCheckerRequired,
        "member {} requires maker–checker: propose this {operation} with `propose`, then another of its \
         accounts approves it with `approve_action`",
        m.name
    );
    Ok(m)
}

fn issue(args: IssueArgs) -> Result<VoucherId> {
    let issuer = acting_directly(ISSUE_ROLES, "issue")?;
    do_issue(issuer, args)
}

/// The trade contract turns an accepted invoice on deferred terms into a voucher of the buyer.
/// Only that system contract may name the issuer; the buyer consented to the order's terms and
/// accepted the invoice there (with its maker–checker rule), which is the issuer's act.
fn issue_for_order(args: OrderIssueArgs) -> Result<VoucherId> {
    let trade = scf_sdk::SystemContract::Trade.address();
    ensure!(caller().0 == trade.0, Unauthorized, "only the trade contract issues vouchers for orders");
    let issuer = members::named(&registry(), &args.issuer, ISSUE_ROLES)?;
    do_issue(issuer, args.issue)
}

const ISSUE_ROLES: &[Role] = &[Role::CoreEnterprise];
const TRANSFER_ROLES: &[Role] = &[Role::Supplier, Role::Financier];
const APPLY_ROLES: &[Role] = &[Role::Supplier];

fn do_issue(issuer: Member, args: IssueArgs) -> Result<VoucherId> {
    members::named(&registry(), &args.to, &[Role::Supplier])?;
    ensure!(args.amount > 0, InvalidArgument, "amount must be positive");
    scf_sdk::validate_currency(&args.currency)?;
    let today = today();
    ensure!(args.maturity_day > today, InvalidArgument, "maturity must be after today");
    let term = args.maturity_day - today;
    let max = params().max_term_days;
    ensure!(term <= max, InvalidArgument, "term of {term} days exceeds the chain's maximum of {max} days");
    if let Some(r) = &args.trade_ref {
        if let Some(prior) = storage::get::<VoucherId>(&trade_ref_key(r)) {
            fail!(AlreadyExists, "trade document {r} already backs voucher {prior}");
        }
    }
    // A subsidiary without a line of its own draws on its parent's, while the parent is active.
    let line_owner = match (&issuer.parent, credit_line(&issuer.name, &args.currency)) {
        (Some(parent), None) => members::named(&registry(), parent, &[Role::CoreEnterprise])?.name,
        _ => issuer.name.clone(),
    };
    let Some(mut line) = credit_line(&line_owner, &args.currency) else {
        fail!(NotFound, "{} has no credit line in {}", line_owner, args.currency);
    };
    let Some(outstanding) = line.outstanding.checked_add(args.amount).filter(|o| *o <= line.limit) else {
        fail!(
            CreditExceeded,
            "issuing {} would exceed {}'s credit line: {} outstanding of a {} {} limit",
            args.amount,
            line_owner,
            line.outstanding,
            line.limit,
            line.currency
        );
    };
    line.outstanding = outstanding;
    save_credit(&line);

    let id = storage::next_id(NEXT_ID_KEY);
    let v = Voucher {
        id,
        root_id: id,
        parent_id: None,
        issuer: issuer.name.clone(),
        credit_line_of: line_owner,
        holder: args.to,
        amount: args.amount,
        currency: args.currency,
        issued_at_ms: block_time_ms(),
        maturity_day: args.maturity_day,
        trade_ref: args.trade_ref,
        status: VoucherStatus::PendingAcceptance,
        frozen: None,
        financed_by: None,
        locked_by: None,
    };
    if let Some(r) = &v.trade_ref {
        storage::set(&trade_ref_key(r), &id);
    }
    save(&v);
    add_piece(id, id);
    index_add(&v.holder, id);
    emit(
        api::VOUCHER_ISSUED,
        &IssuedEvent { id, issuer: issuer.name, holder: v.holder.clone(), amount: v.amount },
        &[&v.issuer, &v.holder],
    );
    Ok(id)
}

fn pending_for(id: VoucherId, who: &Member, party_is_holder: bool) -> Result<Voucher> {
    let v = load(id)?;
    ensure!(
        v.status == VoucherStatus::PendingAcceptance,
        InvalidState,
        "voucher {id} is not pending acceptance (status: {})",
        v.status.as_str()
    );
    let (party, name) = if party_is_holder { (&v.holder, "holder") } else { (&v.issuer, "issuer") };
    ensure!(party == &who.name, Unauthorized, "only the {name} of voucher {id} ({party}) may do this");
    Ok(v)
}

fn accept(id: VoucherId) -> Result<()> {
    let who = members::acting(&registry(), &[Role::Supplier])?;
    let mut v = pending_for(id, &who, true)?;
    v.status = VoucherStatus::Active;
    save(&v);
    emit(api::VOUCHER_ACCEPTED, &VoucherEvent { id, by: who.name.clone() }, &[&v.issuer, &v.holder]);
    Ok(())
}

fn end_pending(
    id: VoucherId,
    holder_acts: bool,
    status: VoucherStatus,
    event: Event<VoucherEvent>,
) -> Result<()> {
    let who = members::acting(&registry(), &[])?;
    let mut v = pending_for(id, &who, holder_acts)?;
    v.status = status;
    if let Some(r) = &v.trade_ref {
        // The trade background was never used: it may back a new voucher.
        storage::remove(&trade_ref_key(r));
    }
    release_credit(&v.credit_line_of, &v.currency, v.amount);
    save(&v);
    index_remove(&v.holder, id);
    emit(event, &VoucherEvent { id, by: who.name.clone() }, &[&v.issuer, &v.holder]);
    Ok(())
}

fn reject(id: VoucherId) -> Result<()> {
    end_pending(id, true, VoucherStatus::Rejected, api::VOUCHER_REJECTED)
}

fn cancel(id: VoucherId) -> Result<()> {
    end_pending(id, false, VoucherStatus::Cancelled, api::VOUCHER_CANCELLED)
}

/// Checks that `v` may move: live, unlocked, unfrozen, not matured.
fn movable(v: &Voucher) -> Result<()> {
    if let Some(reason) = &v.frozen {
        fail!(Frozen, "voucher {} is frozen: {reason}", v.id);
    }
    if let Some(app) = v.locked_by {
        fail!(InvalidState, "voucher {} is locked by financing application {app}", v.id);
    }
    ensure!(
        v.status == VoucherStatus::Active,
        InvalidState,
        "voucher {} is not active (status: {})",
        v.id,
        v.status.as_str()
    );
    ensure!(today() < v.maturity_day, Matured, "voucher {} has matured and can no longer move", v.id);
    Ok(())
}

fn child(parent: &Voucher, holder: String, amount: Amount) -> Voucher {
    let id = storage::next_id(NEXT_ID_KEY);
    add_piece(parent.root_id, id);
    Voucher {
        id,
        root_id: parent.root_id,
        parent_id: Some(parent.id),
        issuer: parent.issuer.clone(),
        credit_line_of: parent.credit_line_of.clone(),
        holder,
        amount,
        currency: parent.currency.clone(),
        issued_at_ms: block_time_ms(),
        maturity_day: parent.maturity_day,
        trade_ref: parent.trade_ref,
        status: VoucherStatus::Active,
        frozen: None,
        financed_by: parent.financed_by,
        locked_by: None,
    }
}

/// Ends piece `v` and passes `amount` of it to `to`; the rest stays with the holder as a new
/// piece. Amounts are conserved exactly.
fn split(v: &mut Voucher, to: String, amount: Amount) -> Result<(Voucher, Option<Voucher>)> {
    ensure!(amount > 0, InvalidArgument, "amount must be positive");
    ensure!(
        amount <= v.amount,
        ExceedsAmount,
        "amount {} exceeds voucher {}'s amount {} ({} minor units)",
        amount,
        v.id,
        v.amount,
        v.currency
    );
    let moved = child(v, to, amount);
    let rest = (amount < v.amount).then(|| child(v, v.holder.clone(), v.amount - amount));
    v.status = VoucherStatus::Split;
    save(v);
    index_remove(&v.holder, v.id);
    save(&moved);
    index_add(&moved.holder, moved.id);
    if let Some(r) = &rest {
        save(r);
        index_add(&r.holder, r.id);
        let event = SplitEvent { from_id: v.id, transferred: moved.id, remainder: r.id };
        emit(api::VOUCHER_SPLIT, &event, &[&v.issuer, &v.holder, &moved.holder]);
    }
    Ok((moved, rest))
}

fn transfer(args: TransferArgs) -> Result<TransferResult> {
    let from = acting_directly(TRANSFER_ROLES, "transfer")?;
    do_transfer(from, args)
}

fn do_transfer(from: Member, args: TransferArgs) -> Result<TransferResult> {
    let mut v = load(args.id)?;
    ensure!(
        v.holder == from.name,
        Unauthorized,
        "only the holder of voucher {} ({}) may transfer it",
        v.id,
        v.holder
    );
    members::named(&registry(), &args.to, &[Role::Supplier, Role::Financier])?;
    ensure!(args.to != from.name, InvalidArgument, "cannot transfer voucher {} to its own holder", v.id);
    movable(&v)?;
    let (moved, rest) = split(&mut v, args.to.clone(), args.amount)?;
    let result = TransferResult { transferred: moved.id, remainder: rest.map(|r| r.id) };
    let event = TransferredEvent {
        from_id: v.id,
        from: from.name,
        to: args.to,
        transferred: result.transferred,
        remainder: result.remainder,
        amount: args.amount,
    };
    emit(api::VOUCHER_TRANSFERRED, &event, &[&v.issuer, &event.from, &event.to]);
    Ok(result)
}

fn set_day_count(args: SetDayCountArgs) -> Result<()> {
    let financier = members::acting(&registry(), &[Role::Financier])?;
    storage::set(&day_count_key(&financier.name), &args.day_count);
    Ok(())
}

fn load_application(id: ApplicationId) -> Result<Application> {
    match storage::get(&application_key(id)) {
        Some(a) => Ok(a),
        None => fail!(NotFound, "financing application {id} does not exist"),
    }
}

fn apply_financing(args: ApplyArgs) -> Result<Application> {
    let applicant = acting_directly(APPLY_ROLES, "financing application")?;
    do_apply_financing(applicant, args)
}

fn do_apply_financing(applicant: Member, args: ApplyArgs) -> Result<Application> {
    members::named(&registry(), &args.financier, &[Role::Financier])?;
    let mut v = load(args.id)?;
    ensure!(
        v.holder == applicant.name,
        Unauthorized,
        "only the holder of voucher {} ({}) may finance it",
        v.id,
        v.holder
    );
    if let Some(app) = v.financed_by {
        fail!(
            InvalidState,
            "voucher {} was already financed (application {app}) and cannot be financed again",
            v.id
        );
    }
    movable(&v)?;
    let mut piece =
        if args.amount == v.amount { v } else { split(&mut v, applicant.name.clone(), args.amount)?.0 };
    let id = storage::next_id(NEXT_APP_KEY);
    piece.status = VoucherStatus::Financing;
    piece.locked_by = Some(id);
    save(&piece);
    let app = Application {
        id,
        voucher: piece.id,
        applicant: applicant.name,
        financier: args.financier,
        face: piece.amount,
        status: ApplicationStatus::Pending,
        terms: None,
    };
    storage::set(&application_key(id), &app);
    emit(api::FINANCING_REQUESTED, &app, &[&app.applicant, &app.financier]);
    Ok(app)
}

fn pending_application(id: ApplicationId) -> Result<(Application, Voucher)> {
    let app = load_application(id)?;
    ensure!(
        app.status == ApplicationStatus::Pending,
        InvalidState,
        "financing application {id} is already {}",
        app.status.as_str()
    );
    let v = load(app.voucher)?;
    Ok((app, v))
}

fn unlock(
    mut app: Application,
    mut v: Voucher,
    status: ApplicationStatus,
    event: Event<Application>,
) -> Result<()> {
    app.status = status;
    storage::set(&application_key(app.id), &app);
    if v.status == VoucherStatus::Financing {
        v.status = VoucherStatus::Active;
    }
    v.locked_by = None;
    save(&v);
    emit(event, &app, &[&app.applicant, &app.financier]);
    Ok(())
}

fn approve_financing(args: ApproveArgs) -> Result<Application> {
    let financier = members::acting(&registry(), &[Role::Financier])?;
    let (mut app, mut v) = pending_application(args.application)?;
    ensure!(
        app.financier == financier.name,
        Unauthorized,
        "application {} was made to {}, not {}",
        app.id,
        app.financier,
        financier.name
    );
    if let Some(reason) = &v.frozen {
        fail!(Frozen, "voucher {} is frozen: {reason}", v.id);
    }
    let today = today();
    ensure!(today < v.maturity_day, Matured, "voucher {} has matured and can no longer be financed", v.id);
    ensure!(
        args.rate_bps <= 10_000,
        InvalidArgument,
        "a discount rate of {} bps exceeds 100 %",
        args.rate_bps
    );
    ensure!(
        !args.registry_ref.is_empty() && args.registry_ref.len() <= 64,
        InvalidArgument,
        "a registration reference in the movable-asset financing registry (中登网) is required (1-64 bytes)"
    );
    let day_count: DayCount = storage::get(&day_count_key(&financier.name)).unwrap_or(DayCount::Act360);
    let days = v.maturity_day - today;
    let discount = match discount(v.amount, args.rate_bps, days, day_count) {
        Ok(d) => d,
        Err(_) => fail!(
            Overflow,
            "discount of {} at {} bps for {days} days overflows 128-bit arithmetic",
            v.amount,
            args.rate_bps
        ),
    };
    let net = match net_proceeds(v.amount, discount, args.fee) {
        Ok(n) => n,
        Err(DiscountError::ExceedsFace) | Err(DiscountError::Overflow) => {
            fail!(
                ExceedsAmount,
                "discount {discount} plus fee {} exceed the face amount {}",
                args.fee,
                v.amount
            )
        }
    };
    // The piece passes to the financier as a new piece of the lineage, marked as financed.
    v.locked_by = None;
    v.status = VoucherStatus::Active;
    v.financed_by = Some(app.id);
    let face = v.amount;
    let (to_financier, _) = split(&mut v, financier.name.clone(), face)?;
    app.status = ApplicationStatus::Approved;
    app.terms = Some(FinancingTerms {
        rate_bps: args.rate_bps,
        fee: args.fee,
        day_count,
        days,
        discount,
        net,
        registry_ref: args.registry_ref,
        approved_at_ms: block_time_ms(),
    });
    app.voucher = to_financier.id;
    storage::set(&application_key(app.id), &app);
    if net > 0 {
        let token: ContractAddress = storage::get(TOKEN_KEY).unwrap_or_default();
        let pay = TransferFromArgs {
            token: TokenId { financier: financier.name, currency: v.currency.clone() },
            from: app.financier.clone(),
            to: app.applicant.clone(),
            amount: net,
        };
        call_at(&token, &scf_sdk::interface::deposit_token::TRANSFER_FROM, &pay);
    }
    emit(api::FINANCING_APPROVED, &app, &[&app.applicant, &app.financier, &v.issuer]);
    Ok(app)
}

fn reject_financing(id: ApplicationId) -> Result<()> {
    let financier = members::acting(&registry(), &[Role::Financier])?;
    let (app, v) = pending_application(id)?;
    ensure!(
        app.financier == financier.name,
        Unauthorized,
        "application {id} was made to {}, not {}",
        app.financier,
        financier.name
    );
    unlock(app, v, ApplicationStatus::Rejected, api::FINANCING_REJECTED)
}

fn withdraw_financing(id: ApplicationId) -> Result<()> {
    let applicant = members::acting(&registry(), &[])?;
    let (app, v) = pending_application(id)?;
    ensure!(
        app.applicant == applicant.name,
        Unauthorized,
        "only the applicant {} may withdraw application {id}",
        app.applicant
    );
    unlock(app, v, ApplicationStatus::Withdrawn, api::FINANCING_WITHDRAWN)
}

/// Pieces with an open financing application at maturity: the application lapses.
fn lapse_financing(v: &mut Voucher) {
    if let Some(app_id) = v.locked_by.take() {
        if let Some(mut app) = storage::get::<Application>(&application_key(app_id)) {
            app.status = ApplicationStatus::Withdrawn;
            storage::set(&application_key(app_id), &app);
            emit(api::FINANCING_WITHDRAWN, &app, &[&app.applicant, &app.financier]);
        }
    }
}

/// Pieces one `settle` pays. Each payment is a call into the deposit-token contract; a root split
/// into more pieces than one transaction's fuel can pay (about 300–600) could otherwise never be
/// settled. The issuer calls `settle` again until nothing is left (the CLI says so).
const SETTLE_PIECES_PER_CALL: usize = 100;

fn settle(args: SettleArgs) -> Result<Amount> {
    let issuer = members::acting(&registry(), &[Role::CoreEnterprise])?;
    let root = load(args.root)?;
    ensure!(
        root.root_id == root.id,
        InvalidState,
        "voucher {} is a piece of root {}; settle the root",
        root.id,
        root.root_id
    );
    ensure!(
        root.issuer == issuer.name,
        Unauthorized,
        "only the issuer of voucher {} ({}) may settle it",
        root.id,
        root.issuer
    );
    ensure!(
        today() >= root.maturity_day,
        NotMatured,
        "voucher {} matures on day {}; it cannot be settled before",
        root.id,
        root.maturity_day
    );
    members::named(&registry(), &args.token_financier, &[Role::Financier])?;
    let pieces = root_pieces(root.id);
    if let Some(p) = pieces.iter().find(|p| p.status == VoucherStatus::PendingAcceptance) {
        fail!(InvalidState, "voucher {} was never accepted; cancel it instead", p.id);
    }
    let token_contract: ContractAddress = storage::get(TOKEN_KEY).unwrap_or_default();
    let token = TokenId { financier: args.token_financier, currency: root.currency.clone() };
    let mut paid: Amount = 0;
    let payable = pieces.into_iter().filter(|p| p.status.is_live() && p.frozen.is_none());
    for mut p in payable.take(SETTLE_PIECES_PER_CALL) {
        lapse_financing(&mut p);
        let pay = TransferFromArgs {
            token: token.clone(),
            from: issuer.name.clone(),
            to: p.holder.clone(),
            amount: p.amount,
        };
        call_at(&token_contract, &scf_sdk::interface::deposit_token::TRANSFER_FROM, &pay);
        p.status = VoucherStatus::Settled;
        save(&p);
        index_remove(&p.holder, p.id);
        paid += p.amount;
        let event = SettledEvent { id: p.id, root_id: root.id, holder: p.holder, amount: p.amount };
        emit(api::VOUCHER_SETTLED, &event, &[&root.issuer, &event.holder]);
    }
    ensure!(paid > 0, InvalidState, "voucher {} has no live, unfrozen pieces to settle", root.id);
    release_credit(&root.credit_line_of, &root.currency, paid);
    Ok(paid)
}

fn mark_overdue(root_id: VoucherId) -> Result<Vec<VoucherId>> {
    members::acting(&registry(), &[])?;
    let root = load(root_id)?;
    ensure!(root.root_id == root.id, InvalidState, "voucher {} is a piece of root {}", root.id, root.root_id);
    ensure!(today() > root.maturity_day, NotMatured, "voucher {} is not past its maturity", root.id);
    let mut marked = Vec::new();
    for mut p in root_pieces(root.id) {
        if matches!(p.status, VoucherStatus::Active | VoucherStatus::Financing) {
            lapse_financing(&mut p);
            p.status = VoucherStatus::Overdue;
            save(&p);
            marked.push(p.id);
            let event = OverdueEvent { id: p.id, holder: p.holder.clone(), amount: p.amount };
            emit(api::VOUCHER_OVERDUE, &event, &[&root.issuer, &p.holder]);
        }
    }
    ensure!(!marked.is_empty(), InvalidState, "voucher {} has no unpaid pieces to mark overdue", root.id);
    Ok(marked)
}

fn freeze(args: FreezeArgs) -> Result<()> {
    let who = members::acting(&registry(), &[Role::Auditor, Role::Operator])?;
    ensure!(
        !args.reason.is_empty() && args.reason.len() <= 256,
        InvalidArgument,
        "a freeze needs a reason of 1-256 bytes"
    );
    let mut v = load(args.id)?;
    ensure!(v.status.is_live(), InvalidState, "voucher {} is not live (status: {})", v.id, v.status.as_str());
    ensure!(v.frozen.is_none(), InvalidState, "voucher {} is already frozen", v.id);
    v.frozen = Some(args.reason.clone());
    save(&v);
    let event = FrozenEvent { id: v.id, by: who.name.clone(), reason: args.reason };
    emit(api::VOUCHER_FROZEN, &event, &[&v.issuer, &v.holder, &who.name]);
    Ok(())
}

fn unfreeze(id: VoucherId) -> Result<()> {
    let who = members::acting(&registry(), &[Role::Auditor, Role::Operator])?;
    let mut v = load(id)?;
    ensure!(v.frozen.is_some(), InvalidState, "voucher {id} is not frozen");
    v.frozen = None;
    save(&v);
    emit(
        api::VOUCHER_UNFROZEN,
        &VoucherEvent { id, by: who.name.clone() },
        &[&v.issuer, &v.holder, &who.name],
    );
    Ok(())
}

fn roles_for(action: &ProposedAction) -> &'static [Role] {
    match action {
        ProposedAction::Issue(_) => ISSUE_ROLES,
        ProposedAction::Transfer(_) => TRANSFER_ROLES,
        ProposedAction::ApplyFinancing(_) => APPLY_ROLES,
    }
}

/// Maker: records an operation for a second account of the same member to approve. Any
/// member may use it; for a maker–checker member it is the only way to issue, transfer or
/// apply for financing. The operation's rules are checked when it is approved and runs.
fn propose(action: ProposedAction) -> Result<PendingAction> {
    let member = members::acting(&registry(), roles_for(&action))?;
    let id = storage::next_id(NEXT_ACTION_KEY);
    let pending = PendingAction {
        id,
        member: member.name.clone(),
        action,
        status: ActionStatus::Pending,
        proposed_by: caller(),
        proposed_at_ms: block_time_ms(),
        decided_by: None,
    };
    storage::set(&action_key(id), &pending);
    let mut open: Vec<ActionId> = storage::get(&pending_actions_key(&member.name)).unwrap_or_default();
    open.push(id);
    storage::set(&pending_actions_key(&member.name), &open);
    emit(api::ACTION_PROPOSED, &pending, &[&pending.member]);
    Ok(pending)
}

/// The open action `id` and the member it belongs to, if the caller is one of its accounts.
fn open_action(id: ActionId) -> Result<(PendingAction, Member)> {
    let Some(pending) = storage::get::<PendingAction>(&action_key(id)) else {
        fail!(NotFound, "action {id} does not exist");
    };
    ensure!(
        pending.status == ActionStatus::Pending,
        InvalidState,
        "action {id} is already {}",
        pending.status.as_str()
    );
    let member = members::named(&registry(), &pending.member, roles_for(&pending.action))?;
    let who = caller();
    ensure!(
        member.accounts.contains(&who),
        Unauthorized,
        "account {who} does not act for {}, which proposed action {id}",
        member.name
    );
    Ok((pending, member))
}

fn close_action(mut pending: PendingAction, status: ActionStatus) {
    pending.status = status;
    pending.decided_by = Some(caller());
    storage::set(&action_key(pending.id), &pending);
    let key = pending_actions_key(&pending.member);
    let mut open: Vec<ActionId> = storage::get(&key).unwrap_or_default();
    open.retain(|x| *x != pending.id);
    if open.is_empty() {
        storage::remove(&key);
    } else {
        storage::set(&key, &open);
    }
    let event = if status == ActionStatus::Executed { api::ACTION_APPROVED } else { api::ACTION_REJECTED };
    emit(event, &pending, &[&pending.member]);
}

/// Checker: another account of the proposing member approves, and the operation runs now.
/// If it fails (say the voucher was frozen meanwhile) the whole call fails and the action stays
/// pending, to be approved later or rejected.
fn approve_action(id: ActionId) -> Result<ActionOutcome> {
    let (pending, member) = open_action(id)?;
    ensure!(
        caller() != pending.proposed_by,
        MakerCheckerRequired,
        "the account that proposed action {id} cannot approve it; another account of {} must",
        member.name
    );
    let outcome = match pending.action.clone() {
        ProposedAction::Issue(args) => ActionOutcome::Issued(do_issue(member, args)?),
        ProposedAction::Transfer(args) => ActionOutcome::Transferred(do_transfer(member, args)?),
        ProposedAction::ApplyFinancing(args) => {
            ActionOutcome::FinancingRequested(do_apply_financing(member, args)?)
        }
    };
    close_action(pending, ActionStatus::Executed);
    Ok(outcome)
}

/// Any account of the proposing member rejects (or, for the maker, withdraws) an open action.
fn reject_action(id: ActionId) -> Result<()> {
    let (pending, _) = open_action(id)?;
    close_action(pending, ActionStatus::Rejected);
    Ok(())
}

// ---- Queries. Their data is commercial secret between the parties: a query must be signed by
// a member's account (the node verifies it and passes the account as caller), and each reveals
// only what that member may see. Auditors and operators see everything.

/// The pieces of `root` that `m` may see: all of them for an overseer, the issuer, or the core
/// enterprise whose line it draws on; otherwise the pieces `m` holds or held, the pieces it
/// split off to others, the ancestors of those (the provenance back to the issuance), and
/// pieces under an application made to `m`.
fn visible_pieces(root: VoucherId, m: &Member) -> Vec<Voucher> {
    let pieces = root_pieces(root);
    let Some(first) = pieces.first() else {
        return pieces;
    };
    if members::oversees(m) || first.issuer == m.name || first.credit_line_of == m.name {
        return pieces;
    }
    let parents: BTreeMap<VoucherId, Option<VoucherId>> =
        pieces.iter().map(|p| (p.id, p.parent_id)).collect();
    let mut visible = BTreeSet::new();
    for p in &pieces {
        let applied_to_m = p
            .locked_by
            .and_then(|app| storage::get::<Application>(&application_key(app)))
            .is_some_and(|app| app.financier == m.name);
        let split_off_by_m = p
            .parent_id
            .and_then(|parent| pieces.iter().find(|x| x.id == parent))
            .is_some_and(|parent| parent.holder == m.name);
        if p.holder == m.name || split_off_by_m || applied_to_m {
            let mut next = Some(p.id);
            while let Some(id) = next {
                if !visible.insert(id) {
                    break;
                }
                next = parents.get(&id).copied().flatten();
            }
        }
    }
    pieces.into_iter().filter(|p| visible.contains(&p.id)).collect()
}

fn get(id: VoucherId) -> Result<Option<Voucher>> {
    let m = members::viewer(&registry(), "member")?;
    let Some(v) = storage::get::<Voucher>(&voucher_key(id)) else {
        return Ok(None);
    };
    ensure!(
        visible_pieces(v.root_id, &m).iter().any(|p| p.id == id),
        NotVisible,
        "voucher {id} is not visible to {}: members see the vouchers they hold, held or issued",
        m.name
    );
    Ok(Some(v))
}

fn list_by_holder(holder: String) -> Result<Vec<Voucher>> {
    let m = members::viewer(&registry(), "member")?;
    ensure!(
        m.name == holder || members::oversees(&m),
        NotVisible,
        "only {holder}, an auditor or an operator may list {holder}'s vouchers"
    );
    // Ascending ids: issue and split order, whatever removals did to the list's order.
    let mut ids = HOLDINGS.list(holder.as_bytes());
    ids.sort_unstable();
    Ok(ids.into_iter().filter_map(|id| storage::get(&voucher_key(id))).collect())
}

/// The pieces descended from `root` that the caller may see, in creation order, with holders,
/// amounts and statuses: the whole tree for auditors, operators and the issuer.
fn lineage(root: VoucherId) -> Result<Vec<Voucher>> {
    let m = members::viewer(&registry(), "member")?;
    let v = load(root)?;
    let pieces = visible_pieces(v.root_id, &m);
    ensure!(!pieces.is_empty(), NotVisible, "voucher {root} is not visible to {}", m.name);
    Ok(pieces)
}

fn credit(key: CreditKey) -> Result<Option<CreditLine>> {
    let m = members::viewer(&registry(), "member")?;
    let group = m.name == key.core || m.parent.as_deref() == Some(key.core.as_str());
    ensure!(
        group || members::oversees(&m) || m.role == Role::Financier,
        NotVisible,
        "the credit line of {} is visible to its group, financiers, auditors and operators",
        key.core
    );
    Ok(credit_line(&key.core, &key.currency))
}

fn application(id: ApplicationId) -> Result<Option<Application>> {
    let m = members::viewer(&registry(), "member")?;
    let Some(app) = storage::get::<Application>(&application_key(id)) else {
        return Ok(None);
    };
    ensure!(
        app.applicant == m.name || app.financier == m.name || members::oversees(&m),
        NotVisible,
        "financing application {id} is visible to its applicant and financier only"
    );
    Ok(Some(app))
}

fn action(id: ActionId) -> Result<Option<PendingAction>> {
    let m = members::viewer(&registry(), "member")?;
    let Some(a) = storage::get::<PendingAction>(&action_key(id)) else {
        return Ok(None);
    };
    ensure!(
        a.member == m.name || members::oversees(&m),
        NotVisible,
        "action {id} is visible to {} only",
        a.member
    );
    Ok(Some(a))
}

/// Open actions of `member`, oldest first.
fn pending_actions(member: String) -> Result<Vec<PendingAction>> {
    let m = members::viewer(&registry(), "member")?;
    ensure!(
        m.name == member || members::oversees(&m),
        NotVisible,
        "the actions of {member} are visible to {member} only"
    );
    let ids: Vec<ActionId> = storage::get(&pending_actions_key(&member)).unwrap_or_default();
    Ok(ids.into_iter().filter_map(|id| storage::get(&action_key(id))).collect())
}
