//! Registry rules on the host: who registers and suspends members, who changes who controls a
//! member (the member itself, or a quorum of operators), and the network membership.
use scf_contract_testkit::{account, Consortium};
use scf_sdk::{
    interface::registry::{
        self as reg, AccountArgs, ControlDecision, ControlOutcome, ControlStatus, NetworkNode, NodeRole,
        RegisterArgs, Role, SetActiveArgs,
    },
    ErrorCode,
};

fn register(name: &str) -> RegisterArgs {
    RegisterArgs {
        name: name.into(),
        legal_name: format!("{name} Ltd."),
        registration_id: String::new(),
        role: Role::Supplier,
        accounts: vec![account(name)],
        maker_checker: false,
        parent: None,
    }
}

#[test]
fn operators_register_and_suspend_members_and_nobody_else_does() {
    let c = Consortium::new();
    let refused = c.call("core", reg::REGISTER, &register("newco")).unwrap_err();
    assert_eq!(refused.error_code(), Some(ErrorCode::Unauthorized), "{refused:?}");
    c.ok("operator", reg::REGISTER, &register("newco"));
    let events = c.chain.events();
    assert_eq!(
        (events[0].topic.as_str(), events[0].parties.as_slice()),
        ("member_registered", &["newco".to_string()][..])
    );
    let taken = c.call("operator", reg::REGISTER, &register("newco")).unwrap_err();
    assert_eq!(taken.error_code(), Some(ErrorCode::AlreadyExists));
    let mut bad = register("Bad Name");
    bad.accounts = vec![account("bad")];
    assert_eq!(
        c.call("operator", reg::REGISTER, &bad).unwrap_err().error_code(),
        Some(ErrorCode::InvalidArgument)
    );

    let member = c.query("anyone", reg::GET, &account("newco")).unwrap().expect("the account acts for newco");
    assert_eq!((member.name.as_str(), member.active), ("newco", true));
    c.ok("operator", reg::SET_ACTIVE, &SetActiveArgs { name: "newco".into(), active: false });
    assert!(!c.query("anyone", reg::GET_BY_NAME, &"newco".to_string()).unwrap().unwrap().active);
    let itself = c
        .call("operator", reg::SET_ACTIVE, &SetActiveArgs { name: "operator".into(), active: false })
        .unwrap_err();
    assert!(itself.message.contains("cannot suspend itself"), "{itself:?}");
    // A suspended member's accounts act for nothing.
    let suspended = c
        .call("newco", reg::ADD_ACCOUNT, &AccountArgs { name: "newco".into(), account: account("newco/2") })
        .unwrap_err();
    assert_eq!(suspended.error_code(), Some(ErrorCode::MemberSuspended), "{suspended:?}");
}

#[test]
fn one_operator_key_does_not_take_control_of_a_member() {
    let c = Consortium::new();
    let grab = AccountArgs { name: "bank".into(), account: account("operator/evil") };
    let outcome = c.ok("operator", reg::ADD_ACCOUNT, &grab);
    let ControlOutcome::Requested(request) = outcome else {
        panic!("an operator's change of another member's accounts waits for approval");
    };
    assert!(c.query("anyone", reg::GET, &account("operator/evil")).unwrap().is_none());
    // The operator cannot approve its own request alone; the bank can reject it.
    let again = c
        .call("operator", reg::DECIDE_CONTROL, &ControlDecision { id: request.id, approve: true })
        .unwrap_err();
    assert_eq!(again.error_code(), Some(ErrorCode::AlreadyExists), "{again:?}");
    let decided = c.ok("bank", reg::DECIDE_CONTROL, &ControlDecision { id: request.id, approve: false });
    assert_eq!(decided.status, ControlStatus::Rejected);

    // The member itself adds its own key at once.
    let own = AccountArgs { name: "bank".into(), account: account("bank/2") };
    assert_eq!(c.ok("bank", reg::ADD_ACCOUNT, &own), ControlOutcome::Applied);
    assert_eq!(c.query("anyone", reg::GET, &account("bank/2")).unwrap().unwrap().name, "bank");
    let elsewhere = AccountArgs { name: "core".into(), account: account("bank/2") };
    assert_eq!(
        c.call("core", reg::ADD_ACCOUNT, &elsewhere).unwrap_err().error_code(),
        Some(ErrorCode::AlreadyExists)
    );
}

#[test]
fn full_nodes_name_an_existing_member_and_only_operators_add_them() {
    let c = Consortium::new();
    let node = NetworkNode {
        name: "explorer".into(),
        node_key: account("explorer/node"),
        role: NodeRole::FullNode,
        member: Some("bank".into()),
    };
    assert_eq!(c.call("bank", reg::ADD_NODE, &node).unwrap_err().error_code(), Some(ErrorCode::Unauthorized));
    let orphan = NetworkNode { member: None, ..node.clone() };
    assert_eq!(
        c.call("operator", reg::ADD_NODE, &orphan).unwrap_err().error_code(),
        Some(ErrorCode::InvalidArgument)
    );
    let stranger = NetworkNode { member: Some("stranger".into()), ..node.clone() };
    assert_eq!(
        c.call("operator", reg::ADD_NODE, &stranger).unwrap_err().error_code(),
        Some(ErrorCode::NotFound)
    );
    c.ok("operator", reg::ADD_NODE, &node);
    assert_eq!(c.chain.events()[0].parties, ["bank"], "the node's event concerns its member");
    assert_eq!(c.query("anyone", reg::NODES, &()).unwrap(), vec![node]);
    c.ok("operator", reg::REMOVE_NODE, &"explorer".to_string());
    assert!(c.query("anyone", reg::NODES, &()).unwrap().is_empty());
    let gone = c.call("operator", reg::REMOVE_NODE, &"explorer".to_string()).unwrap_err();
    assert_eq!(gone.error_code(), Some(ErrorCode::NotFound));
}
