//! Governance by the validators: they propose adding or removing a validator, changing its
//! voting power, or installing contract code (a new contract, or an upgrade of an existing
//! one), and vote; a change approved by more than two thirds of the voting power passes.
//! A validator-set change takes effect `ACTIVATION_DELAY` blocks after the block that
//! approved it, on every node identically (nodes read the schedule from committed state). A
//! code change leaves a [`CodeApproval`] that the runtime consumes when the code is
//! installed (ADR 0007). Proposals expire `PROPOSAL_LIFETIME_MS` of block time after they
//! are made.
use alloc::{string::String, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

use scf_primitives::{AccountId, ContractAddress, Hash, Height, TimestampMs};

crate::methods! {
    crate::SystemContract::Governance;
    INIT = "init": InitArgs => ();
    /// Proposes a change (a validator of the current set); the proposer votes yes.
    PROPOSE = "propose": Change => Proposal;
    VOTE = "vote": VoteArgs => Proposal;
    PROPOSAL = "proposal": ProposalId => Option<Proposal>;
    OPEN_PROPOSALS = "open_proposals": () => Vec<Proposal>;
    SCHEDULE = "schedule": () => Vec<ScheduledSet>;
    VALIDATORS_AT = "validators_at": Height => Vec<ValidatorEntry>;
    CODE_APPROVAL = "code_approval": Hash => Option<CodeApproval>;
}

/// How long a proposal stays open (block time): a week.
pub const PROPOSAL_LIFETIME_MS: TimestampMs = 7 * 86_400_000;
/// How long passed code may wait to be installed (block time): a week.
pub const CODE_APPROVAL_LIFETIME_MS: TimestampMs = 7 * 86_400_000;

/// What approved code may do once installed.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum CodeAction {
    /// Become a new contract (`Payload::Deploy`).
    Deploy,
    /// Replace the code of `contract`, which keeps its address and storage
    /// (`Payload::Upgrade`; its `migrate` export runs if present).
    Upgrade { contract: ContractAddress },
}

/// Code the validators approved, stored under [`code_approval_key`] of its SHA-256 until
/// installed (the runtime then removes it) or expired.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct CodeApproval {
    pub proposal: ProposalId,
    pub action: CodeAction,
    /// Consensus keys of the validators that approved it.
    pub approvers: Vec<AccountId>,
    /// Last block time at which the code may be installed.
    pub expires_at_ms: TimestampMs,
}

/// Governance storage key of the [`CodeApproval`] for code with SHA-256 `code_hash`.
pub fn code_approval_key(code_hash: &Hash) -> Vec<u8> {
    let mut k = Vec::from(&b"code/"[..]);
    k.extend_from_slice(&code_hash.0);
    k
}

/// Blocks between the approving block and the first height the new set decides.
pub const ACTIVATION_DELAY: Height = 5;
/// Most validators a set may have.
pub const MAX_VALIDATORS: usize = 100;

pub type ProposalId = u64;

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ValidatorEntry {
    pub name: String,
    /// Signs votes and proposals; as an account it signs governance transactions.
    pub consensus_key: AccountId,
    /// The validator's libp2p identity (network admission).
    pub node_key: AccountId,
    pub power: u64,
}

/// The validator set that decides every height from `from_height` on (until the next entry).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ScheduledSet {
    pub from_height: Height,
    pub validators: Vec<ValidatorEntry>,
}

/// Storage key of the `Vec<ScheduledSet>` (ascending `from_height`) the node reads.
pub const SCHEDULE_KEY: &[u8] = b"schedule";

/// The set deciding `height` in `schedule`.
pub fn set_at(schedule: &[ScheduledSet], height: Height) -> Option<&ScheduledSet> {
    schedule.iter().rev().find(|s| s.from_height <= height)
}

/// What a proposal changes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum Change {
    Add(ValidatorEntry),
    Remove {
        consensus_key: AccountId,
    },
    SetPower {
        consensus_key: AccountId,
        power: u64,
    },
    /// Allow the code with this SHA-256 to be installed once, as `action` says.
    Code {
        code_hash: Hash,
        action: CodeAction,
    },
}

