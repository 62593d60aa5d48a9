//! The OpenRPC document of the node's JSON-RPC interface (feature `schema`; `scf schema
//! openrpc`, committed as `docs/schema/openrpc.json`). Parameter and result schemas are derived
//! from the same types the server and client use (schemars); the method list is checked against
//! what a running node serves (`rpc_methods`) by the node's tests.
use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};

use crate::*;

struct Methods {
    generator: SchemaGenerator,
    methods: Vec<Value>,
}

impl Methods {
    fn param<T: JsonSchema>(&mut self, name: &str, required: bool, description: &str) -> Value {
        let schema: Schema = self.generator.subschema_for::<T>();
        json!({"name": name, "required": required, "description": description, "schema": schema})
    }

    fn method<R: JsonSchema>(&mut self, name: &str, summary: &str, params: Vec<Value>, result: &str) {
        let schema: Schema = self.generator.subschema_for::<R>();
        self.methods.push(json!({
            "name": name,
            "summary": summary,
            "params": params,
            "result": {"name": result, "schema": schema},
        }));
    }
}

/// The OpenRPC 1.3 document.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.definitions_path = "/components/schemas".into();
    let mut m = Methods { generator: settings.into_generator(), methods: Vec::new() };

    let tx = m.param::<String>("tx", true, "0x-hex of a borsh SignedTransaction");
    m.method::<Submitted>(
        "scf_submitTransaction",
        "Submits a signed transaction; returns its hash once the pool admitted it.",
        vec![tx],
        "submitted",
    );
    m.method::<ChainHead>("scf_chainHead", "The latest finalized block.", vec![], "head");
    let id = m.param::<BlockId>("id", true, "a height (number) or a block hash (string)");
    m.method::<BlockView>("scf_getBlock", "A finalized block by height or hash.", vec![id.clone()], "block");
    m.method::<Vec<BlockReceipt>>(
        "scf_getBlockReceipts",
        "The receipts of a finalized block's transactions, in block order.",
        vec![id],
        "receipts",
    );
    let hash = m.param::<String>("hash", true, "0x-hex transaction hash");
    m.method::<TxView>(
        "scf_getTransaction",
        "A transaction with its status and, once committed, its receipt.",
        vec![hash],
        "transaction",
    );
    let params = vec![
        m.param::<String>("contract", true, "0x-hex contract address"),
        m.param::<String>("method", true, "the method's name"),
        m.param::<String>("args", true, "0x-hex of the borsh arguments"),
        m.param::<Option<QueryAuth>>("auth", false, "a member's signature, to read as that member"),
    ];
    m.method::<QueryResult>(
        "scf_query",
        "Runs a contract method read-only against the latest state.",
        params,
        "result",
    );
    let account = m.param::<String>("account", true, "0x-hex account (ed25519 public key)");
    m.method::<AccountView>(
        "scf_getAccount",
        "An account's next nonce and its member record.",
        vec![account],
        "account",
    );
    m.method::<SystemContracts>(
        "scf_systemContracts",
        "Addresses of the system contracts.",
        vec![],
        "contracts",
    );
    let params = vec![
        m.param::<u64>("from", true, "index of the first contract, in installation order"),
        m.param::<u32>("limit", true, "at most this many (1 to 1000)"),
    ];
    m.method::<Vec<ContractView>>(
        "scf_listContracts",
        "Installed contracts with code hash, version and governance approval.",
        params,
        "contracts",
    );
    let seconds = m.param::<u64>("seconds", true, "how far to move the chain's clock forward");
    m.method::<DevTime>(
        "dev_advanceTime",
        "Dev chains only: moves the proposer's clock forward.",
        vec![seconds],
        "time",
    );
    let params = vec![
        m.param::<u64>("from", true, "the first height"),
        m.param::<u32>("limit", true, "at most this many (1 to 100)"),
    ];
    m.method::<Vec<BlockSummary>>(
        "scf_getBlocks",
        "Block summaries from a height upwards (transaction counts for signed-in readers).",
        params,
        "blocks",
    );
    let event_params = |m: &mut Methods| {
        vec![
            m.param::<EventFilter>(
                "filter",
                true,
                "which events: contract, topic, party, subject, height range",
            ),
            m.param::<Option<EventCursor>>("after", false, "resume strictly after this cursor"),
        ]
    };
    let mut params = event_params(&mut m);
    params.push(m.param::<u32>("limit", true, "at most this many (1 to 1000)"));
    m.method::<EventPage>(
        "scf_getEvents",
        "Events matching a filter that the reader may see, in chain order, after a cursor.",
        params,
        "page",
    );
    let params = vec![
        m.param::<TransactionsOf>("of", true, "{\"account\": hex} or {\"member\": name}"),
        m.param::<Option<TxCursor>>("before", false, "resume strictly before this cursor"),
        m.param::<u32>("limit", true, "at most this many (1 to 1000)"),
    ];
    m.method::<TxPage>(
        "scf_getTransactionsOf",
        "The transactions of an account or a member that the reader may see, newest first.",
        params,
        "page",
    );
    m.method::<Vec<ValidatorView>>(
        "scf_getValidators",
        "The validator set of the next height, with voting power and recent signing and proposing.",
        vec![],
        "validators",
    );
    m.method::<Vec<PeerView>>(
        "scf_getPeers",
        "The peers this node is connected to (its operator and overseers only).",
        vec![],
        "peers",
    );
    m.method::<NodeStatus>(
        "scf_nodeStatus",
        "Height, whether syncing, earliest height served, peers, index height.",
        vec![],
        "status",
    );
    let from = m.param::<Option<u64>>("from_height", false, "replay stored blocks from this height first");
    m.method::<BlockSummary>(
        "scf_subscribeNewHeads",
        "WebSocket subscription: every new block (notifications `scf_newHead`). A reader too slow for its buffer is closed with a SubscriptionEnd error naming the height to resume from.",
        vec![from],
        "subscription",
    );
    let params = event_params(&mut m);
    m.method::<EventRecord>(
        "scf_subscribeEvents",
        "WebSocket subscription: matching events (notifications `scf_event`), stored ones after the cursor first, then live; each carries its cursor. A reader too slow for its buffer is closed with a SubscriptionEnd error naming the last cursor sent.",
        params,
        "subscription",
    );
    for (name, of) in [
        ("scf_unsubscribeNewHeads", "scf_subscribeNewHeads"),
        ("scf_unsubscribeEvents", "scf_subscribeEvents"),
    ] {
        let id = m.param::<String>("subscription", true, "the subscription id");
        m.method::<bool>(name, &format!("Ends a subscription of {of}."), vec![id], "unsubscribed");
    }
    let _ = m.generator.subschema_for::<SubscriptionEnd>();

    let filter = m.param::<String>("filter", true, "a tracing EnvFilter, e.g. `info,scf::consensus=debug`");
    m.method::<LogFilter>(
        "admin_setLogFilter",
        "The node's operator only: replaces the log filter until the next change or restart.",
        vec![filter],
        "filter",
    );
    m.method::<MethodList>("rpc_methods", "The methods this node serves.", vec![], "methods");
    m.method::<Value>(
        "rpc.discover",
        "This document: the OpenRPC description of the interface the node serves.",
        vec![],
        "openrpc",
    );

    // Keyed by a stable name (the `codes` constant in snake case): clients generate their constants
    // from these.
    let errors = [
        ("invalid_transaction", codes::INVALID_TRANSACTION, "transaction refused before execution (data.kind says why)"),
        ("pool_full", codes::POOL_FULL, "the transaction pool is full; retry later"),
        ("already_pending", codes::ALREADY_PENDING, "the same transaction, or one with the same sender and nonce, is pending"),
        (
            "query_failed",
            codes::QUERY_FAILED,
            "a read-only query failed (data.kind; data.error_code for a contract's refusal)",
        ),
        ("not_found", codes::NOT_FOUND, "no such block or transaction"),
        ("dev_only", codes::DEV_ONLY, "the method exists only on development chains"),
        ("unauthorized", codes::UNAUTHORIZED, "a signed query's authorization is invalid"),
        ("forbidden", codes::FORBIDDEN, "the request's credential does not allow this (data.kind: login_required, bad_credential, expired, expiry_too_far, bad_signature, not_a_member, member_suspended, anonymous_refused, operator_only)"),
        ("sender_quota", codes::SENDER_QUOTA, "the sender has as many transactions pending at this node as one sender may; wait for some to be committed"),
        ("rate_limited", codes::RATE_LIMITED, "this address made more calls than the node allows per second; slow down"),
        ("invalid_params", codes::INVALID_PARAMS, "a parameter is not a valid value"),
        ("internal", codes::INTERNAL, "internal error of the node; retry"),
    ];
    let errors: serde_json::Map<String, Value> = errors
        .iter()
        .map(|(name, code, message)| (name.to_string(), json!({"code": code, "message": message})))
        .collect();
    let error_data: Schema = m.generator.subschema_for::<ErrorData>();
    let schemas = m.generator.take_definitions(true);
    json!({
        "openrpc": "1.3.2",
        "info": {
            "title": "scf-chain node JSON-RPC",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Binary values are 0x-hex of their borsh encoding (docs/schema/interface.json). Errors carry `data` of the ErrorData schema. Requests are answered by access tier, from the HTTP Authorization header: `Bearer operator.<cookie>` (the node's operator), `Bearer scf1.<account>.<expires_at_ms>.<signature>` (a member's login, signed over a borsh LoginAuthorization), or none (anonymous): docs/rpc.md.",
        },
        "methods": m.methods,
        "components": {"schemas": schemas, "errors": errors, "x-error-data": error_data},
    })
}
