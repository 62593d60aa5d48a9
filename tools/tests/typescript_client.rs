//! The TypeScript client (`clients/typescript`) against a real `scf-node --dev` and the real `scf`
//! binary: its examples' flows, its transaction bytes against the CLI's, its event decoding against
//! the CLI's, its errors, reads by access tier, and key files of the CLI's key store
//! (clients/typescript/test/node.test.mjs). Also: its generated code matches the committed schema.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use scf_harness::Node;

fn package_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clients/typescript");
    assert!(
        dir.join("node_modules/@noble/curves").exists(),
        "run `npm ci` in {} first (tools/scripts/setup.sh does)",
        dir.display()
    );
    dir
}

fn node_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_scf")).with_file_name("scf-node");
    assert!(path.exists(), "{} is missing: build it first (cargo test --workspace does)", path.display());
    path
}

fn check(what: &str, out: Output) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiles the package (the type checker runs over the sources, examples' imports included).
fn build(dir: &Path) {
    check(
        "npm run build",
        Command::new("npm").args(["run", "--silent", "build"]).current_dir(dir).output().unwrap(),
    );
}

/// A stale src/generated (the schema changed, the client did not follow) fails here, naming the
/// command that regenerates it.
#[test]
fn generated_client_code_matches_the_committed_schema() {
    let dir = package_dir();
    check(
        "node scripts/generate.mjs --check",
        Command::new("node").args(["scripts/generate.mjs", "--check"]).current_dir(&dir).output().unwrap(),
    );
}

#[tokio::test]
async fn typescript_client_against_a_real_node() {
    let dir = package_dir();
    build(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let node = Node::dev(&node_binary(), &tmp.path().join("data"));
    node.start();
    node.ready().await;
    let home = tmp.path().join("home");
    let cookie = tmp.path().join("data").join(scf_rpc_api::OPERATOR_COOKIE_FILE);
    // Unit tests of the codec and signing first, then the flows against the node.
    let mut client_tests = Command::new("node");
    client_tests
        .args([
            "--test",
            "--test-concurrency=1",
            "test/codec.test.mjs",
            "test/transport.test.mjs",
            "test/node.test.mjs",
        ])
        .current_dir(&dir)
        .env("SCF_NODE_URL", node.url())
        .env("SCF_CLI", env!("CARGO_BIN_EXE_scf"))
        .env("SCF_HOME", &home)
        .env("SCF_PASSPHRASE", "ts client test passphrase")
        .env("SCF_RPC_COOKIE", &cookie);
    let out = tokio::task::spawn_blocking(move || client_tests.output()).await.unwrap().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the client's tests failed:\n{report}\n{}\nnode log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        node.tail()
    );
    // Every test ran: none skipped or left out.
    assert!(report.contains("# fail 0") && report.contains("# skipped 0"), "{report}");
    let passed: u32 = report
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(passed >= 22, "expected the codec, transport and node tests to pass, saw {passed}:\n{report}");
}
