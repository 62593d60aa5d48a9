//! Governance rules on the host: only validators propose and vote, code approvals are recorded
//! for exactly the proposed action, impossible changes are refused when proposed.
use scf_contract_testkit::{account, Consortium};
use scf_sdk::{
    interface::governance::{self as gv, Change, CodeAction, ProposalStatus, ValidatorEntry, VoteArgs},
    ErrorCode, Hash,
};

#[test]
fn validators_approve_code_and_members_cannot() {
    let c = Consortium::new();
    let code = Change::Code { code_hash: Hash([7; 32]), action: CodeAction::Deploy };
    let member = c.call("operator", gv::PROPOSE, &code).unwrap_err();
    assert_eq!(member.error_code(), Some(ErrorCode::Unauthorized), "{member:?}");
    // One validator holds all the power: its proposal passes at once.
    let p = c.ok("validator0", gv::PROPOSE, &code);
    assert!(matches!(p.status, ProposalStatus::Passed { .. }), "{p:?}");
    let topics: Vec<_> = c.chain.events().iter().map(|e| e.topic.clone()).collect();
    assert_eq!(topics, [gv::CODE_CHANGE_PROPOSED.topic, gv::CODE_CHANGE_PASSED.topic]);
    assert!(c.chain.events().iter().all(|e| e.parties.is_empty()), "governance concerns everyone");
    let approval = c.query("anyone", gv::CODE_APPROVAL, &Hash([7; 32])).unwrap().expect("recorded");
    assert_eq!((approval.proposal, approval.action), (p.id, CodeAction::Deploy));
    assert_eq!(approval.approvers, [account("validator0")]);
    let closed = c.call("validator0", gv::VOTE, &VoteArgs { proposal: p.id, approve: true }).unwrap_err();
    assert_eq!(closed.error_code(), Some(ErrorCode::InvalidState));
}

#[test]
fn impossible_validator_changes_are_refused_when_proposed() {
    let c = Consortium::new();
    let stranger = Change::Remove { consensus_key: account("stranger") };
    assert_eq!(
        c.call("validator0", gv::PROPOSE, &stranger).unwrap_err().error_code(),
        Some(ErrorCode::NotFound)
    );
    let empty = Change::Remove { consensus_key: account("validator0") };
    assert_eq!(
        c.call("validator0", gv::PROPOSE, &empty).unwrap_err().error_code(),
        Some(ErrorCode::InvalidArgument)
    );
    let twin = Change::Add(ValidatorEntry {
        name: "validator1".into(),
        consensus_key: account("validator0"),
        node_key: account("validator1/node"),
        power: 1,
    });
    assert_eq!(
        c.call("validator0", gv::PROPOSE, &twin).unwrap_err().error_code(),
        Some(ErrorCode::AlreadyExists)
    );
    let zero = Change::SetPower { consensus_key: account("validator0"), power: 0 };
    assert_eq!(
        c.call("validator0", gv::PROPOSE, &zero).unwrap_err().error_code(),
        Some(ErrorCode::InvalidArgument)
    );
}
