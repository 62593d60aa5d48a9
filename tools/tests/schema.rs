//! The committed machine-readable schema (`docs/schema/interface.json`) is exactly what the code
//! generates, lists every system contract method and event, and is enough for a program in
//! another language to decode events (`docs/examples/decode_event.mjs`, run with Node.js).
use std::{path::PathBuf, process::Command};

use scf_interface::{
    receivables::{IssuedEvent, TransferredEvent},
    trade::{OrderEvent, OrderStatus},
    ErrorCode, SystemContract,
};
use serde_json::{json, Value};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn generated() -> String {
    serde_json::to_string_pretty(&scf_tools::schema::interface()).unwrap() + "\n"
}

/// Fails unless the committed `path` holds `generated` (rewrites it with SCF_UPDATE_SCHEMA set).
fn committed_is(path: &str, generated: &str, command: &str) {
    let file = repo(path);
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    if committed != generated {
        if std::env::var_os("SCF_UPDATE_SCHEMA").is_some() {
            std::fs::write(&file, generated).unwrap();
            return;
        }
        panic!(
            "{path} differs from what the code generates: regenerate it with \
             `SCF_UPDATE_SCHEMA=1 cargo test -p scf-tools --test schema` (or `{command} > {path}`) and commit it"
        );
    }
}

#[test]
fn the_committed_interface_schema_is_what_the_code_generates() {
    committed_is("docs/schema/interface.json", &generated(), "scf schema interface");
}

#[test]
fn the_committed_openrpc_document_is_what_the_code_generates() {
    let document = scf_rpc_api::openrpc::document();
    committed_is(
        "docs/schema/openrpc.json",
        &(serde_json::to_string_pretty(&document).unwrap() + "\n"),
        "scf schema openrpc",
    );
    let methods = document["methods"].as_array().unwrap();
    let query = methods.iter().find(|m| m["name"] == "scf_query").unwrap();
    let params: Vec<&str> =
        query["params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(params, ["contract", "method", "args", "auth"]);
    assert!(document["components"]["schemas"]["ReceiptView"]["properties"]["error_code"].is_object());
    // The reference for people (docs/rpc.md) names every method the document describes.
    let reference = std::fs::read_to_string(repo("docs/rpc.md")).unwrap();
    for m in methods {
        let name = m["name"].as_str().unwrap();
        assert!(reference.contains(&format!("`{name}`")), "docs/rpc.md does not describe {name}");
    }
}

#[test]
fn the_schema_lists_every_method_event_and_error_code() {
    let schema: Value = serde_json::from_str(&generated()).unwrap();
    let contracts = schema["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), SystemContract::ALL.len());
    for (c, listed) in SystemContract::ALL.into_iter().zip(contracts) {
        assert_eq!(listed["name"], c.name());
        assert_eq!(listed["address"], c.address().to_hex());
        let methods: Vec<&str> =
            listed["methods"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(methods, c.methods());
        let topics: Vec<&str> =
            listed["events"].as_array().unwrap().iter().map(|e| e["topic"].as_str().unwrap()).collect();
        assert_eq!(topics, c.events().iter().map(|e| e.topic).collect::<Vec<_>>());
        for item in listed["methods"].as_array().unwrap() {
            for ty in [&item["args"], &item["returns"]] {
                assert!(
                    listed["definitions"][ty.as_str().unwrap()].is_object(),
                    "{}: {ty} is defined",
                    c.name()
                );
            }
        }
        for e in listed["events"].as_array().unwrap() {
            assert!(listed["definitions"][e["body"].as_str().unwrap()].is_object());
            assert!(e["parties"].is_string() && e["subjects"].is_array(), "{e}");
        }
    }
    let receivables = &contracts[2];
    let issue = receivables["methods"].as_array().unwrap().iter().find(|m| m["name"] == "issue").unwrap();
    assert_eq!((issue["args"].as_str(), issue["returns"].as_str()), (Some("IssueArgs"), Some("u64")));
    assert_eq!(schema["error_codes"].as_array().unwrap().len(), ErrorCode::ALL.len());
    assert_eq!(
        schema["error_codes"][6],
        json!({"code": 7, "name": "exceeds_amount", "description": ErrorCode::ExceedsAmount.description()})
    );
    for wire in ["SignedTransaction", "BlockHeader", "Receipt", "Event", "QueryAuthorization"] {
        assert!(
            schema["wire_definitions"][schema["wire_types"][wire].as_str().unwrap()].is_object(),
            "{wire}"
        );
    }
}

/// Runs the Node.js example decoder on `data` (hex) of `contract`'s `topic`.
fn decode_with_node(contract: &str, topic: &str, data: &[u8]) -> Value {
    let out = Command::new("node")
        .arg(repo("docs/examples/decode_event.mjs"))
        .arg(repo("docs/schema/interface.json"))
        .args([contract, topic, &hex::encode(data)])
        .output()
        .expect("Node.js runs (tools/scripts/setup.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_program_in_another_language_decodes_events_from_the_schema_alone() {
    let issued = IssuedEvent {
        id: 7,
        issuer: "core".into(),
        holder: "supplier1".into(),
        amount: 1_000_000_000_000_000_000_000,
    };
    let out = decode_with_node("receivables", "voucher_issued", &borsh::to_vec(&issued).unwrap());
    assert_eq!(out["body"], "IssuedEvent");
    assert_eq!(out["subjects"], json!(["voucher"]));
    assert_eq!(
        out["value"],
        json!({"id": "7", "issuer": "core", "holder": "supplier1", "amount": "1000000000000000000000"})
    );

    let moved = TransferredEvent {
        from_id: 1,
        from: "a".into(),
        to: "b".into(),
        transferred: 2,
        remainder: None,
        amount: 5,
    };
    let out = decode_with_node("receivables", "voucher_transferred", &borsh::to_vec(&moved).unwrap());
    assert_eq!(out["value"]["remainder"], Value::Null);
    let moved = TransferredEvent { remainder: Some(3), ..moved };
    let out = decode_with_node("receivables", "voucher_transferred", &borsh::to_vec(&moved).unwrap());
    assert_eq!(out["value"]["remainder"], "3");

    let shipped = OrderEvent { order: 4, status: OrderStatus::Shipped, by: "yiwu-crafts".into() };
    let out = decode_with_node("trade", "order_shipped", &borsh::to_vec(&shipped).unwrap());
    assert_eq!(out["value"], json!({"order": "4", "status": "Shipped", "by": "yiwu-crafts"}));
}

#[test]
fn error_codes_are_documented() {
    let doc = std::fs::read_to_string(repo("docs/interface.md")).unwrap();
    for c in ErrorCode::ALL {
        let row = format!("| {} | `{}` | {} |", c.code(), c.name(), c.description());
        assert!(doc.contains(&row), "docs/interface.md lacks the row {row}");
    }
}
