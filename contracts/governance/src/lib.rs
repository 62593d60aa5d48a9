//! # scf-governance
//!
//! The validator set and the chain's code, changed by the validators. They propose adding or
//! removing a validator, changing its voting power, or installing contract code (a new contract,
//! or an upgrade of an existing one, system contracts included), and vote with their consensus
//! keys; a proposal approved by more than two thirds of the current voting power passes, one
//! refused by at least a third is rejected, one still open a week after it was made expires.
//!
//! A passed validator-set change schedules the new set from `ACTIVATION_DELAY` blocks later. The
//! schedule (storage key `SCHEDULE_KEY`) is what every node reads to know who decides each
//! height, so a change takes effect on all nodes at the same height. Validators' node keys are
//! kept in step in the registry's network membership.
//!
//! A passed code change stores a `CodeApproval` under `code_approval_key(code_hash)`: the
//! runtime lets a `Deploy` or `Upgrade` install exactly that code, once, before it expires, and
//! removes the approval when it does (ADR 0007).
//!
//! Must not: let anyone but a validator of the current set propose or vote, let a vote count
//! twice, schedule an empty set, or count votes on an expired proposal.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use scf_sdk::{
    block_height, block_time_ms, call_at, caller, emit, ensure, fail,
    interface::{
        governance::{
            code_approval_key, set_at, supermajority, Change, CodeApproval, InitArgs, Proposal, ProposalId,
            ProposalStatus, ScheduledSet, ValidatorEntry, VoteArgs, VoteEvent, ACTIVATION_DELAY,
            CODE_APPROVAL_LIFETIME_MS, MAX_VALIDATORS, PROPOSAL_LIFETIME_MS, SCHEDULE_KEY,
        },
        registry::SetValidatorNodeArgs,
    },
    storage, AccountId, ContractAddress, Event, Result,
};

use scf_sdk::interface::governance as api;

scf_sdk::entry_points! {
    api::INIT => init,
    api::PROPOSE => propose,
    api::VOTE => vote,
    api::PROPOSAL => proposal,
    api::OPEN_PROPOSALS => open_proposals,
    api::SCHEDULE => schedule,
    api::VALIDATORS_AT => validators_at,
    api::CODE_APPROVAL => code_approval,
}

const REGISTRY_KEY: &[u8] = b"registry";
const NEXT_ID_KEY: &[u8] = b"next_id";
const OPEN_KEY: &[u8] = b"open";

