//! The test harness for `scf-node` processes: the one way the node's and the tools' tests start,
//! stop, kill, pause and query nodes.
//!
//! Owns: starting a node process (a dev node on free loopback ports, or a node of a network
//! directory that `scf genesis new` wrote), stopping it cleanly (SIGTERM), killing it (SIGKILL),
//! pausing and resuming it (SIGSTOP/SIGCONT); RPC clients in each access tier; waiting for
//! conditions (serving RPC, a height, a log line, a committed transaction); the checks every
//! fault scenario ends with (the same block at every height on every node).
//!
//! Must not: be a dependency of the node or the tools themselves (tests only); wait a fixed time
//! where a condition can be awaited; leave a process behind (a node is killed when dropped).
use std::{
    collections::BTreeMap,
    ffi::OsString,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use jsonrpsee::http_client::{HeaderMap, HttpClient, HttpClientBuilder};
use nix::{
    sys::signal::{kill, Signal},
    unistd::Pid,
};
use scf_primitives::crypto::Keypair;
use scf_rpc_api::{BlockId, Credential, ScfApiClient, TxStatus, OPERATOR_COOKIE_FILE};

/// How long one RPC call of a harness client may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a node may take to serve RPC after it starts (a cold RocksDB, a WAL to replay).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a node may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often conditions are polled.
const POLL: Duration = Duration::from_millis(100);

/// Two distinct free loopback ports, from `free_port_range`: below the ephemeral range, so an
/// outgoing connection (another test's client or node) cannot take one as its local port before
/// the node binds it. Ports the OS handed out with `bind(0)` could, and did (a dev node's start
/// failed with "Address already in use" while its genesis was being written).
pub fn free_ports() -> (u16, u16) {
    let base = free_port_range(2);
    (base, base + 1)
}

/// A base port with `count` free ports above it, for `scf genesis new --base-port`. Ranges handed
/// out in this process never overlap (tests run in parallel and the nodes bind later); the start
/// depends on the pid so that concurrent test processes are unlikely to meet.
///
/// Ranges stay below the ephemeral ports (Linux's `ip_local_port_range`, 32768 and up by
/// default): a node that is stopped and restarted must bind its ports again, and meanwhile its
/// peers keep dialing it; an outgoing connection given one of its ports as a local port would
/// make the restart fail to bind.
pub fn free_port_range(count: u16) -> u16 {
    const FIRST_PORT: u32 = 20_000;
    let last_port = ephemeral_floor().min(32_000);
    assert!(
        last_port >= FIRST_PORT + 2_000,
        "the ephemeral ports start at {last_port}: too low for the test ports from {FIRST_PORT}"
    );
    static NEXT: Mutex<u32> = Mutex::new(0);
    let mut next = NEXT.lock().unwrap();
    if *next == 0 {
        *next = FIRST_PORT + (std::process::id() * 131) % (last_port - FIRST_PORT);
    }
    for _ in 0..200 {
        if *next + count as u32 > last_port {
            *next = FIRST_PORT;
        }
        let base = *next;
        *next = base + count as u32;
        let held: Vec<_> =
            (base..base + count as u32).map(|p| TcpListener::bind(("127.0.0.1", p as u16))).collect();
        if held.iter().all(|l| l.is_ok()) {
            return base as u16;
        }
    }
    panic!("no free port range");
}

/// The first port the OS hands out for outgoing connections (and `bind(0)`).
fn ephemeral_floor() -> u32 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// The last `count` lines of a node's log, leaving out backtrace frames: a node that fails or
/// panics with RUST_BACKTRACE set ends its log with a backtrace that would hide the message.
pub fn log_tail(log: &str, count: usize) -> String {
    let frame = |line: &&str| {
        let t = line.trim_start();
        t.starts_with("at ") || t.split_once(": ").is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    let lines: Vec<&str> = log.lines().filter(|l| !frame(l)).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// `GET path` from `addr` (`127.0.0.1:9944` or `http://127.0.0.1:9944`) over plain HTTP/1.1:
/// the status code and the body. For the node's non-JSON-RPC endpoints (probes, metrics,
/// explorer assets); the connection is closed after one response.
pub async fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = addr.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::time::timeout(CALL_TIMEOUT, tokio::net::TcpStream::connect(host))
        .await
        .map_err(|_| std::io::Error::other("connect timed out"))??;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(CALL_TIMEOUT, stream.read_to_end(&mut response))
        .await
        .map_err(|_| std::io::Error::other("response timed out"))??;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no HTTP header"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let body = &response[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
    let chunked = head.lines().any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

/// The body of a chunked HTTP/1.1 response.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let rest = &body[line_end + 2..];
        match size {
            Some(size) if size > 0 && rest.len() >= size => {
                out.extend_from_slice(&rest[..size]);
                body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
            }
            _ => break,
        }
    }
    out
}

/// Milliseconds since the Unix epoch by this machine's clock (for login expiry).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// One `scf-node` process, started and restarted with the same command line. Every method takes
/// `&self`, so that a load generator can read a node while the test kills and restarts it.
pub struct Node {
    name: String,
    program: PathBuf,
    args: Vec<OsString>,
    rpc: String,
    data_dir: PathBuf,
    log_path: PathBuf,
    child: Mutex<Option<Child>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Node {
    /// A node run as `program args...`, its RPC at `rpc` (a URL), its data in `data_dir`, its
    /// output appended to `log_path`. Not started.
    pub fn new(
        name: &str,
        program: &Path,
        args: Vec<OsString>,
        rpc: String,
        data_dir: &Path,
        log_path: &Path,
    ) -> Node {
        Node {
            name: name.into(),
            program: program.into(),
            args,
            rpc,
            data_dir: data_dir.into(),
            log_path: log_path.into(),
            child: Mutex::new(None),
        }
    }

    /// A single-validator dev node (`--dev`) on free loopback ports, its data in `data_dir`,
    /// its log beside it (`<data_dir>.log`). Not started.
    pub fn dev(program: &Path, data_dir: &Path) -> Node {
        Node::dev_with_args(program, data_dir, &[])
    }

    /// `dev` with more command-line arguments.
    pub fn dev_with_args(program: &Path, data_dir: &Path, extra: &[&str]) -> Node {
        let (rpc_port, p2p_port) = free_ports();
        let mut args: Vec<OsString> = vec!["--dev".into(), "--data-dir".into(), data_dir.into()];
        args.extend(["--rpc-addr".into(), format!("127.0.0.1:{rpc_port}").into()]);
        args.extend(["--p2p-addr".into(), format!("/ip4/127.0.0.1/tcp/{p2p_port}").into()]);
        args.extend(extra.iter().map(OsString::from));
        let rpc = format!("http://127.0.0.1:{rpc_port}");
        Node::new("dev", program, args, rpc, data_dir, &data_dir.with_extension("log"))
    }

    /// The node of a network directory in `node_dir` (`node.toml`, `data/`, `node.log`, as `scf
    /// genesis new` writes them), serving RPC at `rpc_addr` (`host:port`). Not started.
    pub fn configured(name: &str, program: &Path, node_dir: &Path, rpc_addr: &str) -> Node {
        let args = vec!["--config".into(), node_dir.join("node.toml").into_os_string()];
        let rpc = format!("http://{rpc_addr}");
        Node::new(name, program, args, rpc, &node_dir.join("data"), &node_dir.join("node.log"))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The RPC URL.
    pub fn url(&self) -> &str {
        &self.rpc
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts the process (with the command line it was made with).
    pub fn start(&self) {
        self.start_with(&[]);
    }

    /// Starts the process with extra environment variables (crash points, a skewed clock).
    pub fn start_with(&self, env: &[(&str, &str)]) {
        let mut child = self.child.lock().unwrap();
        if let Some(running) = child.as_mut() {
            assert!(running.try_wait().unwrap().is_some(), "{} is already running", self.name);
        }
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log_path).unwrap();
        let spawned = Command::new(&self.program)
            .args(&self.args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.program.display()));
        *child = Some(spawned);
    }

    /// The process id while the process runs (a paused process runs).
    pub fn pid(&self) -> Option<Pid> {
        let mut child = self.child.lock().unwrap();
        let running = child.as_mut()?;
        running.try_wait().unwrap().is_none().then(|| Pid::from_raw(running.id() as i32))
    }

    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// How the process ended, once it has (`None` while it runs or was never started).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.child.lock().unwrap().as_mut().and_then(|c| c.try_wait().unwrap())
    }

    /// SIGKILL, and waits for the process to be gone. Nothing if it is not running.
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            // A paused process dies of SIGKILL as well.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM (a clean shutdown), and waits for the process to be gone; a node that has not
    /// stopped within 30 s fails the test.
    pub fn stop(&self) {
        let Some(mut child) = self.child.lock().unwrap().take() else { return };
        if child.try_wait().unwrap().is_some() {
            return;
        }
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} did not stop within {STOP_TIMEOUT:?} of SIGTERM:\n{}", self.name, self.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGSTOP: the process stays, frozen.
    pub fn pause(&self) {
        kill(self.pid().expect("pausing a node that runs"), Signal::SIGSTOP).unwrap();
    }

    /// SIGCONT after `pause`.
    pub fn resume(&self) {
        kill(self.pid().expect("resuming a node that runs"), Signal::SIGCONT).unwrap();
    }

    /// Everything the node has logged, across its restarts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The end of the log, for failure messages.
    pub fn tail(&self) -> String {
        log_tail(&self.log(), 40)
    }

    /// A client reading as the node's operator when the node has written its cookie (at its last
    /// start), anonymously otherwise.
    pub fn client(&self) -> HttpClient {
        let cookie = std::fs::read_to_string(self.data_dir.join(OPERATOR_COOKIE_FILE)).ok();
        self.client_as(cookie.map(|cookie| Credential::Operator { cookie }))
    }

    /// A client without credentials (the anonymous tier).
    pub fn anonymous(&self) -> HttpClient {
        self.client_as(None)
    }

    /// A client signed in as `key`'s member on chain `chain_id`, its login valid for `valid`.
    pub fn as_member(&self, key: &Keypair, chain_id: &str, valid: Duration) -> HttpClient {
        let expires = now_ms() + valid.as_millis() as u64;
        self.client_as(Some(Credential::login(key, chain_id, expires)))
    }

    /// A client presenting `credential`.
    pub fn client_as(&self, credential: Option<Credential>) -> HttpClient {
        let mut headers = HeaderMap::new();
        if let Some(c) = credential {
            headers.insert("authorization", c.header_value().parse().unwrap());
        }
        HttpClientBuilder::default()
            .request_timeout(CALL_TIMEOUT)
            .set_headers(headers)
            .build(&self.rpc)
            .unwrap()
    }

    /// Waits until the node serves RPC; a process that exits meanwhile fails the test with the
    /// end of its log. Returns a client reading as the operator.
    pub async fn ready(&self) -> HttpClient {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.exit_status() {
                panic!("{} exited early with {status}; log tail:\n{}", self.name, self.tail());
            }
            if self.anonymous().chain_head().await.is_ok() {
                return self.client();
            }
            assert!(Instant::now() < deadline, "{} did not serve RPC within {START_TIMEOUT:?}", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the process exits by itself (a refusal at start, a stop at an error).
    pub async fn exited_within(&self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.exit_status() {
                return status;
            }
            assert!(Instant::now() < deadline, "{} still runs after {within:?}:\n{}", self.name, self.tail());
            tokio::time::sleep(POLL).await;
        }
    }

    /// The head's height, if the node answers.
    pub async fn height(&self) -> Option<u64> {
        self.anonymous().chain_head().await.ok().map(|h| h.height)
    }

    /// Waits until the node's head reaches `height`.
    pub async fn wait_height(&self, height: u64, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if self.height().await.is_some_and(|h| h >= height) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not reach height {height}:\n{}",
                self.name,
                self.tail()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the node reports `hash` committed with a receipt that says it succeeded.
    pub async fn wait_committed(&self, hash: &str, within: Duration) -> scf_rpc_api::TxView {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(view) = self.client().get_transaction(hash.to_string()).await {
                if view.status == TxStatus::Committed {
                    let receipt = view.receipt.as_ref().expect("a committed transaction has a receipt");
                    assert!(receipt.success, "{hash} failed on {}: {receipt:?}", self.name);
                    return view;
                }
            }
            assert!(Instant::now() < deadline, "{hash} not committed on {}:\n{}", self.name, self.tail());
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The nodes of a network directory that `scf genesis new` wrote (its `localnet.json` lists
/// them), run as children of the test.
pub struct Network {
    dir: PathBuf,
    chain_id: String,
    nodes: BTreeMap<String, Node>,
}

impl Network {
    /// The network in `dir`, its nodes run as `program`. Nothing is started.
    pub fn open(dir: &Path, program: &Path) -> Network {
        let manifest = dir.join("localnet.json");
        let text =
            std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let nodes = manifest["nodes"]
            .as_array()
            .expect("localnet.json lists nodes")
            .iter()
            .map(|n| {
                let name = n["name"].as_str().unwrap();
                let node_dir = dir.join(n["dir"].as_str().unwrap());
                (name.to_string(), Node::configured(name, program, &node_dir, n["rpc"].as_str().unwrap()))
            })
            .collect();
        let chain_id = manifest["chain_id"].as_str().unwrap().to_string();
        Network { dir: dir.into(), chain_id, nodes }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The node called `name` (`validator0`, `full0`, ...).
    pub fn node(&self, name: &str) -> &Node {
        self.nodes.get(name).unwrap_or_else(|| panic!("no node {name} in {}", self.dir.display()))
    }

    pub fn names(&self) -> Vec<&str> {
        self.nodes.keys().map(String::as_str).collect()
    }

    /// Starts every node and waits until each serves RPC.
    pub async fn start_all(&self) {
        for node in self.nodes.values() {
            node.start();
        }
        for node in self.nodes.values() {
            node.ready().await;
        }
    }

    /// SIGKILL to every node of `names` at once (every signal sent before any process is waited
    /// for), as a power cut would.
    pub fn kill_all(&self, names: &[&str]) {
        for name in names {
            if let Some(pid) = self.node(name).pid() {
                let _ = kill(pid, Signal::SIGKILL);
            }
        }
        for name in names {
            self.node(name).kill();
        }
    }

    /// `node(name).client()`: reads as that node's operator.
    pub fn client(&self, name: &str) -> HttpClient {
        self.node(name).client()
    }

    pub async fn height(&self, name: &str) -> Option<u64> {
        self.node(name).height().await
    }

    pub async fn wait_height(&self, name: &str, height: u64, within: Duration) {
        self.node(name).wait_height(height, within).await
    }

    pub fn log(&self, name: &str) -> String {
        self.node(name).log()
    }

    /// The heights of `nodes`, each of which must answer.
    pub async fn heights(&self, nodes: &[&str]) -> Vec<u64> {
        let mut out = Vec::new();
        for n in nodes {
            let node = self.node(n);
            match node.anonymous().chain_head().await {
                Ok(head) => out.push(head.height),
                Err(e) => panic!("{n} does not answer: {e}\n{}", node.tail()),
            }
        }
        out
    }

    /// Whether `node`'s head stays put for `period` (nothing finalized).
    pub async fn halted_for(&self, node: &str, period: Duration) -> bool {
        let before = self.height(node).await.unwrap();
        tokio::time::sleep(period).await;
        self.height(node).await.unwrap() == before
    }

    /// How many times each of `nodes` has logged `needle`.
    pub fn counts(&self, nodes: &[&str], needle: &str) -> Vec<usize> {
        nodes.iter().map(|n| self.log(n).matches(needle).count()).collect()
    }

    /// Waits until each of `nodes` has logged `needle` more often than `before` (from `counts`).
    pub async fn await_logged(&self, nodes: &[&str], needle: &str, before: &[usize]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.counts(nodes, needle);
            if now.iter().zip(before).all(|(n, b)| n > b) {
                return;
            }
            assert!(Instant::now() < deadline, "not every node of {nodes:?} logged {needle:?}: {now:?}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until every node of `nodes` reports `hash` committed and successful.
    pub async fn committed_everywhere(&self, nodes: &[&str], hash: &str, within: Duration) {
        for n in nodes {
            self.node(n).wait_committed(hash, within).await;
        }
    }

    /// Every node in `nodes` has the same block hash and state root at every height up to the
    /// lowest head among them; returns that height.
    pub async fn assert_identical(&self, nodes: &[&str]) -> u64 {
        let top = *self.heights(nodes).await.iter().min().expect("at least one node");
        for h in 1..=top {
            let mut seen = None;
            for n in nodes {
                let b = self.client(n).get_block(BlockId::Height(h)).await.unwrap();
                let this = (b.hash, b.state_root);
                match &seen {
                    None => seen = Some(this),
                    Some(first) => assert_eq!(first, &this, "{n} differs at height {h}"),
                }
            }
        }
        top
    }
}

#[cfg(test)]
mod tests {
    use super::{ephemeral_floor, free_port_range, free_ports, log_tail};

    #[test]
    fn port_ranges_are_distinct_and_below_the_ephemeral_ports() {
        let floor = ephemeral_floor();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let base = free_port_range(5);
            for port in base..base + 5 {
                assert!(u32::from(port) < floor, "port {port} is an ephemeral port (from {floor})");
                assert!(seen.insert(port), "port {port} handed out twice");
            }
        }
        let (a, b) = free_ports();
        assert!(u32::from(a.max(b)) < floor && seen.insert(a) && seen.insert(b), "{a}, {b}");
    }

    #[test]
    fn a_log_tail_keeps_the_error_and_drops_backtrace_frames() {
        let log = "starting\nError: no space\n   0: std::backtrace\n             at /rustc/x.rs:1\nlast line";
        assert_eq!(log_tail(log, 3), "starting\nError: no space\nlast line");
    }
}