impl Change {
    /// Whether it changes the validator set (otherwise it approves code).
    pub fn is_validator_change(&self) -> bool {
        !matches!(self, Change::Code { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub enum ProposalStatus {
    Open,
    /// Approved; the new set decides from `activation_height`.
    Passed {
        activation_height: Height,
    },
    /// More than a third of the voting power voted no: it can never pass.
    Rejected,
    /// Still open `PROPOSAL_LIFETIME_MS` after it was made.
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Proposal {
    pub id: ProposalId,
    pub change: Change,
    pub proposer: AccountId,
    pub created_height: Height,
    /// Block time of the proposal; it expires `PROPOSAL_LIFETIME_MS` later.
    pub created_ms: TimestampMs,
    /// Consensus keys of the validators that voted yes / no (the proposer votes yes).
    pub yes: Vec<AccountId>,
    pub no: Vec<AccountId>,
    pub status: ProposalStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct InitArgs {
    pub validators: Vec<ValidatorEntry>,
    pub registry: ContractAddress,
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct VoteArgs {
    pub proposal: ProposalId,
    pub approve: bool,
}

/// Whether `part` of `total` voting power is more than two thirds (integer arithmetic).
pub fn supermajority(part: u64, total: u64) -> bool {
    3 * part as u128 > 2 * total as u128
}

// ---- events ------------------------------------------------------------------------------

/// Body of `validator_change_voted` and `code_change_voted`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct VoteEvent {
    pub proposal: ProposalId,
    /// The voting validator's name.
    pub voter: String,
    pub approve: bool,
}

use crate::events::{numbered, subject};

crate::events::event_body!(Proposal, [subject::PROPOSAL], |p| alloc::vec![numbered(subject::PROPOSAL, p.id)]);
crate::events::event_body!(VoteEvent, [subject::PROPOSAL], |v| alloc::vec![numbered(
    subject::PROPOSAL,
    v.proposal
)]);

crate::events::events! {
    crate::SystemContract::Governance;
    VALIDATOR_CHANGE_PROPOSED = "validator_change_proposed": Proposal, parties "none (governance concerns everyone)";
    VALIDATOR_CHANGE_VOTED = "validator_change_voted": VoteEvent, parties "none";
    VALIDATOR_CHANGE_PASSED = "validator_change_passed": Proposal, parties "none";
    VALIDATOR_CHANGE_REJECTED = "validator_change_rejected": Proposal, parties "none";
    VALIDATOR_CHANGE_EXPIRED = "validator_change_expired": Proposal, parties "none";
    CODE_CHANGE_PROPOSED = "code_change_proposed": Proposal, parties "none";
    CODE_CHANGE_VOTED = "code_change_voted": VoteEvent, parties "none";
    CODE_CHANGE_PASSED = "code_change_passed": Proposal, parties "none";
    CODE_CHANGE_REJECTED = "code_change_rejected": Proposal, parties "none";
    CODE_CHANGE_EXPIRED = "code_change_expired": Proposal, parties "none";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supermajority_is_strictly_more_than_two_thirds() {
        assert!(!supermajority(2, 3));
        assert!(supermajority(3, 4));
        assert!(!supermajority(2, 4));
        assert!(supermajority(3, 3));
        assert!(!supermajority(6, 9));
        assert!(supermajority(7, 9));
        assert!(supermajority(u64::MAX, u64::MAX));
    }

    #[test]
    fn set_at_picks_the_latest_started_entry() {
        let s = |h| ScheduledSet { from_height: h, validators: Vec::new() };
        let schedule = [s(1), s(10), s(20)];
        assert_eq!(set_at(&schedule, 0), None);
        assert_eq!(set_at(&schedule, 1).unwrap().from_height, 1);
        assert_eq!(set_at(&schedule, 19).unwrap().from_height, 10);
        assert_eq!(set_at(&schedule, 20).unwrap().from_height, 20);
    }
}