fn proposal_key(id: ProposalId) -> Vec<u8> {
    let mut k = Vec::from(&b"p"[..]);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn load_schedule() -> Vec<ScheduledSet> {
    storage::get(SCHEDULE_KEY).unwrap_or_default()
}

fn check_set(validators: &[ValidatorEntry]) -> Result<()> {
    ensure!(!validators.is_empty(), InvalidArgument, "a validator set cannot be empty");
    ensure!(
        validators.len() <= MAX_VALIDATORS,
        LimitReached,
        "a validator set has at most {MAX_VALIDATORS} validators"
    );
    let mut total: u64 = 0;
    for (i, v) in validators.iter().enumerate() {
        ensure!(v.power > 0, InvalidArgument, "validator {} needs a positive voting power", v.name);
        ensure!(
            !v.name.is_empty() && v.name.len() <= 64,
            InvalidArgument,
            "validator name {:?} must be 1-64 bytes",
            v.name
        );
        total = match total.checked_add(v.power) {
            Some(t) if t <= u64::MAX / 3 => t,
            _ => fail!(InvalidArgument, "total voting power is too large"),
        };
        if validators[..i]
            .iter()
            .any(|o| o.name == v.name || o.consensus_key == v.consensus_key || o.node_key == v.node_key)
        {
            fail!(AlreadyExists, "validator {} repeats another's name, consensus key or node key", v.name);
        }
    }
    Ok(())
}

fn init(args: InitArgs) -> Result<()> {
    ensure!(storage::get_raw(SCHEDULE_KEY).is_none(), AlreadyExists, "governance is already initialised");
    check_set(&args.validators)?;
    storage::set(REGISTRY_KEY, &args.registry);
    storage::set(SCHEDULE_KEY, &alloc::vec![ScheduledSet { from_height: 1, validators: args.validators }]);
    Ok(())
}

/// The set deciding the block being executed, and the caller's entry in it.
fn current_validator() -> Result<(Vec<ValidatorEntry>, ValidatorEntry)> {
    let schedule = load_schedule();
    let Some(set) = set_at(&schedule, block_height()) else {
        fail!(NotFound, "no validator set for height {}", block_height());
    };
    let who = caller();
    match set.validators.iter().find(|v| v.consensus_key == who) {
        Some(v) => Ok((set.validators.clone(), v.clone())),
        None => fail!(
            Unauthorized,
            "{who} is not a validator of the current set: only validators propose and vote"
        ),
    }
}

/// The set a validator-set change applies to: the latest scheduled one (changes compose in
/// order). A code change leaves the set as it is.
fn apply(change: &Change, base: &[ValidatorEntry]) -> Result<Vec<ValidatorEntry>> {
    let mut set = base.to_vec();
    match change {
        Change::Add(v) => set.push(v.clone()),
        Change::Remove { consensus_key } => {
            let before = set.len();
            set.retain(|v| v.consensus_key != *consensus_key);
            ensure!(set.len() < before, NotFound, "{consensus_key} is not a validator");
        }
        Change::SetPower { consensus_key, power } => {
            match set.iter_mut().find(|v| v.consensus_key == *consensus_key) {
                Some(v) => v.power = *power,
                None => fail!(NotFound, "{consensus_key} is not a validator"),
            }
        }
        Change::Code { .. } => return Ok(set),
    }
    check_set(&set)?;
    Ok(set)
}

fn expired(p: &Proposal) -> bool {
    block_time_ms() > p.created_ms.saturating_add(PROPOSAL_LIFETIME_MS)
}

/// A step in a proposal's life, for its event.
#[derive(Clone, Copy)]
enum Step {
    Proposed,
    Passed,
    Rejected,
    Expired,
}

/// The event of `step` for `p`: validator-set changes and code changes have topics of their own.
fn proposal_event(p: &Proposal, step: Step) -> Event<Proposal> {
    match (p.change.is_validator_change(), step) {
        (true, Step::Proposed) => api::VALIDATOR_CHANGE_PROPOSED,
        (true, Step::Passed) => api::VALIDATOR_CHANGE_PASSED,
        (true, Step::Rejected) => api::VALIDATOR_CHANGE_REJECTED,
        (true, Step::Expired) => api::VALIDATOR_CHANGE_EXPIRED,
        (false, Step::Proposed) => api::CODE_CHANGE_PROPOSED,
        (false, Step::Passed) => api::CODE_CHANGE_PASSED,
        (false, Step::Rejected) => api::CODE_CHANGE_REJECTED,
        (false, Step::Expired) => api::CODE_CHANGE_EXPIRED,
    }
}

/// Governance concerns the whole consortium: its events name no parties.
fn announce(p: &Proposal, step: Step) {
    emit(proposal_event(p, step), p, &[]);
}

fn latest_set() -> Vec<ValidatorEntry> {
    load_schedule().last().map(|s| s.validators.clone()).unwrap_or_default()
}

/// Most proposals open at once: the open list is read whole by `open_proposals`.
const MAX_OPEN: usize = 64;

fn propose(change: Change) -> Result<Proposal> {
    let (_, me) = current_validator()?;
    // Refuse now what could never apply, so validators vote only on meaningful changes.
    apply(&change, &latest_set())?;
    let mut open: Vec<ProposalId> = storage::get(OPEN_KEY).unwrap_or_default();
    // Expired proposals leave the open list here, the first time anyone proposes after.
    open.retain(|id| {
        let Some(mut p) = storage::get::<Proposal>(&proposal_key(*id)) else { return false };
        if !expired(&p) {
            return true;
        }
        p.status = ProposalStatus::Expired;
        storage::set(&proposal_key(p.id), &p);
        announce(&p, Step::Expired);
        false
    });
    ensure!(open.len() < MAX_OPEN, LimitReached, "{MAX_OPEN} proposals are open already: vote on them first");
    let id: ProposalId = storage::get(NEXT_ID_KEY).unwrap_or(1);
    storage::set(NEXT_ID_KEY, &(id + 1));
    let mut p = Proposal {
        id,
        change,
        proposer: me.consensus_key,
        created_height: block_height(),
        created_ms: block_time_ms(),
        yes: alloc::vec![me.consensus_key],
        no: Vec::new(),
        status: ProposalStatus::Open,
    };
    open.push(id);
    storage::set(OPEN_KEY, &open);
    announce(&p, Step::Proposed);
    tally(&mut p)?;
    Ok(p)
}

/// Records a vote. A vote on a proposal past its lifetime counts nothing: it marks the
/// proposal expired (and succeeds, so that the expiry is stored) and returns it.
fn vote(args: VoteArgs) -> Result<Proposal> {
    let (_, me) = current_validator()?;
    let Some(mut p) = storage::get::<Proposal>(&proposal_key(args.proposal)) else {
        fail!(NotFound, "proposal {} does not exist", args.proposal);
    };
    ensure!(p.status == ProposalStatus::Open, InvalidState, "proposal {} is no longer open", p.id);
    if expired(&p) {
        p.status = ProposalStatus::Expired;
        announce(&p, Step::Expired);
        close(&p);
        return Ok(p);
    }
    ensure!(
        !p.yes.contains(&me.consensus_key) && !p.no.contains(&me.consensus_key),
        AlreadyExists,
        "validator {} already voted on proposal {}",
        me.name,
        p.id
    );
    if args.approve {
        p.yes.push(me.consensus_key);
    } else {
        p.no.push(me.consensus_key);
    }
    let vote =
        if p.change.is_validator_change() { api::VALIDATOR_CHANGE_VOTED } else { api::CODE_CHANGE_VOTED };
    emit(vote, &VoteEvent { proposal: p.id, voter: me.name, approve: args.approve }, &[]);
    tally(&mut p)?;
    Ok(p)
}

/// Counts votes by the power of the set deciding this block (votes of validators who have left
/// it no longer count), then passes, rejects or keeps the proposal open, and saves it.
fn tally(p: &mut Proposal) -> Result<()> {
    let (set, _) = current_validator()?;
    let power = |keys: &[AccountId]| -> u64 {
        set.iter().filter(|v| keys.contains(&v.consensus_key)).map(|v| v.power).sum()
    };
    let total: u64 = set.iter().map(|v| v.power).sum();
    if supermajority(power(&p.yes), total) {
        if let Change::Code { code_hash, action } = &p.change {
            let approval = CodeApproval {
                proposal: p.id,
                action: action.clone(),
                approvers: p.yes.clone(),
                expires_at_ms: block_time_ms().saturating_add(CODE_APPROVAL_LIFETIME_MS),
            };
            storage::set(&code_approval_key(code_hash), &approval);
            p.status = ProposalStatus::Passed { activation_height: block_height() };
            announce(p, Step::Passed);
            close(p);
            return Ok(());
        }
        let new_set = apply(&p.change, &latest_set())?;
        let activation_height = block_height() + ACTIVATION_DELAY;
        let mut schedule = load_schedule();
        // Entries no longer needed: those superseded before this block.
        let now = block_height();
        while schedule.len() > 1 && schedule[1].from_height <= now {
            schedule.remove(0);
        }
        match schedule.last_mut() {
            Some(last) if last.from_height == activation_height => last.validators = new_set,
            _ => schedule.push(ScheduledSet { from_height: activation_height, validators: new_set }),
        }
        storage::set(SCHEDULE_KEY, &schedule);
        p.status = ProposalStatus::Passed { activation_height };
        sync_registry(&p.change);
        announce(p, Step::Passed);
    } else if 3 * power(&p.no) as u128 >= total as u128 {
        p.status = ProposalStatus::Rejected;
        announce(p, Step::Rejected);
    }
    close(p);
    Ok(())
}

/// Saves the proposal, and drops it from the open list once it is decided.
fn close(p: &Proposal) {
    if p.status != ProposalStatus::Open {
        let mut open: Vec<ProposalId> = storage::get(OPEN_KEY).unwrap_or_default();
        open.retain(|x| *x != p.id);
        storage::set(OPEN_KEY, &open);
    }
    storage::set(&proposal_key(p.id), p);
}

/// Admits an added validator's node to the network, or removes a departing one's.
fn sync_registry(change: &Change) {
    let registry: ContractAddress = storage::get(REGISTRY_KEY).unwrap_or_default();
    let args = match change {
        Change::Add(v) => SetValidatorNodeArgs { name: v.name.clone(), node_key: v.node_key, present: true },
        Change::Remove { consensus_key } => {
            let Some(v) = load_schedule()
                .iter()
                .flat_map(|s| s.validators.iter())
                .find(|v| v.consensus_key == *consensus_key)
                .cloned()
            else {
                return;
            };
            // Still deciding until activation: keep its node admitted while it validates in any
            // scheduled set.
            if load_schedule().last().is_some_and(|s| s.validators.iter().any(|x| x.node_key == v.node_key)) {
                return;
            }
            SetValidatorNodeArgs { name: v.name, node_key: v.node_key, present: false }
        }
        Change::SetPower { .. } | Change::Code { .. } => return,
    };
    call_at(&registry, &scf_sdk::interface::registry::SET_VALIDATOR_NODE, &args);
}

fn proposal(id: ProposalId) -> Result<Option<Proposal>> {
    Ok(storage::get(&proposal_key(id)))
}

/// Open proposals that have not expired.
fn open_proposals(_: ()) -> Result<Vec<Proposal>> {
    let open: Vec<ProposalId> = storage::get(OPEN_KEY).unwrap_or_default();
    Ok(open
        .into_iter()
        .filter_map(|id| storage::get::<Proposal>(&proposal_key(id)))
        .filter(|p| !expired(p))
        .collect())
}

/// The live approval of code with this SHA-256, if any (an expired one is `None`).
fn code_approval(code_hash: scf_sdk::primitives::Hash) -> Result<Option<CodeApproval>> {
    Ok(storage::get::<CodeApproval>(&code_approval_key(&code_hash))
        .filter(|a| block_time_ms() <= a.expires_at_ms))
}

fn schedule(_: ()) -> Result<Vec<ScheduledSet>> {
    Ok(load_schedule())
}

fn validators_at(height: u64) -> Result<Vec<ValidatorEntry>> {
    match set_at(&load_schedule(), height) {
        Some(s) => Ok(s.validators.clone()),
        None => fail!(NotFound, "no validator set for height {height}"),
    }
}
