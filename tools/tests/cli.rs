//! The README quickstart, run through the real `scf` binary against a real `scf-node --dev`.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::{Duration, Instant},
};

use scf_harness::Node;

fn node_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_scf")).with_file_name("scf-node");
    assert!(path.exists(), "{} is missing: build it first (cargo test --workspace does)", path.display());
    path
}

struct Cli {
    url: String,
    home: PathBuf,
    /// The node's operator cookie: the CLI reads as the operator when no `--as` is given, as on
    /// the node's own machine.
    cookie: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_scf"))
            .arg("--node")
            .arg(&self.url)
            .args(args)
            .env("SCF_HOME", &self.home)
            .env("SCF_PASSPHRASE", "cli test passphrase")
            .env("SCF_RPC_COOKIE", &self.cookie)
            .output()
            .expect("running scf")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "scf {args:?} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("--json prints JSON")
    }
}

#[test]
fn readme_quickstart_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, cli) = start(dir.path());
    assert_eq!(cli.json(&["chain", "status"])["chain_id"], "scf-dev");

    let out = cli.ok(&[
        "voucher",
        "issue",
        "--to",
        "supplier1",
        "--amount",
        "1000.00",
        "--currency",
        "CNY",
        "--maturity",
        "+90d",
        "--as",
        "core",
    ]);
    assert!(out.contains("issued voucher 1"), "{out}");
    // `+90d` counts from the chain's day: its head's, or the proposer's clock if later.
    let head_ms = cli.json(&["chain", "status"])["timestamp_ms"].as_u64().unwrap();
    let shown = cli.json(&["voucher", "show", "1", "--as", "core"]);
    let maturity = shown["maturity"].as_str().unwrap().to_string();
    let head_day = (head_ms / 86_400_000) as u32;
    assert!(
        [head_day + 90, head_day + 89].map(scf_interface::receivables::format_date).contains(&maturity),
        "maturity {maturity} is not 90 days after the chain's day {head_day}"
    );
    let bad = cli.run(&[
        "voucher",
        "issue",
        "--to",
        "supplier1",
        "--amount",
        "1.00",
        "--maturity",
        "+90",
        "--as",
        "core",
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a date YYYY-MM-DD or +DAYSd"), "{bad:?}");
    cli.ok(&["voucher", "accept", "1", "--as", "supplier1"]);
    let out =
        cli.ok(&["voucher", "transfer", "1", "--to", "supplier2", "--amount", "400.00", "--as", "supplier1"]);
    assert!(out.contains("transferred as voucher 2; remainder is voucher 3"), "{out}");

    let held = |who: &str| -> Vec<String> {
        cli.json(&["voucher", "list", "--holder", who, "--as", who])
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["amount"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(held("supplier1"), ["600.00"]);
    assert_eq!(held("supplier2"), ["400.00"]);
    assert!(cli
        .ok(&["voucher", "list", "--holder", "supplier1", "--as", "supplier1"])
        .contains("total live: 600.00 CNY"));
    let shown = cli.json(&["voucher", "show", "2", "--as", "supplier2"]);
    assert_eq!((shown["holder"].as_str(), shown["root_id"].as_u64()), (Some("supplier2"), Some(1)));

    // A broken rule fails with the contract's reason and a non-zero exit.
    let out = cli.run(&[
        "voucher",
        "transfer",
        "2",
        "--to",
        "supplier1",
        "--amount",
        "500.00",
        "--as",
        "supplier2",
    ]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("exceeds voucher 2's amount 40000"), "{stdout}");
    assert!(stdout.contains("[contract_error: exceeds_amount]"), "the code is shown: {stdout}");
    // Scripts get the stable code as fields, and the ids a command created.
    let out = cli.run(&[
        "--json",
        "voucher",
        "transfer",
        "2",
        "--to",
        "supplier1",
        "--amount",
        "500.00",
        "--as",
        "supplier2",
    ]);
    assert!(!out.status.success());
    let failed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // A transaction the node does not know: the answer says what that means and what to do.
    let unknown = format!("0x{}", "ab".repeat(32));
    let out = cli.run(&["tx", "show", &unknown, "--as", "supplier2"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not found [not_found]") && stderr.contains("Send it again"), "{stderr}");
    let receipt = &failed["receipt"];
    assert_eq!(
        (receipt["error_code"].as_u64(), receipt["error_name"].as_str()),
        (Some(7), Some("exceeds_amount"))
    );
    let issued = cli.json(&[
        "voucher",
        "issue",
        "--to",
        "supplier1",
        "--amount",
        "5.00",
        "--maturity",
        "+30d",
        "--as",
        "core",
    ]);
    let id = issued["voucher_id"].as_u64().expect("voucher issue --json names the voucher");
    let event = &issued["receipt"]["events"][0];
    assert_eq!(event["topic"], "voucher_issued");
    assert_eq!(event["parties"], serde_json::json!(["core", "supplier1"]));
    assert_eq!(event["subjects"], serde_json::json!([{"kind": "voucher", "id": id.to_string()}]));
    cli.ok(&["voucher", "cancel", &id.to_string(), "--as", "core"]);
    // Bad input caught before anything is sent.
    let out = cli.run(&[
        "voucher",
        "issue",
        "--to",
        "supplier1",
        "--amount",
        "1.001",
        "--maturity",
        "+90d",
        "--as",
        "core",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 2 decimal places"));
    let out = cli.run(&[
        "voucher",
        "issue",
        "--to",
        "nobody",
        "--amount",
        "1",
        "--maturity",
        "+90d",
        "--as",
        "core",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is neither a member name, an account, nor a key"));

    // Blocks and transactions are inspectable.
    let head = cli.json(&["chain", "status"])["height"].as_u64().unwrap();
    assert!(head >= 3);
    let block = cli.json(&["block", "show", "1"]);
    assert_eq!(block["height"], 1);
    let account = cli.json(&["account", "show", "core"]);
    assert_eq!(account["member"]["role"], "core_enterprise");

    // The generic path: the same kind of transfer through `contract call` with typed JSON args,
    // and a raw query.
    let receivables = scf_interface::SystemContract::Receivables.address().to_hex();
    cli.ok(&[
        "contract",
        "call",
        &receivables,
        "transfer",
        "--args",
        r#"["u64:3", "string:supplier2", "u128:10000"]"#,
        "--as",
        "supplier1",
    ]);
    assert_eq!(held("supplier2"), ["400.00", "100.00"]);
    let raw =
        cli.json(&["contract", "query", &receivables, "get", "--args", r#"["u64:4"]"#, "--as", "auditor"]);
    assert!(raw["data"].as_str().unwrap().starts_with("0x01"), "Some(voucher)");
    let out = cli.run(&[
        "contract",
        "call",
        &receivables,
        "transfer",
        "--args",
        r#"["u64:x"]"#,
        "--as",
        "supplier1",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("argument 0"));

    // Deploy a contract (a second receivables instance bound to the same registry) and query it.
    let registry = scf_interface::SystemContract::Registry.address().to_hex();
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../genesis/receivables.wasm");
    let token = scf_interface::SystemContract::DepositToken.address().to_hex();
    // InitArgs { registry, deposit_token, credit_lines: [] } (an empty list is a zero u32 length).
    let init = format!(r#"["address:{registry}", "address:{token}", "u32:0"]"#);
    // On the dev chain its one validator approves the code first: still one command.
    let out =
        cli.ok(&["contract", "deploy", wasm.to_str().unwrap(), "--init-args", &init, "--as", "operator"]);
    assert!(out.contains("dev chain: validator0 approved code"), "{out}");
    let address = out
        .lines()
        .find_map(|l| l.strip_prefix("deployed contract "))
        .expect("deployed contract <address>")
        .to_string();
    let none = cli.json(&["contract", "query", &address, "get", "--args", r#"["u64:1"]"#, "--as", "auditor"]);
    assert_eq!(none["data"], "0x00", "the new instance has no vouchers");
    // Listed with its approval; an upgrade keeps the address and counts the version.
    let listed = |cli: &Cli| -> serde_json::Value {
        let all = cli.json(&["contract", "list"]);
        all.as_array().unwrap().iter().find(|c| c["address"] == address.as_str()).cloned().expect("listed")
    };
    let entry = listed(&cli);
    assert_eq!(entry["version"], 1, "{entry}");
    assert!(entry["proposal"].as_u64().is_some(), "{entry}");
    assert_eq!(entry["approvers"].as_array().unwrap().len(), 1);
    let system = cli.json(&["contract", "list"]);
    assert!(system.as_array().unwrap().iter().any(|c| c["name"] == "receivables" && c["proposal"].is_null()));
    let upgraded = cli.json(&["contract", "upgrade", &address, wasm.to_str().unwrap(), "--as", "operator"]);
    assert_eq!(upgraded["receipt"]["success"], true, "{upgraded}");
    assert_eq!(upgraded["address"], address.as_str());
    assert_eq!(listed(&cli)["version"], 2);
    // An outsider's key is refused with a typed error: it cannot even sign in to read.
    cli.ok(&["keys", "new", "outsider"]);
    let refused = cli.run(&["voucher", "accept", "1", "--as", "outsider"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("acts for no member") && stderr.contains("[not_a_member]"), "{stderr}");
    let out = cli.run(&["contract", "deploy", "/nonexistent.wasm", "--as", "operator"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent.wasm"));

    // Keys: stored encrypted under a passphrase, which a script passes in SCF_PASSPHRASE.
    let out = Command::new(env!("CARGO_BIN_EXE_scf"))
        .args(["keys", "new", "nopass"])
        .env("SCF_HOME", &cli.home)
        .env_remove("SCF_PASSPHRASE")
        .env_remove("SCF_PASSPHRASE_FILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("set SCF_PASSPHRASE"), "{out:?}");
    let created = cli.json(&["keys", "new", "alice"]);
    let file = std::fs::read_to_string(cli.home.join("keys/alice.key")).unwrap();
    assert!(file.contains("BEGIN AGE ENCRYPTED FILE"), "{file}");
    let shown = cli.json(&["keys", "show", "alice"]);
    assert_eq!(created["account"], shown["account"]);
    assert!(!cli.run(&["keys", "new", "alice"]).status.success());

    // Settlement after maturity pays every holder; its JSON says whether another call is needed.
    cli.ok(&["token", "mint", "--to", "core", "--amount", "1000.00", "--as", "bank"]);
    cli.ok(&["token", "approve", "--token", "bank/CNY", "--amount", "1000.00", "--as", "core"]);
    cli.ok(&["dev", "advance-time", "3650d"]);
    let settled = cli.json(&["voucher", "settle", "1", "--token", "bank", "--as", "core"]);
    assert_eq!(settled["receipt"]["success"], true, "{settled}");
    assert_eq!(settled["unpaid_pieces"], 0, "{settled}");
    let balance = |who: &str| {
        cli.json(&["token", "balance", "--member", who, "--token", "bank/CNY", "--as", who])["balance"]
            .clone()
    };
    // 400.00 and then 100.00 went from supplier1 to supplier2 above.
    assert_eq!((balance("supplier1"), balance("supplier2")), ("500.00".into(), "500.00".into()));
}

/// A dev node with its data in `dir/data`, and the CLI pointed at it.
fn start(dir: &Path) -> (Node, Cli) {
    let node = Node::dev(&node_binary(), &dir.join("data"));
    node.start();
    let cli = Cli {
        url: node.url().to_string(),
        home: dir.join("home"),
        cookie: dir.join("data").join(scf_rpc_api::OPERATOR_COOKIE_FILE),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cli.run(&["chain", "status"]).status.success() {
        assert!(Instant::now() < deadline, "node did not come up:\n{}", node.tail());
        std::thread::sleep(Duration::from_millis(200));
    }
    (node, cli)
}

/// The discounting story of issue "Receivables" on a real node, with its figures checked
/// against hand computation: 300,000.00 CNY at 4.35 % for 90 days ACT/360 is a discount of
/// 300,000.00 × 0.0435 × 90 / 360 = 3,262.50 CNY.
#[test]
fn discounting_demo_on_a_real_node() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, cli) = start(dir.path());
    // Start the story so that the chain's midnight falls between issuing (~0.6 s in) and
    // financing (~1.1 s in): its figures must not depend on the time of day it runs. The demo
    // moves past midnight first; without that, this run would count 89 days.
    let now = cli.json(&["dev", "advance-time", "1s"])["chain_now_ms"].as_u64().unwrap();
    let to_midnight = (86_400_000 - now % 86_400_000) / 1000;
    if to_midnight > 4 {
        let set = cli.json(&["dev", "advance-time", &format!("{}s", to_midnight - 4)]);
        let left_ms = 86_400_000 - set["chain_now_ms"].as_u64().unwrap() % 86_400_000;
        std::thread::sleep(std::time::Duration::from_millis(left_ms.saturating_sub(900)));
    }
    let out = cli.json(&["demo", "discounting"]);
    assert_eq!(out["days"], 90);
    assert_eq!(out["discount"], "3262.50");
    assert_eq!(out["net_proceeds"], "296737.50");
    assert_eq!(out["settled"], "1000000.00");
    assert_eq!(out["paid_to_bank_at_maturity"], "300000.00");
    assert_eq!(out["paid_to_supplier1_at_maturity"], "700000.00");
    assert_eq!(out["balances"]["supplier2"], "296737.50");
    assert_eq!(out["balances"]["bank"], "1003262.50");
    assert_eq!(out["balances"]["core"], "0.00");

    // Every piece of the root is settled, and the supply of bank/CNY is what was minted.
    let root = out["root"].as_u64().unwrap().to_string();
    let lineage = cli.json(&["voucher", "lineage", &root, "--as", "core"]);
    let live: Vec<_> = lineage.as_array().unwrap().iter().filter(|v| v["status"] != "split").collect();
    assert!(live.iter().all(|v| v["status"] == "settled"), "{lineage}");
    let supply = cli.json(&["token", "supply", "--token", "bank/CNY", "--as", "bank"]);
    assert_eq!(
        (supply["minted"].as_str(), supply["outstanding"].as_str()),
        (Some("2000000.00"), Some("2000000.00"))
    );

    // Rules the story relies on, broken on purpose: a financed piece cannot be financed again,
    // and a settled voucher cannot be settled twice.
    let v = out["supplier2_voucher"].as_u64().unwrap().to_string();
    let again = cli.run(&["finance", "apply", &v, "--financier", "bank", "--as", "supplier2"]);
    assert!(!again.status.success());
    let twice = cli.run(&["voucher", "settle", &root, "--token", "bank", "--as", "core"]);
    assert!(String::from_utf8_lossy(&twice.stdout).contains("no live, unfrozen pieces to settle"));
    let credit = cli.json(&["credit", "show", "--core", "core", "--as", "core"]);
    assert_eq!(credit["outstanding"], "0.00", "settlement releases the credit line");

    readers_of_the_story(&cli);
}

/// Who reads the discounting story over RPC (issue 20): an anonymous client decodes none of its
/// business events; supplier2 sees its own transfer and financing and only events naming it;
/// the auditor sees every receipt the node's operator sees.
fn readers_of_the_story(cli: &Cli) {
    use jsonrpsee::http_client::{HeaderMap, HttpClient, HttpClientBuilder};
    use scf_primitives::crypto::Keypair;
    use scf_rpc_api::{BlockId, Credential, ScfApiClient};
    let client = |credential: Option<Credential>| -> HttpClient {
        let mut headers = HeaderMap::new();
        if let Some(c) = credential {
            headers.insert("authorization", c.header_value().parse().unwrap());
        }
        HttpClientBuilder::default().set_headers(headers).build(&cli.url).unwrap()
    };
    let member = |who: &str| {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
        client(Some(Credential::login(&Keypair::dev(who), "scf-dev", now + 60_000)))
    };
    let cookie = std::fs::read_to_string(&cli.cookie).unwrap();
    let (anonymous, operator) = (client(None), client(Some(Credential::Operator { cookie })));
    let (supplier2, auditor) = (member("supplier2"), member("auditor"));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let head = anonymous.chain_head().await.unwrap().height;
        let mut seen_by_supplier2 = Vec::new();
        let mut business_receipts = 0;
        for h in 1..=head {
            let id = || BlockId::Height(h);
            assert!(anonymous.get_block(id()).await.unwrap().transactions.is_empty());
            assert!(anonymous.get_block_receipts(id()).await.is_err(), "anonymous receipts at {h}");
            let all = operator.get_block_receipts(id()).await.unwrap();
            business_receipts += all.len();
            assert_eq!(auditor.get_block_receipts(id()).await.unwrap(), all, "the auditor sees all at {h}");
            for r in supplier2.get_block_receipts(id()).await.unwrap() {
                for e in &r.receipt.events {
                    assert!(e.parties.is_empty() || e.parties.contains(&"supplier2".to_string()), "{e:?}");
                    seen_by_supplier2.push(e.topic.clone());
                }
            }
        }
        assert!(business_receipts > 10, "the story committed its transactions");
        // Its financed piece is the bank's at maturity: the settlement is not supplier2's business.
        for topic in ["voucher_transferred", "financing_requested", "financing_approved"] {
            assert!(
                seen_by_supplier2.iter().any(|t| t == topic),
                "supplier2 sees its {topic}: {seen_by_supplier2:?}"
            );
        }
        assert!(
            !seen_by_supplier2.iter().any(|t| t == "voucher_issued"),
            "supplier1's issuance is not supplier2's"
        );
    });
}

/// Maker–checker, private reads and subsidiaries, through the CLI on a real node.
#[test]
fn maker_checker_private_reads_and_groups_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, cli) = start(dir.path());
    // The operator cannot attach a key to the bank on its own: it is a request the bank approves.
    let new_key = cli.json(&["keys", "new", "bank-2"])["account"].as_str().unwrap().to_string();
    let out = cli.ok(&["member", "add-account", "bank", "--account", &new_key, "--as", "operator"]);
    assert!(out.contains("requested as control request 1"), "{out}");
    let open = cli.json(&["member", "changes"]);
    assert_eq!(open[0]["member"], "bank", "{open}");
    assert_eq!(open[0]["change"]["add_account"], new_key.as_str(), "{open}");
    let shown = cli.json(&["account", "show", &new_key]);
    assert!(shown["member"].is_null(), "not applied before the bank approves: {shown}");
    let decided = cli.json(&["member", "approve-change", "1", "--as", "bank"]);
    assert_eq!(decided["request"]["status"], "applied", "{decided}");
    assert_eq!(cli.json(&["account", "show", &new_key])["member"]["name"], "bank");
    let issued = cli.ok(&[
        "voucher",
        "issue",
        "--to",
        "supplier3",
        "--amount",
        "500.00",
        "--maturity",
        "+90d",
        "--as",
        "core",
    ]);
    assert!(issued.contains("issued voucher 1"), "{issued}");
    cli.ok(&["voucher", "accept", "1", "--as", "supplier3-maker"]);

    // The maker's transfer becomes a proposal; only another account of supplier3 can approve.
    let out = cli.ok(&[
        "voucher",
        "transfer",
        "1",
        "--to",
        "supplier1",
        "--amount",
        "100.00",
        "--as",
        "supplier3-maker",
    ]);
    assert!(out.contains("supplier3 requires maker–checker: proposed transfer as action 1"), "{out}");
    let open = cli.json(&["action", "list", "--as", "supplier3-checker"]);
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["kind"], "transfer");
    let own = cli.run(&["action", "approve", "1", "--as", "supplier3-maker"]);
    assert!(!own.status.success());
    assert!(String::from_utf8_lossy(&own.stdout).contains("cannot approve it"));
    let out = cli.ok(&["action", "approve", "1", "--as", "supplier3-checker"]);
    assert!(out.contains("approved action 1: transferred as voucher 2; remainder is voucher 3"), "{out}");
    assert_eq!(cli.json(&["action", "show", "1", "--as", "supplier3-maker"])["status"], "executed");

    // Reads are signed and limited to what concerns the reader.
    let unsigned = cli.run(&["voucher", "show", "1"]);
    assert!(!unsigned.status.success());
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("pass --as KEY"));
    let other = cli.run(&["voucher", "show", "3", "--as", "supplier1"]);
    assert!(String::from_utf8_lossy(&other.stderr).contains("is not visible to supplier1"));
    assert_eq!(cli.json(&["voucher", "show", "2", "--as", "supplier1"])["holder"], "supplier1");

    // Chain parameters: public to read, an operator's to set.
    assert_eq!(cli.json(&["params", "show"])["max_term_days"], 365);
    cli.ok(&["params", "set-max-term", "180", "--as", "operator"]);
    assert_eq!(cli.json(&["params", "show"])["max_term_days"], 180);
    assert!(!cli.run(&["params", "set-max-term", "400", "--as", "operator"]).status.success());

    // A subsidiary registered under core issues under core's credit line.
    let alice = cli.json(&["keys", "new", "gz-treasurer"])["account"].as_str().unwrap().to_string();
    cli.ok(&[
        "member",
        "register",
        "--name",
        "core-gz",
        "--legal-name",
        "Huaxia (Guangzhou) Co., Ltd.",
        "--role",
        "core_enterprise",
        "--parent",
        "core",
        "--account",
        &alice,
        "--as",
        "operator",
    ]);
    assert!(cli.ok(&["member", "show", "core-gz"]).contains("subsidiary of core"));
    let before = cli.json(&["credit", "show", "--core", "core", "--as", "core"])["outstanding"].clone();
    cli.ok(&[
        "voucher",
        "issue",
        "--to",
        "supplier1",
        "--amount",
        "10.00",
        "--maturity",
        "+90d",
        "--as",
        "gz-treasurer",
    ]);
    let after = cli.json(&["credit", "show", "--core", "core", "--as", "core"])["outstanding"].clone();
    assert_eq!((before.as_str(), after.as_str()), (Some("500.00"), Some("510.00")));
}

/// The trade story of issue "Trade documents" on a real node: a letter of credit that pays on
/// complying documents, and 60-day terms that become a voucher discounted at once. Figures by
/// hand: 30,000.00 USD at 5.50 % for 60 days ACT/360 = 30,000.00 × 0.055 × 60 / 360 = 275.00.
#[test]
fn trade_demo_and_trade_commands_on_a_real_node() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, cli) = start(dir.path());
    let out = cli.json(&["demo", "trade"]);
    assert_eq!(out["lc_paid"], "50000.00");
    assert_eq!(out["lc_received_by_seller"], "50000.00");
    assert_eq!(out["voucher_amount"], "30000.00");
    assert_eq!(out["days"], 60);
    assert_eq!(out["discount"], "275.00");
    assert_eq!(out["net_proceeds"], "29725.00");
    let lc_order = out["lc_order"].as_u64().unwrap().to_string();
    let shown = cli.json(&["trade", "show", &lc_order, "--as", "carrier"]);
    assert_eq!(shown["status"], "paid");
    assert_eq!(shown["documents"].as_array().unwrap().len(), 4);
    let lc = cli.json(&["trade", "lc", "show", &out["letter_of_credit"].to_string(), "--as", "mx-bank"]);
    assert_eq!((lc["status"].as_str(), lc["presentations"].as_u64()), (Some("honoured"), Some(1)));
    let deferred = cli.json(&["trade", "show", &out["deferred_order"].to_string(), "--as", "mx-retail"]);
    assert_eq!((deferred["status"].as_str(), &deferred["voucher"]), (Some("financed"), &out["voucher"]));
    // Outsiders see nothing, with a reason.
    let hidden = cli.run(&["trade", "show", &lc_order, "--as", "supplier1"]);
    assert!(!hidden.status.success());
    assert!(String::from_utf8_lossy(&hidden.stderr).contains("visible to its parties"));

    // The commands step by step: a draft, documents from files, verification, supersession.
    let files = dir.path().join("docs");
    std::fs::create_dir_all(&files).unwrap();
    let write = |name: &str, text: &str| {
        let p = files.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let goods = write("goods.txt", "500 bamboo baskets");
    let created = cli.json(&[
        "trade",
        "create",
        "--buyer",
        "mx-retail",
        "--seller",
        "yiwu-crafts",
        "--carrier",
        "carrier",
        "--amount",
        "12000.00",
        "--currency",
        "USD",
        "--goods",
        &goods,
        "--incoterm",
        "fob",
        "--ship-by",
        "2099-12-31",
        "--terms",
        "on-delivery",
        "--as",
        "yiwu-crafts",
    ]);
    assert_eq!(created["receipt"]["success"], true, "{created}");
    let orders = cli.json(&["trade", "list", "--as", "yiwu-crafts"]);
    let order = orders.as_array().unwrap().last().unwrap()["id"].as_u64().unwrap().to_string();
    let wrong = cli.run(&["trade", "accept", &order, "--as", "yiwu-crafts"]);
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("only mx-retail, the counterparty"));
    cli.ok(&["trade", "accept", &order, "--as", "mx-retail"]);
    let v1 = write("invoice-v1.txt", "invoice 12,000.00");
    let v2 = write("invoice-v2.txt", "invoice 11,500.00 (corrected)");
    cli.ok(&[
        "trade",
        "attach",
        &order,
        "--kind",
        "commercial_invoice",
        "--file",
        &v1,
        "--as",
        "yiwu-crafts",
    ]);
    let silent = cli.run(&[
        "trade",
        "attach",
        &order,
        "--kind",
        "commercial_invoice",
        "--file",
        &v2,
        "--as",
        "yiwu-crafts",
    ]);
    assert!(String::from_utf8_lossy(&silent.stdout).contains("must say that it supersedes #0"));
    cli.ok(&[
        "trade",
        "attach",
        &order,
        "--kind",
        "commercial_invoice",
        "--file",
        &v2,
        "--supersedes",
        "0",
        "--as",
        "yiwu-crafts",
    ]);
    let check = cli.json(&["trade", "verify-doc", &order, &v1, "--as", "mx-retail"]);
    assert_eq!(
        (check["matches"].as_bool(), &check["document"]["superseded_by"]),
        (Some(true), &serde_json::json!(1))
    );
    let text = cli.ok(&["trade", "verify-doc", &order, &v2, "--as", "mx-retail"]);
    assert!(text.contains("MATCH") && text.contains("live"), "{text}");
    let forged = write("forged.txt", "invoice 120,000.00");
    let no = cli.run(&["trade", "verify-doc", &order, &forged, "--as", "mx-retail"]);
    assert!(!no.status.success());
    assert!(String::from_utf8_lossy(&no.stdout).contains("NO MATCH"));
}

/// The explorer reads and subscriptions over the discounting story (issue 23): what each reader
/// gets from the event and transaction lists, the validator set, peers and status; `scf watch
/// events` replays from a height, stops, resumes after the cursor it printed with nothing lost
/// or repeated, and follows live blocks.
#[test]
fn explorer_reads_and_watching_events_through_the_cli() {
    use scf_primitives::crypto::Keypair;
    use scf_rpc_api::{
        codes, EventCursor, EventFilter, EventRecord, ScfApiClient, SubjectView, TransactionsOf,
    };
    let dir = tempfile::tempdir().unwrap();
    let (node, cli) = start(dir.path());
    let out = cli.json(&["demo", "discounting"]);
    let root = out["root"].as_u64().unwrap().to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let login = |who: &str| node.as_member(&Keypair::dev(who), "scf-dev", Duration::from_secs(300));
    let (supplier1, supplier2, core) = (login("supplier1"), login("supplier2"), login("core"));
    let (operator, anonymous) = (node.client(), node.anonymous());
    let head = runtime.block_on(anonymous.chain_head()).unwrap().height;

    runtime.block_on(async {
        // Block lists: counts for signed-in readers only.
        let blocks = anonymous.get_blocks(1, 100).await.unwrap();
        assert_eq!(blocks.len() as u64, head.min(100));
        assert!(blocks.iter().all(|b| b.transaction_count.is_none()));
        let blocks = supplier2.get_blocks(1, 100).await.unwrap();
        assert!(blocks.iter().any(|b| b.transaction_count.unwrap_or(0) > 0));
        assert_eq!(blocks.windows(2).filter(|w| w[1].parent_hash != w[0].hash).count(), 0);

        // Events: signed in only; each reader sees those naming it (or no member).
        let party = |p: &str| EventFilter { party: Some(p.into()), ..Default::default() };
        let err = anonymous.get_events(party("supplier2"), None, 10).await.unwrap_err();
        assert!(err.to_string().contains(&codes::FORBIDDEN.to_string()), "{err}");
        let all = supplier2.get_events(party("supplier2"), None, 1000).await.unwrap();
        assert!(all.complete && all.events.len() >= 3, "{:?}", all.events.len());
        assert!(all.events.iter().all(|e| e.event.parties.contains(&"supplier2".to_string())));
        assert!(all.events.windows(2).all(|w| w[0].cursor < w[1].cursor), "chain order");
        assert!(
            all.events.iter().any(|e| e.event.decoded.is_some()),
            "system contracts' event bodies are decoded"
        );
        // Paging with a cursor reads the same events.
        let (mut paged, mut after) = (Vec::new(), None);
        loop {
            let page = supplier2.get_events(party("supplier2"), after, 2).await.unwrap();
            paged.extend(page.events.iter().map(|e| e.cursor));
            after = Some(page.next);
            if page.complete && page.events.is_empty() {
                break;
            }
        }
        assert_eq!(paged, all.events.iter().map(|e| e.cursor).collect::<Vec<_>>());
        // supplier1 asking for supplier2's events sees only those that name supplier1 too.
        let seen_by_1 = supplier1.get_events(party("supplier2"), None, 1000).await.unwrap();
        assert!(seen_by_1.events.len() < all.events.len());
        assert!(seen_by_1.events.iter().all(|e| e.event.parties.contains(&"supplier1".to_string())));
        // A voucher's lineage: its events by subject.
        let subject = EventFilter {
            subject: Some(SubjectView { kind: "voucher".into(), id: root.clone() }),
            ..Default::default()
        };
        let lineage = core.get_events(subject, None, 100).await.unwrap();
        assert_eq!(lineage.events.first().map(|e| e.event.topic.as_str()), Some("voucher_issued"));
        assert_eq!(lineage.events[0].event.decoded.as_ref().unwrap()["amount"], "100000000");

        // A member's transactions, newest first, as each reader may see them.
        let mine = supplier2
            .get_transactions_of(TransactionsOf::Member("supplier2".into()), None, 100)
            .await
            .unwrap();
        assert!(mine.transactions.len() >= 2);
        assert!(mine.transactions.windows(2).all(|w| w[0].cursor > w[1].cursor), "newest first");
        // Another member's list is refused (its paging would show where the hidden ones lie);
        // an auditor reads it whole.
        let err = supplier1
            .get_transactions_of(TransactionsOf::Member("supplier2".into()), None, 100)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not_visible"), "{err}");
        let auditor = login("auditor");
        let overseen =
            auditor.get_transactions_of(TransactionsOf::Member("supplier2".into()), None, 100).await.unwrap();
        assert_eq!(overseen.transactions.len(), mine.transactions.len());
        let page =
            supplier2.get_transactions_of(TransactionsOf::Member("supplier2".into()), None, 1).await.unwrap();
        let older = supplier2
            .get_transactions_of(TransactionsOf::Member("supplier2".into()), page.next, 100)
            .await
            .unwrap();
        assert_eq!(1 + older.transactions.len(), mine.transactions.len(), "pages join up");
        // Its own calls come with their arguments decoded; others' that name it, without.
        let own = Keypair::dev("supplier2").account_id().to_hex();
        let sent = mine.transactions.iter().find(|t| t.sender == own).expect("supplier2 sent some");
        let tx = supplier2.get_transaction(sent.hash.clone()).await.unwrap();
        assert!(tx.call.is_some() && tx.timestamp_ms.is_some(), "a call is decoded: {tx:?}");
        if let Some(other) = mine.transactions.iter().find(|t| t.sender != own) {
            let tx = supplier2.get_transaction(other.hash.clone()).await.unwrap();
            assert!(tx.call.is_none() && tx.args.is_none(), "another's arguments are its own: {tx:?}");
        }

        // Validators, peers, status.
        let validators = anonymous.get_validators().await.unwrap();
        assert_eq!(validators.len(), 1);
        assert!(
            validators[0].signed_recent > 0 && validators[0].signed_recent == validators[0].recent_blocks
        );
        let err = supplier2.get_peers().await.unwrap_err();
        assert!(err.to_string().contains(&codes::FORBIDDEN.to_string()), "{err}");
        assert!(operator.get_peers().await.unwrap().is_empty(), "a lone dev node has no peers");
        let status = supplier2.node_status().await.unwrap();
        assert!(status.height >= head && !status.syncing && status.pool_transactions.is_some());
        assert!(anonymous.node_status().await.unwrap().pool_transactions.is_none());
    });

    // `scf watch events`: the first three of supplier2's events from height 1, then the rest
    // after the cursor printed last: together, exactly the list the RPC read returns.
    let parse = |text: &str| -> Vec<EventRecord> {
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"))).collect()
    };
    let all = runtime
        .block_on(supplier2.get_events(
            EventFilter { party: Some("supplier2".into()), ..Default::default() },
            None,
            1000,
        ))
        .unwrap();
    let first = parse(&cli.ok(&[
        "--json",
        "watch",
        "events",
        "--party",
        "supplier2",
        "--from-height",
        "1",
        "--count",
        "3",
        "--as",
        "supplier2",
    ]));
    assert_eq!(first.len(), 3);
    let last = first[2].cursor;
    let resume = format!("{}:{}:{}", last.height, last.tx_index, last.event_index);
    let rest = parse(&cli.ok(&[
        "--json",
        "watch",
        "events",
        "--party",
        "supplier2",
        "--after",
        &resume,
        "--to-height",
        &head.to_string(),
        "--as",
        "supplier2",
    ]));
    let watched: Vec<EventCursor> = first.iter().chain(&rest).map(|e| e.cursor).collect();
    assert_eq!(watched, all.events.iter().map(|e| e.cursor).collect::<Vec<_>>(), "nothing lost or repeated");

    // Live: a watcher started now prints the next voucher issued to supplier1.
    let mut watcher = std::process::Command::new(env!("CARGO_BIN_EXE_scf"))
        .args([
            "--node",
            &cli.url,
            "--json",
            "watch",
            "events",
            "--party",
            "supplier1",
            "--topic",
            "voucher_issued",
        ])
        .args(["--count", "1", "--as", "supplier1"])
        .env("SCF_HOME", &cli.home)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The watcher subscribes within moments; a voucher issued before that is not live for it,
    // so issue until it has printed one.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        cli.ok(&[
            "voucher",
            "issue",
            "--to",
            "supplier1",
            "--amount",
            "1.00",
            "--maturity",
            "+30d",
            "--as",
            "core",
        ]);
        if let Some(status) = watcher.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "the watcher printed nothing");
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut printed = String::new();
    std::io::Read::read_to_string(watcher.stdout.as_mut().unwrap(), &mut printed).unwrap();
    let live = parse(&printed);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].event.topic, "voucher_issued");
    assert!(live[0].cursor.height > head);
}
