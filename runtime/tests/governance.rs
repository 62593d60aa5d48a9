//! Validator-set governance on the real contract: who may propose and vote, how votes are
//! weighed, when a change takes effect, and that the network membership follows.
mod common;
use common::*;
use scf_interface::{
    governance::{
        Change, Proposal, ProposalStatus, ScheduledSet, ValidatorEntry, VoteArgs, ACTIVATION_DELAY,
    },
    registry::{NetworkNode, NodeRole},
};
use scf_primitives::{crypto::Keypair, ContractAddress};

fn governance() -> ContractAddress {
    scf_interface::SystemContract::Governance.address()
}

fn entry(name: &str, power: u64) -> ValidatorEntry {
    ValidatorEntry {
        name: name.into(),
        consensus_key: Keypair::dev(name).account_id(),
        node_key: Keypair::dev(&format!("{name}/node")).account_id(),
        power,
    }
}

fn validators_at(c: &Chain, height: u64) -> Vec<(String, u64)> {
    let set: Vec<ValidatorEntry> = c.query(governance(), "validators_at", enc(&height));
    set.into_iter().map(|v| (v.name, v.power)).collect()
}

#[test]
fn validators_change_the_set_by_supermajority_at_a_later_height() {
    let mut c = Chain::new();
    let genesis_set: Vec<ScheduledSet> = c.query(governance(), "schedule", vec![]);
    assert_eq!(genesis_set.len(), 1);
    assert_eq!(validators_at(&c, 1), [("validator0".to_string(), 1)]);

    // Only validators of the current set propose.
    let m = refused(&mut c, "core", governance(), "propose", enc(&Change::Add(entry("v1", 1))));
    assert!(m.contains("is not a validator of the current set"), "{m}");
    // A change that could never apply is refused up front.
    let empty = Change::Remove { consensus_key: Keypair::dev("validator0").account_id() };
    let m = refused(&mut c, "validator0", governance(), "propose", enc(&empty));
    assert!(m.contains("cannot be empty"), "{m}");
    let twin = ValidatorEntry { name: "twin".into(), ..entry("validator0", 1) };
    let m = refused(&mut c, "validator0", governance(), "propose", enc(&Change::Add(twin)));
    assert!(m.contains("repeats another's name, consensus key or node key"), "{m}");

    // With one validator its own proposal is a supermajority: it passes at once and takes
    // effect ACTIVATION_DELAY blocks later.
    let p: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&Change::Add(entry("v1", 1))));
    let passed_at = c.height;
    assert_eq!(p.status, ProposalStatus::Passed { activation_height: passed_at + ACTIVATION_DELAY });
    assert_eq!(validators_at(&c, passed_at + ACTIVATION_DELAY - 1), [("validator0".to_string(), 1)]);
    assert_eq!(
        validators_at(&c, passed_at + ACTIVATION_DELAY),
        [("validator0".to_string(), 1), ("v1".to_string(), 1)]
    );
    // The new validator's node is admitted to the network right away.
    let nodes: Vec<NetworkNode> = c.query(scf_interface::SystemContract::Registry.address(), "nodes", vec![]);
    assert!(nodes.iter().any(|n| n.name == "v1" && n.role == NodeRole::Validator));

    // Before activation v1 is not yet a validator.
    let m = refused(&mut c, "v1", governance(), "propose", enc(&Change::Add(entry("v2", 1))));
    assert!(m.contains("not a validator of the current set"), "{m}");
    while c.height < passed_at + ACTIVATION_DELAY - 1 {
        c.block(&[]);
    }

    // Two validators of power 1: one yes is not more than two thirds; a no from the other
    // (half the power, at least a third) rejects.
    let remove_v1 = Change::Remove { consensus_key: Keypair::dev("v1").account_id() };
    let p: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&remove_v1));
    assert_eq!(p.status, ProposalStatus::Open);
    let m =
        refused(&mut c, "validator0", governance(), "vote", enc(&VoteArgs { proposal: p.id, approve: true }));
    assert!(m.contains("already voted"), "{m}");
    let p: Proposal =
        ok(&mut c, "v1", governance(), "vote", enc(&VoteArgs { proposal: p.id, approve: false }));
    assert_eq!(p.status, ProposalStatus::Rejected);
    let m = refused(&mut c, "v1", governance(), "vote", enc(&VoteArgs { proposal: p.id, approve: true }));
    assert!(m.contains("no longer open"), "{m}");

    // Both agree: validator0's power becomes 3.
    let more = Change::SetPower { consensus_key: Keypair::dev("validator0").account_id(), power: 3 };
    let p: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&more));
    assert_eq!(p.status, ProposalStatus::Open);
    let p: Proposal =
        ok(&mut c, "v1", governance(), "vote", enc(&VoteArgs { proposal: p.id, approve: true }));
    let ProposalStatus::Passed { activation_height } = p.status else { panic!("{p:?}") };
    assert_eq!(validators_at(&c, activation_height), [("validator0".to_string(), 3), ("v1".to_string(), 1)]);
    while c.height < activation_height - 1 {
        c.block(&[]);
    }
    // Now validator0 alone holds 3 of 4: it removes v1 by itself, and v1's node leaves.
    let p: Proposal = ok(&mut c, "validator0", governance(), "propose", enc(&remove_v1));
    let ProposalStatus::Passed { activation_height } = p.status else { panic!("{p:?}") };
    assert_eq!(validators_at(&c, activation_height), [("validator0".to_string(), 3)]);
    let nodes: Vec<NetworkNode> = c.query(scf_interface::SystemContract::Registry.address(), "nodes", vec![]);
    assert!(!nodes.iter().any(|n| n.name == "v1"));
    let open: Vec<Proposal> = c.query(governance(), "open_proposals", vec![]);
    assert!(open.is_empty());
}

#[test]
fn only_governance_changes_validator_nodes_in_the_registry() {
    use scf_interface::registry::SetValidatorNodeArgs;
    let mut c = Chain::new();
    let args = SetValidatorNodeArgs {
        name: "sneaky".into(),
        node_key: Keypair::dev("sneaky").account_id(),
        present: true,
    };
    let m = refused(
        &mut c,
        "operator",
        scf_interface::SystemContract::Registry.address(),
        "set_validator_node",
        enc(&args),
    );
    assert!(m.contains("only the governance contract"), "{m}");
}
