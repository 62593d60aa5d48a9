#!/usr/bin/env bash
# The project's test command (README and .ci/run): installs what is missing, checks formatting
# and lints, checks that the committed system contracts rebuild bit-for-bit, then runs every
# unit and integration test (including a real single-validator node driven through the CLI).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/scripts/setup.sh --tests

# A target directory outside the clone stays warm between CI runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scf-chain/target}"
export CARGO_TERM_COLOR=never

# The shared target dir may hold this workspace's crates built from another checkout (another
# path, other sources); cargo can take those for fresh. Rebuild our own crates, keep the
# dependencies warm.
cargo clean --quiet -p scf-primitives -p scf-runtime -p scf-rpc-api -p scf-node -p scf-tools 2>/dev/null || true

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== contracts rebuild bit-for-bit"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
   && [ "$(rustc --version | awk '{print $2}')" = "$(cat contracts/rust-version)" ]; then
  contracts/build.sh --check
else
  echo "skipped: needs rustc $(cat contracts/rust-version) with the wasm32-unknown-unknown target"
fi

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
(cd contracts && cargo fmt --all -- --check && cargo clippy --workspace --all-targets --locked -- -D warnings)

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
echo "== contracts: host tests (scf_sdk::testing; no wasm32 needed)"
(cd contracts && cargo test --workspace --locked) 2>&1 | tee "$log" || status=$?
echo "== node, runtime and tools tests"
cargo test --workspace --locked 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary, the last often a
# doc-test run with nothing in it).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit $status
