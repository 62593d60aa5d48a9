//! End to end on a real `scf-node --dev` process: the voucher flow over JSON-RPC, every kind of
//! bad input, then SIGKILL and restart with every committed block and voucher intact.
use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use jsonrpsee::{
    core::client::Error as ClientError,
    http_client::{HttpClient, HttpClientBuilder},
};
use scf_harness::{now_ms, Node};
use scf_interface::receivables::{
    Day, IssueArgs, TransferArgs, TransferResult, Voucher, VoucherId, MS_PER_DAY,
};
use scf_primitives::{
    crypto::Keypair, ContractAddress, Payload, QueryAuthorization, SignedTransaction, Transaction,
    MAX_TX_BYTES,
};
use scf_rpc_api::{codes, from_hex, to_hex, BlockId, QueryAuth, ScfApiClient, TxStatus, TxView};

/// A dev node (`--dev`) with its data in `data_dir`, started (`scf_harness`: the one way tests
/// run nodes).
fn start_node(data_dir: &Path) -> Node {
    let node = Node::dev(Path::new(env!("CARGO_BIN_EXE_scf-node")), data_dir);
    node.start();
    node
}

/// A client signed in as the dev key `who`, its login valid for `valid_ms`.
fn as_member(node: &Node, who: &str, valid_ms: u64) -> HttpClient {
    node.as_member(&Keypair::dev(who), "scf-dev", Duration::from_millis(valid_ms))
}

