#!/usr/bin/env bash
# Builds scf-node and scf, then runs a single-validator dev chain on http://127.0.0.1:9944.
# Extra arguments go to scf-node (e.g. --tmp for a throw-away chain).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scf-chain/target}"
# Debug build: dependencies are optimised (see Cargo.toml), and it shares artifacts with the tests.
cargo build --locked -p scf-node -p scf-tools
mkdir -p "$HOME/.local/bin"
ln -sf "$CARGO_TARGET_DIR/debug/scf" "$HOME/.local/bin/scf"
ln -sf "$CARGO_TARGET_DIR/debug/scf-node" "$HOME/.local/bin/scf-node"
echo "scf and scf-node are linked into ~/.local/bin (add it to PATH if needed)"
exec "$CARGO_TARGET_DIR/debug/scf-node" --dev "$@"