async fn wait_committed(client: &HttpClient, hash: &str) -> TxView {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let view = client.get_transaction(hash.to_string()).await.unwrap();
        if view.status == TxStatus::Committed {
            return view;
        }
        assert!(Instant::now() < deadline, "transaction {hash} not committed within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign(client: &HttpClient, who: &str, payload: Payload) -> SignedTransaction {
    let key = Keypair::dev(who);
    let nonce = client.get_account(key.account_id().to_hex()).await.unwrap().nonce;
    key.sign_transaction(Transaction { chain_id: "scf-dev".into(), sender: key.account_id(), nonce, payload })
}

fn call(contract: &str, method: &str, args: Vec<u8>) -> Payload {
    Payload::Call { contract: ContractAddress::system(contract), method: method.into(), args }
}

async fn submit(client: &HttpClient, tx: &SignedTransaction) -> Result<String, ClientError> {
    client.submit_transaction(to_hex(&borsh::to_vec(tx).unwrap())).await.map(|s| s.hash)
}

/// Submits and waits; returns the receipt's (success, return data, error).
async fn run(client: &HttpClient, who: &str, payload: Payload) -> (bool, Vec<u8>, Option<String>) {
    let tx = sign(client, who, payload).await;
    let hash = submit(client, &tx).await.expect("admitted");
    let receipt = wait_committed(client, &hash).await.receipt.expect("committed transactions have receipts");
    let data = receipt.return_data.as_deref().map(|d| from_hex(d).unwrap()).unwrap_or_default();
    (receipt.success, data, receipt.error)
}

fn rpc_error(r: Result<impl std::fmt::Debug, ClientError>) -> (i32, String) {
    match r {
        Err(ClientError::Call(obj)) => {
            let kind = obj
                .data()
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d.get()).ok())
                .and_then(|v| v["kind"].as_str().map(String::from))
                .unwrap_or_default();
            (obj.code(), kind)
        }
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

/// The day `days` after the chain's current day (the next block's: the later of the head's time
/// and the proposer's clock, which is this machine's): the contracts judge dates by block time, so
/// a test that fixed a calendar date would start failing once the real clock passed it.
async fn days_ahead(client: &HttpClient, days: Day) -> Day {
    let head = client.chain_head().await.unwrap();
    (head.timestamp_ms.max(now_ms()) / MS_PER_DAY) as Day + days
}

/// `scf_query` signed by dev key `who`, valid until `expires_at_ms`.
async fn signed_query(
    client: &HttpClient,
    who: &str,
    contract: &str,
    method: &str,
    args: Vec<u8>,
    expires_at_ms: u64,
) -> Result<scf_rpc_api::QueryResult, ClientError> {
    let key = Keypair::dev(who);
    let contract = ContractAddress::system(contract);
    let query = QueryAuthorization {
        chain_id: "scf-dev".into(),
        contract,
        method: method.into(),
        args: args.clone(),
        account: key.account_id(),
        expires_at_ms,
    };
    let auth = QueryAuth {
        account: key.account_id().to_hex(),
        expires_at_ms,
        signature: to_hex(&key.sign_query(&query)),
    };
    client.query(contract.to_hex(), method.into(), to_hex(&args), Some(auth)).await
}

async fn holdings(client: &HttpClient, who: &str) -> Vec<u128> {
    let args = borsh::to_vec(&who.to_string()).unwrap();
    let r =
        signed_query(client, who, "receivables", "list_by_holder", args, now_ms() + 60_000).await.unwrap();
    let vouchers: Vec<Voucher> = borsh::from_slice(&from_hex(&r.data).unwrap()).unwrap();
    vouchers.iter().map(|v| v.amount).collect()
}

/// 1,000.00 CNY from core to supplier1, accepted, 400.00 passed on to supplier2: the root
/// voucher's id and the pieces of the split.
async fn issue_accept_and_split(client: &HttpClient) -> (VoucherId, TransferResult) {
    let issue = IssueArgs {
        to: "supplier1".into(),
        amount: 100_000,
        currency: "CNY".into(),
        maturity_day: days_ahead(client, 90).await,
        trade_ref: None,
    };
    let (ok, data, err) =
        run(client, "core", call("receivables", "issue", borsh::to_vec(&issue).unwrap())).await;
    assert!(ok, "{err:?}");
    let id: VoucherId = borsh::from_slice(&data).unwrap();
    let (ok, _, err) =
        run(client, "supplier1", call("receivables", "accept", borsh::to_vec(&id).unwrap())).await;
    assert!(ok, "{err:?}");
    let transfer = TransferArgs { id, to: "supplier2".into(), amount: 40_000 };
    let (ok, data, err) =
        run(client, "supplier1", call("receivables", "transfer", borsh::to_vec(&transfer).unwrap())).await;
    assert!(ok, "{err:?}");
    (id, borsh::from_slice(&data).unwrap())
}

/// `core` issues `count` vouchers to supplier1, one block each, each committed successfully.
async fn issue_vouchers(client: &HttpClient, count: u128) {
    let maturity_day = days_ahead(client, 90).await;
    for i in 0..count {
        let args = IssueArgs {
            to: "supplier1".into(),
            amount: 1 + i,
            currency: "CNY".into(),
            maturity_day,
            trade_ref: None,
        };
        let (ok, _, err) =
            run(client, "core", call("receivables", "issue", borsh::to_vec(&args).unwrap())).await;
        assert!(ok, "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voucher_flow_bad_inputs_and_crash_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let node = start_node(&data_dir);
    let client = node.ready().await;

    // The same port speaks WebSocket.
    let ws = jsonrpsee::ws_client::WsClientBuilder::default()
        .build(node.url().replace("http://", "ws://"))
        .await
        .expect("WebSocket connection");
    assert_eq!(ws.chain_head().await.unwrap().chain_id, "scf-dev");

    // The node serves exactly the methods its committed OpenRPC document describes
    // (docs/schema/openrpc.json, generated from the API types).
    let methods: serde_json::Value =
        jsonrpsee::core::client::ClientT::request(&client, "rpc_methods", jsonrpsee::rpc_params![])
            .await
            .unwrap();
    let mut served: Vec<&str> =
        methods["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    served.sort();
    let openrpc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/openrpc.json"))
            .unwrap(),
    )
    .unwrap();
    let mut documented: Vec<&str> =
        openrpc["methods"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    documented.sort();
    assert_eq!(served, documented, "rpc_methods and docs/schema/openrpc.json disagree");
    // `rpc.discover` serves that same document.
    let discovered: serde_json::Value =
        jsonrpsee::core::client::ClientT::request(&client, "rpc.discover", jsonrpsee::rpc_params![])
            .await
            .unwrap();
    assert_eq!(discovered, openrpc, "rpc.discover is not the committed docs/schema/openrpc.json");

    // 1,000.00 CNY from core to supplier1, accepted, 400.00 passed on to supplier2.
    let (_, pieces) = issue_accept_and_split(&client).await;
    assert_eq!(holdings(&client, "supplier1").await, vec![60_000]);
    assert_eq!(holdings(&client, "supplier2").await, vec![40_000]);

    // Bad input refused at the RPC, with stable codes and kinds.
    assert_eq!(rpc_error(client.submit_transaction("0xzz".into()).await).0, codes::INVALID_PARAMS);
    assert_eq!(
        rpc_error(client.submit_transaction("0x0102".into()).await),
        (codes::INVALID_TRANSACTION, "malformed".into())
    );
    let mut bad_sig = sign(&client, "core", call("receivables", "issue", vec![])).await;
    bad_sig.signature[0] ^= 1;
    assert_eq!(
        rpc_error(submit(&client, &bad_sig).await),
        (codes::INVALID_TRANSACTION, "bad_signature".into())
    );
    let mut other_chain = sign(&client, "core", call("receivables", "issue", vec![])).await.tx;
    other_chain.chain_id = "scf-main".into();
    let other_chain = Keypair::dev("core").sign_transaction(other_chain);
    assert_eq!(
        rpc_error(submit(&client, &other_chain).await),
        (codes::INVALID_TRANSACTION, "wrong_chain_id".into())
    );
    let mut replay = sign(&client, "core", call("receivables", "issue", vec![])).await.tx;
    replay.nonce = 0;
    let replay = Keypair::dev("core").sign_transaction(replay);
    assert_eq!(rpc_error(submit(&client, &replay).await), (codes::INVALID_TRANSACTION, "bad_nonce".into()));
    // Only members transact: an outsider's key is refused before the pool, with its own kind.
    let outsider = sign(&client, "outsider", call("receivables", "issue", vec![])).await;
    assert_eq!(
        rpc_error(submit(&client, &outsider).await),
        (codes::INVALID_TRANSACTION, "not_a_member".into())
    );
    let huge =
        sign(&client, "operator", Payload::Deploy { code: vec![0; MAX_TX_BYTES + 1], init_args: vec![] })
            .await;
    assert_eq!(
        rpc_error(submit(&client, &huge).await),
        (codes::INVALID_TRANSACTION, "payload_too_large".into())
    );
    // A batch request answers each entry on its own, in order: one bad entry refuses only itself.
    let mint =
        scf_interface::deposit_token::MintArgs { currency: "CNY".into(), to: "supplier1".into(), amount: 1 };
    let good = sign(&client, "bank", call("deposit_token", "mint", borsh::to_vec(&mint).unwrap())).await;
    let mut batch = jsonrpsee::core::params::BatchRequestBuilder::new();
    for tx in [
        "0x0102".to_string(),
        to_hex(&borsh::to_vec(&good).unwrap()),
        to_hex(&borsh::to_vec(&bad_sig).unwrap()),
    ] {
        batch.insert("scf_submitTransaction", jsonrpsee::rpc_params![tx]).unwrap();
    }
    let answers: Vec<_> =
        jsonrpsee::core::client::ClientT::batch_request::<scf_rpc_api::Submitted>(&client, batch)
            .await
            .expect("the batch is answered")
            .into_iter()
            .collect();
    assert_eq!(answers.len(), 3);
    let kind = |r: &Result<scf_rpc_api::Submitted, jsonrpsee::types::ErrorObjectOwned>| {
        rpc_error(r.clone().map_err(ClientError::Call))
    };
    assert_eq!(kind(&answers[0]), (codes::INVALID_TRANSACTION, "malformed".into()));
    assert_eq!(answers[1].as_ref().expect("the good entry is admitted").hash, good.hash().to_hex());
    assert_eq!(kind(&answers[2]), (codes::INVALID_TRANSACTION, "bad_signature".into()));
    let minted = wait_committed(&client, &good.hash().to_hex()).await;
    assert!(minted.receipt.expect("committed").success);
    // A batch is bounded: MAX_BATCH_LEN calls are answered, one more is refused whole.
    let heads = |n: u32| {
        let mut batch = jsonrpsee::core::params::BatchRequestBuilder::new();
        for _ in 0..n {
            batch.insert("scf_chainHead", jsonrpsee::rpc_params![]).unwrap();
        }
        batch
    };
    let full = jsonrpsee::core::client::ClientT::batch_request::<scf_rpc_api::ChainHead>(
        &client,
        heads(scf_rpc_api::MAX_BATCH_LEN),
    )
    .await
    .expect("a full batch is answered");
    assert_eq!(full.len(), scf_rpc_api::MAX_BATCH_LEN as usize);
    let over = jsonrpsee::core::client::ClientT::batch_request::<scf_rpc_api::ChainHead>(
        &client,
        heads(scf_rpc_api::MAX_BATCH_LEN + 1),
    )
    .await;
    assert!(over.is_err(), "a batch of {} calls is refused", scf_rpc_api::MAX_BATCH_LEN + 1);

    let q = client
        .query(
            scf_interface::SystemContract::Receivables.address().to_hex(),
            "no_such".into(),
            "0x".into(),
            None,
        )
        .await;
    assert_eq!(rpc_error(q), (codes::QUERY_FAILED, "unknown_method".into()));

    // Reads of member data need a valid signature of the reader, for this exact query.
    let list = |who: &str| borsh::to_vec(&who.to_string()).unwrap();
    let unsigned = client
        .query(
            scf_interface::SystemContract::Receivables.address().to_hex(),
            "list_by_holder".into(),
            to_hex(&list("supplier1")),
            None,
        )
        .await;
    assert_eq!(rpc_error(unsigned), (codes::QUERY_FAILED, "contract_error".into()));
    let expired =
        signed_query(&client, "supplier1", "receivables", "list_by_holder", list("supplier1"), now_ms() - 1)
            .await;
    assert_eq!(rpc_error(expired), (codes::UNAUTHORIZED, "expired".into()));
    let far = signed_query(
        &client,
        "supplier1",
        "receivables",
        "list_by_holder",
        list("supplier1"),
        now_ms() + 3_600_000,
    )
    .await;
    assert_eq!(rpc_error(far), (codes::UNAUTHORIZED, "expiry_too_far".into()));
    let nosy = signed_query(
        &client,
        "supplier2",
        "receivables",
        "list_by_holder",
        list("supplier1"),
        now_ms() + 60_000,
    )
    .await;
    assert_eq!(rpc_error(nosy), (codes::QUERY_FAILED, "contract_error".into()));
    // A signature for one query does not authorize another.
    let key = Keypair::dev("supplier2");
    let signed_for = QueryAuthorization {
        chain_id: "scf-dev".into(),
        contract: scf_interface::SystemContract::Receivables.address(),
        method: "list_by_holder".into(),
        args: list("supplier2"),
        account: key.account_id(),
        expires_at_ms: now_ms() + 60_000,
    };
    let forged = QueryAuth {
        account: key.account_id().to_hex(),
        expires_at_ms: signed_for.expires_at_ms,
        signature: to_hex(&key.sign_query(&signed_for)),
    };
    let reused = client
        .query(
            scf_interface::SystemContract::Receivables.address().to_hex(),
            "list_by_holder".into(),
            to_hex(&list("supplier1")),
            Some(forged.clone()),
        )
        .await;
    assert_eq!(rpc_error(reused), (codes::UNAUTHORIZED, "bad_signature".into()));
    let garbage = QueryAuth { signature: "0x1234".into(), ..forged };
    let garbage = client
        .query(
            scf_interface::SystemContract::Receivables.address().to_hex(),
            "list_by_holder".into(),
            to_hex(&list("supplier2")),
            Some(garbage),
        )
        .await;
    assert_eq!(rpc_error(garbage).0, codes::INVALID_PARAMS);
    assert_eq!(rpc_error(client.get_transaction(format!("0x{}", "ab".repeat(32))).await).0, codes::NOT_FOUND);
    assert_eq!(rpc_error(client.get_block(BlockId::Height(1 << 40)).await).0, codes::NOT_FOUND);
    assert_eq!(rpc_error(client.get_block_receipts(BlockId::Height(1 << 40)).await).0, codes::NOT_FOUND);

    // Block receipts are the transactions' receipts, in block order.
    let head = client.chain_head().await.unwrap().height;
    let mut seen = 0;
    for h in 1..=head {
        let block = client.get_block(BlockId::Height(h)).await.unwrap();
        let receipts = client.get_block_receipts(BlockId::Hash(block.hash.clone())).await.unwrap();
        let hashes: Vec<&String> = receipts.iter().map(|r| &r.tx_hash).collect();
        assert_eq!(hashes, block.transactions.iter().collect::<Vec<_>>());
        for r in &receipts {
            let tx = client.get_transaction(r.tx_hash.clone()).await.unwrap();
            assert_eq!(tx.receipt.as_ref(), Some(&r.receipt));
            seen += 1;
        }
    }
    assert!(seen >= 3, "the voucher's issue, accept and transfer are in blocks");

    // Bad input that only execution can judge: a failed receipt, state untouched.
    let (ok, _, err) = run(&client, "core", call("receivables", "issue", vec![9, 9])).await;
    assert!(!ok && err.unwrap().contains("invalid arguments for issue"));
    let issue = IssueArgs {
        to: "supplier1".into(),
        amount: 100_000,
        currency: "CNY".into(),
        maturity_day: days_ahead(&client, 90).await,
        trade_ref: None,
    };
    let (ok, _, err) =
        run(&client, "supplier1", call("receivables", "issue", borsh::to_vec(&issue).unwrap())).await;
    assert!(!ok && err.unwrap().contains("needs core_enterprise"));
    let too_much = TransferArgs { id: pieces.transferred, to: "supplier1".into(), amount: 40_001 };
    let (ok, _, err) =
        run(&client, "supplier2", call("receivables", "transfer", borsh::to_vec(&too_much).unwrap())).await;
    assert!(!ok && err.unwrap().contains("exceeds voucher"));
    let (ok, _, err) = run(&client, "core", call("receivables", "nope", vec![])).await;
    assert!(!ok && err.unwrap().contains("unknown method"));
    assert_eq!(holdings(&client, "supplier2").await, vec![40_000]);

    // Crash: SIGKILL, restart, everything committed is still there and the chain goes on.
    let head = client.chain_head().await.unwrap();
    let mut hashes = Vec::new();
    for h in 0..=head.height {
        hashes.push(client.get_block(BlockId::Height(h)).await.unwrap().hash);
    }
    node.kill();
    node.start();
    let client = node.ready().await;
    for (h, hash) in hashes.iter().enumerate() {
        assert_eq!(
            &client.get_block(BlockId::Height(h as u64)).await.unwrap().hash,
            hash,
            "block {h} changed"
        );
    }
    assert_eq!(holdings(&client, "supplier1").await, vec![60_000]);
    assert_eq!(holdings(&client, "supplier2").await, vec![40_000]);
    let (ok, _, err) = run(
        &client,
        "supplier2",
        call(
            "receivables",
            "transfer",
            borsh::to_vec(&TransferArgs { id: pieces.transferred, to: "supplier1".into(), amount: 10_000 })
                .unwrap(),
        ),
    )
    .await;
    assert!(ok, "the restarted chain accepts new transactions: {err:?}");
    assert!(client.chain_head().await.unwrap().height > head.height);

    // Graceful stop.
    node.stop();
}

/// `scf-node --config`: a validator from a TOML file, key files and a chain spec on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_from_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let genesis_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../genesis");
    for f in ["registry.wasm", "deposit_token.wasm", "receivables.wasm", "governance.wasm", "trade.wasm"] {
        std::fs::copy(genesis_dir.join(f), dir.path().join(f)).unwrap();
    }
    // A chain that is not a dev chain: same spec, `dev` off.
    let mut spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(genesis_dir.join("dev.json")).unwrap()).unwrap();
    spec["dev"] = serde_json::Value::Bool(false);
    std::fs::write(dir.path().join("dev.json"), spec.to_string()).unwrap();
    std::fs::write(dir.path().join("consensus.key"), hex::encode(Keypair::dev("validator0").seed())).unwrap();
    std::fs::write(dir.path().join("node.key"), hex::encode([7u8; 32])).unwrap();
    let (rpc_port, p2p_port) = scf_harness::free_ports();
    let config = format!(
        "moniker = \"v0\"\ndata_dir = \"data\"\ngenesis = \"dev.json\"\nconsensus_key_file = \"consensus.key\"\n\
         node_key_file = \"node.key\"\nrpc_addr = \"127.0.0.1:{rpc_port}\"\np2p_listen = \"/ip4/127.0.0.1/tcp/{p2p_port}\"\n\
         tx_listen = \"/ip4/127.0.0.1/tcp/0\"\n[pool]\nmax_txs_per_sender = 2\n\
         [rpc_limits]\ncalls_per_sec = 20\nburst = 40\nlimit_loopback = true\n\
         allowed_origins = [\"https://explorer.example\"]\n"
    );
    std::fs::write(dir.path().join("node.toml"), config).unwrap();
    // Its genesis still names the public dev keys: the node refuses to start, saying which.
    let out = Command::new(env!("CARGO_BIN_EXE_scf-node"))
        .arg("--config")
        .arg(dir.path().join("node.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is the public dev key \"operator\""), "{stderr}");
    // With keys of its own for every member and the validator, it runs.
    let mut n = 0u8;
    let mut fresh = || {
        n += 1;
        serde_json::Value::from(Keypair::from_seed([n; 32]).account_id().to_hex())
    };
    for m in spec["members"].as_array_mut().unwrap() {
        for a in m["accounts"].as_array_mut().unwrap() {
            *a = fresh();
        }
    }
    let consensus = Keypair::from_seed([200; 32]);
    spec["validators"][0]["consensus_key"] = serde_json::Value::from(consensus.account_id().to_hex());
    spec["validators"][0]["node_key"] =
        serde_json::Value::from(Keypair::from_seed([7; 32]).account_id().to_hex());
    std::fs::write(dir.path().join("dev.json"), spec.to_string()).unwrap();
    std::fs::write(dir.path().join("consensus.key"), hex::encode(consensus.seed())).unwrap();
    let node = Node::configured(
        "v0",
        Path::new(env!("CARGO_BIN_EXE_scf-node")),
        dir.path(),
        &format!("127.0.0.1:{rpc_port}"),
    );
    node.start();
    let client = node.ready().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.chain_head().await.unwrap().height < 2 {
        assert!(Instant::now() < deadline, "no blocks from the configured validator");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(dir.path().join("data/db").is_dir(), "data_dir is relative to the config file");
    assert_eq!(rpc_error(client.dev_advance_time(86_400).await), (codes::DEV_ONLY, "dev_only".into()));

    // The configured pool quota: a member's account holds at most two pending transactions
    // (these wait behind a nonce gap); the third is refused with a typed error.
    let member = Keypair::from_seed([1; 32]);
    let ahead = |nonce| {
        let payload = call("registry", "get_by_name", borsh::to_vec(&"core".to_string()).unwrap());
        let tx = Transaction { chain_id: "scf-dev".into(), sender: member.account_id(), nonce, payload };
        member.sign_transaction(tx)
    };
    submit(&client, &ahead(10)).await.expect("within the quota");
    submit(&client, &ahead(11)).await.expect("within the quota");
    assert_eq!(rpc_error(submit(&client, &ahead(12)).await), (codes::SENDER_QUOTA, "sender_quota".into()));

    // Web pages: a request from an origin that is not configured is refused over HTTP and as a
    // WebSocket handshake; the configured origin is answered.
    let from_origin = |origin: &str| {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ORIGIN, origin.parse().unwrap());
        headers
    };
    let url = format!("127.0.0.1:{rpc_port}");
    let page = HttpClientBuilder::default()
        .set_headers(from_origin("https://evil.example"))
        .build(format!("http://{url}"))
        .unwrap();
    assert!(page.chain_head().await.is_err(), "an unknown origin is refused");
    let socket = jsonrpsee::ws_client::WsClientBuilder::default()
        .set_headers(from_origin("https://evil.example"))
        .build(format!("ws://{url}"))
        .await;
    assert!(socket.is_err(), "a WebSocket from an unknown origin is refused at the handshake");
    let explorer = HttpClientBuilder::default()
        .set_headers(from_origin("https://explorer.example"))
        .build(format!("http://{url}"))
        .unwrap();
    explorer.chain_head().await.expect("the configured origin is answered");
    let socket = jsonrpsee::ws_client::WsClientBuilder::default()
        .set_headers(from_origin("https://explorer.example"))
        .build(format!("ws://{url}"))
        .await
        .expect("the configured origin may open a WebSocket");
    socket.chain_head().await.expect("and call over it");

    // The configured per-address call rate (loopback included here): a batch of a hundred calls
    // gets its burst answered and the rest refused with a typed error; tokens come back.
    let mut batch = jsonrpsee::core::params::BatchRequestBuilder::new();
    for _ in 0..100 {
        batch.insert("scf_chainHead", jsonrpsee::rpc_params![]).unwrap();
    }
    let answers =
        jsonrpsee::core::client::ClientT::batch_request::<serde_json::Value>(&client, batch).await.unwrap();
    let refused: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(
        answers.num_successful_calls() >= 20,
        "the burst is answered: {} of 100",
        answers.num_successful_calls()
    );
    assert!(refused.len() >= 50, "{} refused", refused.len());
    assert!(refused.iter().all(|e| e.code() == codes::RATE_LIMITED));
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.chain_head().await.is_err() {
        assert!(Instant::now() < deadline, "the rate limit never lets calls through again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A config with a bad key file is refused with a clear message.
    std::fs::write(dir.path().join("consensus.key"), "not hex").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scf-node"))
        .arg("--config")
        .arg(dir.path().join("node.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a 32-byte hex seed"));
}

/// `kill -9` at arbitrary moments while transactions flow: after every restart, each block and
/// each transaction seen committed before the kill is still there, unchanged, and the chain goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_sigkill_under_load_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::dev(Path::new(env!("CARGO_BIN_EXE_scf-node")), &dir.path().join("node"));
    let key = Keypair::dev("core");
    let issue = |n: u64, maturity_day: Day| IssueArgs {
        to: "supplier1".into(),
        amount: 1 + n as u128,
        currency: "CNY".into(),
        maturity_day,
        trade_ref: None,
    };
    let mut seen_blocks: Vec<String> = Vec::new();
    let mut committed: Vec<String> = Vec::new();
    // Every transaction the node acknowledged: after a kill each is committed or still pending
    // (the pool is kept in the data directory), so nonces go on from the last one sent. Each
    // round holds back its first transaction until the next round, so that the others are
    // certainly pending (behind a nonce gap) when the node is killed.
    let mut acknowledged: Vec<String> = Vec::new();
    let mut next_nonce = None;
    let mut withheld: Option<SignedTransaction> = None;
    // Kill delays (ms) after submitting; fixed so a failure reproduces.
    for (round, delay_ms) in [137u64, 420, 55, 800, 260].into_iter().enumerate() {
        node.start();
        let client = node.ready().await;
        for (h, hash) in seen_blocks.iter().enumerate() {
            let now = client.get_block(BlockId::Height(h as u64)).await.unwrap().hash;
            assert_eq!(&now, hash, "round {round}: block {h} changed after a kill");
        }
        for tx in &committed {
            let view = client.get_transaction(tx.clone()).await.unwrap();
            assert_eq!(view.status, TxStatus::Committed, "round {round}: committed {tx} lost");
        }
        for tx in &acknowledged {
            let view = client.get_transaction(tx.clone()).await;
            assert!(view.is_ok(), "round {round}: acknowledged {tx} lost: {view:?}");
        }
        // The held-back transaction fills the gap: those restored behind it can execute.
        if let Some(tx) = withheld.take() {
            acknowledged.push(submit(&client, &tx).await.expect("admitted"));
        }
        let nonce = match next_nonce {
            Some(n) => n,
            None => client.get_account(key.account_id().to_hex()).await.unwrap().nonce,
        };
        next_nonce = Some(nonce + 40);
        let maturity_day = days_ahead(&client, 90).await;
        let mut submitted = Vec::new();
        for i in 0..40 {
            let tx = key.sign_transaction(Transaction {
                chain_id: "scf-dev".into(),
                sender: key.account_id(),
                nonce: nonce + i,
                payload: call(
                    "receivables",
                    "issue",
                    borsh::to_vec(&issue(nonce + i, maturity_day)).unwrap(),
                ),
            });
            if i == 0 {
                withheld = Some(tx);
                continue;
            }
            submitted.push(submit(&client, &tx).await.expect("admitted"));
        }
        acknowledged.extend(submitted.iter().cloned());
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        // Record what is final right now, then kill without warning.
        let head = client.chain_head().await.unwrap().height;
        for h in seen_blocks.len() as u64..=head {
            seen_blocks.push(client.get_block(BlockId::Height(h)).await.unwrap().hash);
        }
        for tx in acknowledged.iter().filter(|tx| !committed.contains(tx)).cloned().collect::<Vec<_>>() {
            if client
                .get_transaction(tx.clone())
                .await
                .map(|v| v.status == TxStatus::Committed)
                .unwrap_or(false)
            {
                committed.push(tx);
            }
        }
        node.kill();
    }
    node.start();
    let client = node.ready().await;
    let head = client.chain_head().await.unwrap().height;
    assert!(head as usize >= seen_blocks.len() - 1);
    for tx in &committed {
        assert_eq!(client.get_transaction(tx.clone()).await.unwrap().status, TxStatus::Committed);
    }
    assert!(!committed.is_empty(), "some transactions committed between kills");
    // Nothing acknowledged was lost: every transaction is committed in the end.
    if let Some(tx) = withheld.take() {
        acknowledged.push(submit(&client, &tx).await.expect("admitted"));
    }
    for tx in &acknowledged {
        wait_committed(&client, tx).await;
    }
    let (ok, _, err) = run(
        &client,
        "core",
        call("receivables", "issue", borsh::to_vec(&issue(0, days_ahead(&client, 90).await)).unwrap()),
    )
    .await;
    assert!(ok, "chain accepts transactions after the last restart: {err:?}");
}

/// RPC access tiers (issue 20): an anonymous reader gets headers and nothing of members'
/// business; a member sees its own transactions and the events where it is a party; an auditor
/// sees all; a member suspended mid-way reads nothing more, at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::inconsistent_digit_grouping)] // amounts in yuan_fen (400_00 is 400.00)
async fn rpc_readers_see_only_what_concerns_them() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let node = start_node(&data_dir);
    let operator = node.ready().await;
    let hour = 3_600_000;

    // core → supplier1 1,000.00, accepted; supplier1 passes 400.00 to supplier2; core → supplier3.
    let maturity_day = days_ahead(&operator, 90).await;
    let issue = |to: &str| IssueArgs {
        to: to.into(),
        amount: 1_000_00,
        currency: "CNY".into(),
        maturity_day,
        trade_ref: None,
    };
    let (ok, data, _) =
        run(&operator, "core", call("receivables", "issue", borsh::to_vec(&issue("supplier1")).unwrap()))
            .await;
    assert!(ok);
    let root: VoucherId = borsh::from_slice(&data).unwrap();
    assert!(
        run(&operator, "supplier1", call("receivables", "accept", borsh::to_vec(&root).unwrap())).await.0
    );
    let transfer = TransferArgs { id: root, to: "supplier2".into(), amount: 400_00 };
    let moved =
        sign(&operator, "supplier1", call("receivables", "transfer", borsh::to_vec(&transfer).unwrap()))
            .await;
    let moved_hash = submit(&operator, &moved).await.unwrap();
    let moved_view = wait_committed(&operator, &moved_hash).await;
    let height = moved_view.block_height.unwrap();
    let other =
        sign(&operator, "core", call("receivables", "issue", borsh::to_vec(&issue("supplier3")).unwrap()))
            .await;
    let other_hash = submit(&operator, &other).await.unwrap();
    let other_height = wait_committed(&operator, &other_hash).await.block_height.unwrap();

    // Anonymous: the head and headers; no transactions, receipts, queries or accounts.
    let anonymous = node.anonymous();
    assert!(anonymous.chain_head().await.is_ok());
    let block = anonymous.get_block(BlockId::Height(height)).await.unwrap();
    assert!(block.transactions.is_empty(), "anonymous readers get the header alone");
    assert_eq!(
        rpc_error(anonymous.get_block_receipts(BlockId::Height(height)).await),
        (codes::FORBIDDEN, "login_required".into())
    );
    assert_eq!(
        rpc_error(anonymous.get_transaction(moved_hash.clone()).await),
        (codes::FORBIDDEN, "login_required".into())
    );
    let registry = ContractAddress::system("registry").to_hex();
    let unsigned = anonymous
        .query(registry.clone(), "list".into(), to_hex(&borsh::to_vec(&(0u64, 10u32)).unwrap()), None)
        .await;
    assert_eq!(rpc_error(unsigned), (codes::FORBIDDEN, "login_required".into()));
    let governance = ContractAddress::system("governance").to_hex();
    assert!(
        anonymous.query(governance, "schedule".into(), "0x".into(), None).await.is_ok(),
        "the validator set is public"
    );

    // supplier2 sees the transfer to it, with the events naming it, and not core's voucher to
    // supplier3, which is answered like a transaction that does not exist.
    let supplier2 = as_member(&node, "supplier2", 5 * 60_000);
    let seen = supplier2.get_transaction(moved_hash.clone()).await.unwrap();
    let receipt = seen.receipt.expect("committed");
    let events = &receipt.events;
    assert!(
        !events.is_empty() && events.iter().all(|e| e.parties.contains(&"supplier2".to_string())),
        "{events:?}"
    );
    assert_eq!(receipt.return_data, None, "not its return data: it did not send it");
    assert_eq!(
        rpc_error(supplier2.get_transaction(other_hash.clone()).await),
        (codes::NOT_FOUND, "not_found".into())
    );
    let receipts = supplier2.get_block_receipts(BlockId::Height(other_height)).await.unwrap();
    assert!(
        receipts.iter().all(|r| r.tx_hash != other_hash),
        "supplier3's voucher is not in supplier2's view"
    );
    // Its queries run as its own account: it sees its piece, not supplier1's remainder.
    let receivables = ContractAddress::system("receivables").to_hex();
    let held = supplier2
        .query(
            receivables.clone(),
            "list_by_holder".into(),
            to_hex(&borsh::to_vec(&"supplier2".to_string()).unwrap()),
            None,
        )
        .await
        .unwrap();
    let held: Vec<Voucher> = borsh::from_slice(&from_hex(&held.data).unwrap()).unwrap();
    assert_eq!(held.iter().map(|v| v.amount).collect::<Vec<_>>(), [400_00]);

    // The auditor sees everything.
    let auditor = as_member(&node, "auditor", 5 * 60_000);
    assert!(auditor.get_transaction(other_hash.clone()).await.is_ok());
    assert!(auditor
        .get_block_receipts(BlockId::Height(other_height))
        .await
        .unwrap()
        .iter()
        .any(|r| r.tx_hash == other_hash));

    // An account's nonce is its member's (and overseers'): not another member's to read.
    let core = Keypair::dev("core").account_id().to_hex();
    assert_eq!(
        rpc_error(supplier2.get_account(core.clone()).await),
        (codes::FORBIDDEN, "not_visible".into())
    );
    assert!(supplier2.get_account(Keypair::dev("supplier2").account_id().to_hex()).await.is_ok());
    assert!(auditor.get_account(core).await.is_ok());

    // Credentials are checked: a stale or far-future login, a forged cookie, an outsider.
    assert_eq!(rpc_error(as_member(&node, "supplier2", 20 * 60_000).chain_head().await).1, "expiry_too_far");
    let forged = node.client_as(Some(scf_rpc_api::Credential::Operator { cookie: "0".repeat(64) }));
    assert_eq!(rpc_error(forged.chain_head().await).1, "bad_credential");
    // A login signed by another key is refused on every request, as the first time (the node
    // keeps verdicts, good and bad); the genuine login for the same moment still works.
    let expires_at_ms = now_ms() + 60_000;
    let genuine = scf_rpc_api::Credential::login(&Keypair::dev("supplier2"), "scf-dev", expires_at_ms);
    let scf_rpc_api::Credential::Member { signature, .. } =
        scf_rpc_api::Credential::login(&Keypair::dev("supplier1"), "scf-dev", expires_at_ms)
    else {
        unreachable!("a login is a member credential")
    };
    let impostor = node.client_as(Some(scf_rpc_api::Credential::Member {
        account: Keypair::dev("supplier2").account_id(),
        expires_at_ms,
        signature,
    }));
    for _ in 0..2 {
        assert_eq!(rpc_error(impostor.chain_head().await).1, "bad_signature");
        assert!(node.client_as(Some(genuine.clone())).chain_head().await.is_ok());
    }
    assert_eq!(
        rpc_error(
            as_member(&node, "stranger", hour / 60)
                .get_account(Keypair::dev("core").account_id().to_hex())
                .await
        )
        .1,
        "not_a_member"
    );

    // supplier2 suspended: its next request is refused, with the block that suspends it.
    let suspend = scf_interface::registry::SetActiveArgs { name: "supplier2".into(), active: false };
    assert!(
        run(&operator, "operator", call("registry", "set_active", borsh::to_vec(&suspend).unwrap())).await.0
    );
    assert_eq!(
        rpc_error(supplier2.get_transaction(moved_hash).await),
        (codes::FORBIDDEN, "member_suspended".into())
    );
    // Nor does a query it signed, sent by anyone.
    let held = borsh::to_vec(&"supplier2".to_string()).unwrap();
    let signed =
        signed_query(&operator, "supplier2", "receivables", "list_by_holder", held, now_ms() + 60_000).await;
    assert_eq!(rpc_error(signed), (codes::FORBIDDEN, "member_suspended".into()));
}

/// RPC beyond loopback is encrypted: with a certificate the node serves HTTPS (a client trusting
/// the certificate reads the chain; plain HTTP gets nothing), and without one a node whose RPC
/// would listen beyond loopback refuses to start, saying what to configure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_beyond_loopback_is_tls_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("rpc.pem"), dir.path().join("rpc.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();

    let node = Node::dev_with_args(
        Path::new(env!("CARGO_BIN_EXE_scf-node")),
        &dir.path().join("node"),
        &["--rpc-tls-cert", cert_path.to_str().unwrap(), "--rpc-tls-key", key_path.to_str().unwrap()],
    );
    node.start();
    let rpc_port = node.url().rsplit(':').next().unwrap().to_string();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let https = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(10))
        .with_custom_cert_store(tls)
        .build(format!("https://127.0.0.1:{rpc_port}"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let head = loop {
        match https.chain_head().await {
            Ok(head) => break head,
            Err(e) => assert!(Instant::now() < deadline, "no HTTPS answer within 60 s: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(head.chain_id, "scf-dev");
    let plain = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(5))
        .build(format!("http://127.0.0.1:{rpc_port}"))
        .unwrap();
    assert!(plain.chain_head().await.is_err(), "plain HTTP is not served on a TLS port");

    // Without a certificate, an RPC address beyond loopback stops the node before it starts
    // anything (no socket is opened).
    let out = Command::new(env!("CARGO_BIN_EXE_scf-node"))
        .args(["--dev", "--data-dir"])
        .arg(dir.path().join("open"))
        .args(["--rpc-addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reachable beyond this machine") && stderr.contains("rpc_tls_cert"), "{stderr}");
}

/// A data directory the node cannot create, or cannot write into, stops it at start with a
/// message that names the directory (paths under /proc and /sys refuse even root).
#[test]
fn a_data_directory_the_node_cannot_write_is_refused_at_start() {
    let (rpc_port, p2p_port) = scf_harness::free_ports();
    let run = |dir: &str| {
        Command::new(env!("CARGO_BIN_EXE_scf-node"))
            .args(["--dev", "--data-dir", dir, "--rpc-addr", &format!("127.0.0.1:{rpc_port}")])
            .args(["--p2p-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
            .output()
            .unwrap()
    };
    let out = run("/proc/scf-no-such-dir/data");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot create the data directory /proc/scf-no-such-dir/data"), "{stderr}");
    let out = run("/sys/kernel");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the data directory /sys/kernel is not writable"), "{stderr}");
}

/// A crash at each named point of the commit path (feature `failpoints`, which the workspace's
/// tests enable): the node aborts there under load, restarts on the same data directory, serves
/// an unbroken chain whose every block links to the one before, goes on finalizing, and every
/// transaction it acknowledged is committed in the end.
#[cfg(feature = "failpoints")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_at_each_point_of_the_commit_path_loses_nothing() {
    let key = Keypair::dev("core");
    for point in ["commit.before_write", "commit.after_write", "commit.after_head"] {
        let dir = tempfile::tempdir().unwrap();
        let node = Node::dev(Path::new(env!("CARGO_BIN_EXE_scf-node")), &dir.path().join("node"));
        // First life: crash the third time the point is passed (genesis and the first blocks
        // before it), with transactions pending.
        node.start_with(&[("SCF_CRASH_AT", point), ("SCF_CRASH_AFTER", "3")]);
        let client = node.ready().await;
        let maturity_day = days_ahead(&client, 90).await;
        let nonce = client.get_account(key.account_id().to_hex()).await.unwrap().nonce;
        let mut acknowledged = Vec::new();
        for i in 0..20 {
            let args = IssueArgs {
                to: "supplier1".into(),
                amount: 1 + i as u128,
                currency: "CNY".into(),
                maturity_day,
                trade_ref: None,
            };
            let payload = call("receivables", "issue", borsh::to_vec(&args).unwrap());
            let tx = key.sign_transaction(Transaction {
                chain_id: "scf-dev".into(),
                sender: key.account_id(),
                nonce: nonce + i,
                payload,
            });
            match submit(&client, &tx).await {
                Ok(hash) => acknowledged.push(hash),
                Err(_) => break, // crashed meanwhile
            }
        }
        let status = node.exited_within(Duration::from_secs(60)).await;
        assert!(!status.success(), "{point}: {status}");
        let log = node.log();
        assert!(log.contains(&format!("crash point {point} reached")), "{point}: {log}");

        // Second life: the same data directory, no crash point.
        node.start();
        let client = node.ready().await;
        let head = client.chain_head().await.unwrap().height;
        let mut parent = client.get_block(BlockId::Height(0)).await.unwrap().hash;
        for h in 1..=head {
            let block = client.get_block(BlockId::Height(h)).await.unwrap();
            assert_eq!(block.parent_hash, parent, "{point}: block {h} does not follow block {}", h - 1);
            parent = block.hash;
        }
        for hash in &acknowledged {
            wait_committed(&client, hash).await;
        }
        let now = client.chain_head().await.unwrap().height;
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.chain_head().await.unwrap().height < now + 2 {
            assert!(Instant::now() < deadline, "{point}: no blocks after the restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Flipped bytes in the database's write-ahead log (where the latest committed blocks live until
/// RocksDB flushes them): the node refuses to start, saying the database is corrupt, rather than
/// replaying up to the damage and serving a shorter chain as the truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_database_log_is_refused_not_replayed_in_part() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let node = start_node(&data_dir);
    let client = node.ready().await;
    issue_vouchers(&client, 5).await;
    let head = client.chain_head().await.unwrap().height;
    node.kill();
    // The largest log file holds the committed blocks; damage a byte a third of the way in.
    let log = std::fs::read_dir(data_dir.join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .expect("a write-ahead log");
    let mut bytes = std::fs::read(&log).unwrap();
    assert!(bytes.len() > 30_000, "the log holds the blocks: {} bytes", bytes.len());
    let at = bytes.len() / 3;
    bytes[at] ^= 0x5a;
    std::fs::write(&log, &bytes).unwrap();

    node.start();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = node.exit_status() {
            break Some(status);
        }
        if let Some(h) = node.height().await {
            panic!("the node started on a damaged database at height {h} (was {head})");
        }
        if Instant::now() > deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let status = status.expect("the node neither started nor stopped");
    assert!(!status.success());
    let stderr = node.log();
    assert!(stderr.contains("Corruption") && stderr.contains("the database is damaged"), "{stderr}");
}

/// Flipped bytes in the consensus write-ahead log (what this validator signed for the height in
/// progress): the node refuses to start, naming the file, the height and what to do, rather than
/// letting Malachite cut the log at the damage and possibly sign a second, different vote.
/// Followed as the message says (the file moved aside once the height is final), it goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_consensus_wal_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let wal = data_dir.join("wal").join("consensus.wal");
    let node = start_node(&data_dir);
    let client = node.ready().await;
    node.wait_height(2, Duration::from_secs(30)).await;
    // A lone validator's log is empty between heights (it decides in milliseconds, then resets
    // the log), so a kill almost never finds an entry in it: after the kill, one is appended with
    // Malachite's own writer, to the log of the height the node was at, as a validator of a
    // larger network would have left it.
    let entry_data = 12 + 13; // the log's header (version, height), an entry's (flag, length, CRC)
    node.kill();
    {
        let mut log = malachitebft_wal::Log::open(&wal).unwrap();
        assert!(log.sequence() > 0, "the log belongs to the height in progress");
        log.append(b"a vote this validator signed, as the log keeps it").unwrap();
        log.flush().unwrap();
    }
    let head = client.chain_head().await.map(|h| h.height).unwrap_or(0);
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes[entry_data as usize + 2] ^= 0x21;
    std::fs::write(&wal, &bytes).unwrap();

    node.start();
    let status = node.exited_within(Duration::from_secs(60)).await;
    assert!(!status.success());
    let log = node.log();
    assert!(log.contains("the consensus write-ahead log") && log.contains("is damaged"), "{}", node.tail());
    assert!(log.contains("entry 0 of") && log.contains("move the file aside"), "{}", node.tail());

    // As the message says: a lone validator's height is final once it is past it; move the file
    // aside and start again.
    std::fs::rename(&wal, wal.with_extension("damaged")).unwrap();
    node.start();
    let client = node.ready().await;
    node.wait_height(head + 2, Duration::from_secs(30)).await;
    assert!(client.chain_head().await.unwrap().height >= head + 2);
}

/// Flipped bytes in the database's table files (blocks flushed at a clean shutdown): RocksDB
/// checks every block it reads against its checksum, so a damaged block is an error, at start or
/// on the read that meets it, never a wrong block served: every block the node serves afterwards
/// is the block it served before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_table_file_is_an_error_never_a_wrong_block() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let node = start_node(&data_dir);
    let client = node.ready().await;
    issue_vouchers(&client, 5).await;
    let head = client.chain_head().await.unwrap().height;
    let mut before = Vec::new();
    for h in 0..=head {
        before.push(client.get_block(BlockId::Height(h)).await.unwrap().hash);
    }
    // A clean stop flushes what the node committed into table files.
    node.stop();
    let db_path = data_dir.join("db");
    let tables: Vec<(String, u64)> = {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &db_path).unwrap();
        let db = rocksdb::DB::open_cf_for_read_only(&rocksdb::Options::default(), &db_path, &names, false)
            .unwrap();
        db.live_files()
            .unwrap()
            .into_iter()
            .filter(|f| f.column_family_name == "blocks")
            .map(|f| (f.name, f.size as u64))
            .collect()
    };
    assert!(!tables.is_empty(), "the clean stop left the blocks in table files");
    // A byte in the middle of each of the blocks' table files: inside a data block.
    for (name, size) in &tables {
        let path = db_path.join(name.trim_start_matches('/'));
        let mut bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, *size);
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
    }

    node.start();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if node.exit_status().is_some() || node.height().await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(ready.is_ok(), "the node neither started nor stopped");
    if let Some(status) = node.exit_status() {
        // Refused at start (the damaged block was read there).
        assert!(!status.success());
        assert!(node.log().contains("Corruption"), "{}", node.tail());
        return;
    }
    let client = node.client();
    let mut refused = 0;
    let now = client.chain_head().await.unwrap().height;
    for h in 0..=now {
        match client.get_block(BlockId::Height(h)).await {
            Ok(block) => {
                if let Some(hash) = before.get(h as usize) {
                    assert_eq!(&block.hash, hash, "block {h} served changed");
                }
            }
            Err(e) => {
                assert!(e.to_string().contains("Corruption"), "block {h}: {e}");
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "no read met the damaged block");
    assert!(node.log().contains("Corruption"), "the node logs the damage for its operator");
}

/// The value of the first sample of `name` (with exactly these `labels`, `{..}` text or empty)
/// in a Prometheus text exposition.
fn sample(exposition: &str, name: &str, labels: &str) -> Option<f64> {
    let prefix = format!("{name}{labels} ");
    exposition.lines().find_map(|l| l.strip_prefix(&prefix)).and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_metrics_probes_and_the_log_filter() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_port = scf_harness::free_ports().0;
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let node = Node::dev_with_args(
        Path::new(env!("CARGO_BIN_EXE_scf-node")),
        &dir.path().join("node"),
        &["--metrics-addr", &metrics_addr],
    );
    node.start_with(&[("RUST_LOG", "warn,scf=info")]);
    let client = node.ready().await;

    // Probes: alive with a readable store, and ready once it follows the chain (a new chain's
    // head is its genesis, stamped long ago; a lone validator needs no peer).
    let (status, body) = scf_harness::http_get(node.url(), "/health").await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    node.wait_height(1, Duration::from_secs(30)).await;
    let (status, body) = scf_harness::http_get(node.url(), "/ready").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true, "{body}");

    // One committed voucher, and some RPC calls, show in the metrics.
    issue_vouchers(&client, 1).await;
    let (status, text) = scf_harness::http_get(&metrics_addr, "/metrics").await.unwrap();
    assert_eq!(status, 200);
    assert!(sample(&text, "scf_transactions_committed_total", "").unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "scf_height", "").unwrap() >= 1.0);
    assert!(sample(&text, "scf_blocks_committed_total", "").unwrap() >= 1.0);
    assert!(text.contains("scf_execution_seconds_bucket"), "execution time histogram");
    assert!(text.contains("scf_commit_seconds_count"), "commit time histogram");
    assert!(
        sample(&text, "scf_rpc_calls_total", "{method=\"scf_submitTransaction\",outcome=\"ok\"}").unwrap()
            >= 1.0
    );
    assert!(text.contains("scf_rpc_call_seconds_bucket{le="), "{text}");
    assert!(sample(&text, "scf_database_bytes", "").unwrap() > 0.0);
    assert!(sample(&text, "scf_pool_transactions", "").is_some());
    assert!(sample(&text, "process_cpu_seconds_total", "").unwrap() > 0.0);
    assert!(sample(&text, "process_resident_memory_bytes", "").unwrap() > 1e6);
    assert!(text.contains("malachitebft_core_consensus_height"), "Malachite's own metrics are served too");
    // A made-up method name is counted as `unknown`: clients cannot grow the label set.
    let _ = jsonrpsee::core::client::ClientT::request::<serde_json::Value, _>(
        &client,
        "scf_noSuchMethod_8a7f",
        jsonrpsee::rpc_params![],
    )
    .await;
    let (_, text) = scf_harness::http_get(&metrics_addr, "/metrics").await.unwrap();
    assert!(!text.contains("scf_noSuchMethod_8a7f"));
    assert!(
        sample(&text, "scf_rpc_calls_total", "{method=\"unknown\",outcome=\"error\"}").unwrap() >= 1.0,
        "{text}"
    );
    // Every metric the Grafana dashboard plots is one the node serves.
    let dashboard =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/grafana/scf-node.json"))
            .unwrap();
    let mut plotted: Vec<&str> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| ["scf_", "process_", "malachitebft_"].iter().any(|p| w.starts_with(p)))
        .collect();
    plotted.sort();
    plotted.dedup();
    assert!(plotted.len() >= 10, "{plotted:?}");
    for name in plotted {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "the dashboard plots {name}, which /metrics lacks"
        );
    }
    let (status, _) = scf_harness::http_get(&metrics_addr, "/other").await.unwrap();
    assert_eq!(status, 404);

    // The log filter changes at run time, for the operator only.
    let set = |c: HttpClient, filter: &str| {
        let filter = filter.to_string();
        async move {
            jsonrpsee::core::client::ClientT::request::<scf_rpc_api::LogFilter, _>(
                &c,
                "admin_setLogFilter",
                jsonrpsee::rpc_params![filter],
            )
            .await
        }
    };
    let (code, message) = rpc_error(set(node.anonymous(), "debug").await);
    assert_eq!(code, codes::FORBIDDEN, "{message}");
    let (code, message) = rpc_error(set(as_member(&node, "auditor", 60_000), "debug").await);
    assert_eq!(code, codes::FORBIDDEN, "an auditor reads the chain, not the node's logs: {message}");
    let (code, message) = rpc_error(set(client.clone(), "scf=[").await);
    assert_eq!(code, codes::INVALID_PARAMS, "{message}");
    assert!(!node.log().contains("built block"), "debug lines are off by default");
    let changed = set(client.clone(), "warn,scf=debug").await.unwrap();
    assert_eq!(changed.previous, "warn,scf=info");
    assert_eq!(changed.current, "warn,scf=debug");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !node.log().contains("built block") {
        assert!(Instant::now() < deadline, "no debug line after the filter changed:\n{}", node.tail());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node.stop();
}

/// The block explorer served at `/explorer`, driven in a real headless Chromium
/// (`node/tests/explorer/explorer.test.mjs`): live height, anonymous reader, operator and
/// auditor sign-in, a voucher's lineage as a tree, a trade order with its document, member and
/// transaction pages, search.
/// `SCF_EXPLORER_SCREENSHOTS=<dir>` keeps its screenshots (docs/explorer.md shows them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_in_a_real_browser() {
    let script_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/explorer");
    assert!(
        script_dir.join("node_modules/puppeteer-core").exists(),
        "run `npm ci` in {} first (tools/scripts/setup.sh does)",
        script_dir.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(&dir.path().join("node"));
    let client = node.ready().await;

    // A voucher split once: the root and two pieces.
    let (id, _) = issue_accept_and_split(&client).await;

    // A trade order with a document.
    use scf_interface::trade::{AttachArgs, CreateOrderArgs, DocumentKind, Incoterm, PaymentTerms};
    let order = CreateOrderArgs {
        buyer: "core".into(),
        seller: "supplier1".into(),
        buyer_bank: None,
        seller_bank: None,
        carrier: None,
        currency: "CNY".into(),
        amount: 50_000,
        goods_hash: scf_primitives::Hash([7; 32]),
        incoterm: Incoterm::Fob,
        latest_shipment_day: days_ahead(&client, 30).await,
        terms: PaymentTerms::OnDelivery,
    };
    let (ok, data, err) =
        run(&client, "core", call("trade", "create_order", borsh::to_vec(&order).unwrap())).await;
    assert!(ok, "{err:?}");
    let order: u64 = borsh::from_slice(&data).unwrap();
    let document = AttachArgs {
        order,
        kind: DocumentKind::PurchaseContract,
        sha256: scf_primitives::Hash([9; 32]),
        blob_ref: None,
        supersedes: None,
    };
    let (ok, _, err) =
        run(&client, "core", call("trade", "attach_document", borsh::to_vec(&document).unwrap())).await;
    assert!(ok, "{err:?}");

    let cookie = std::fs::read_to_string(node.data_dir().join(scf_rpc_api::OPERATOR_COOKIE_FILE)).unwrap();
    let login = scf_rpc_api::Credential::login(&Keypair::dev("auditor"), "scf-dev", now_ms() + 9 * 60_000);
    let login = login.header_value().trim_start_matches("Bearer ").to_string();
    let mut browser = Command::new("node");
    browser.current_dir(&script_dir).arg("explorer.test.mjs").args([
        node.url(),
        cookie.trim(),
        &login,
        &id.to_string(),
        &order.to_string(),
    ]);
    if let Ok(shots) = std::env::var("SCF_EXPLORER_SCREENSHOTS") {
        browser.arg(shots);
    }
    let out = tokio::task::spawn_blocking(move || browser.output()).await.unwrap().expect("running node");
    assert!(
        out.status.success(),
        "the explorer test failed:\n{}\n{}\nnode log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        node.tail()
    );
    node.stop();
}
