#!/usr/bin/env bash
# Builds the system contracts to wasm32 reproducibly and installs them into genesis/.
#
#   contracts/build.sh           build and copy the .wasm files to genesis/, print their SHA-256
#   contracts/build.sh --check   build and fail unless genesis/ holds exactly these bytes
#
# Reproducible means: the pinned rustc, --locked dependencies, and every machine-specific path
# remapped, so the bytes depend only on the source. Genesis pins them by SHA-256.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
pinned=$(cat rust-version)
mode=${1:-install}

have=$(rustc --version | awk '{print $2}')
if [ "$have" != "$pinned" ]; then
  echo "contracts/build.sh: rustc $have found, but the contracts are pinned to rustc $pinned" >&2
  exit 2
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "contracts/build.sh: the wasm32-unknown-unknown target is missing: rustup target add wasm32-unknown-unknown" >&2
  exit 2
fi

# Cargo derives crate hashes from a path dependency's location, and they leak into the output's
# layout, so the sources are built from a copy at a fixed path, whatever the checkout's path.
build_root=/tmp/scf-contract-build
mkdir -p "$build_root"
for dir in primitives interface contracts; do
  mkdir -p "$build_root/$dir"
  # -m: fresh modification times, so cargo never mistakes another checkout's older sources for
  # the ones its artifacts were built from.
  (cd "$root/$dir" && tar --exclude=./target -cf - .) | (cd "$build_root/$dir" && rm -rf ./* && tar -m -xf -)
done
# primitives/ and interface/ inherit package settings from the root manifest: give them that
# manifest, reduced to the members that exist in the copy.
sed 's/^members = .*/members = ["primitives", "interface"]/' "$root/Cargo.toml" > "$build_root/Cargo.toml"
export CARGO_TARGET_DIR="$build_root/target"
# 1 MiB of stack (rustc's default), the data, then heap room: the SDK's allocator starts there and
# grows memory only past it, which no system contract call needs (33 pages of 64 KiB).
initial_memory=$((33 * 65536))
# -Zlocation-detail=none: no file, line or column of our sources in the Wasm (panic locations),
# so the pinned bytes change only when code changes, not when a line moves. It is an unstable
# flag of the pinned stable rustc, enabled for this build alone by RUSTC_BOOTSTRAP (the standard
# library ships precompiled: its own locations stay, fixed by the pinned version).
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zlocation-detail=none --remap-path-prefix=$build_root=/scf --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo -C link-arg=--initial-memory=$initial_memory -C target-cpu=mvp -C target-feature=+mutable-globals,+sign-ext,+bulk-memory,+multivalue,+nontrapping-fptoint,+reference-types"
# Each contract is also an rlib (contracts/testkit links them natively for the host tests); built
# as one, LTO would not apply to the Wasm, so the Wasm build asks for the cdylib alone.
for package in scf-registry scf-deposit-token scf-receivables scf-governance scf-trade; do
  (cd "$build_root/contracts" && cargo rustc --quiet --locked --release --target wasm32-unknown-unknown \
    -p "$package" --crate-type cdylib)
done

status=0
for name in registry deposit_token receivables governance trade; do
  built="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/scf_${name}.wasm"
  committed="$root/genesis/${name}.wasm"
  sum=$(sha256sum "$built" | awk '{print $1}')
  if [ "$mode" = "--check" ]; then
    if cmp -s "$built" "$committed"; then
      echo "ok       $name.wasm  sha256=$sum"
    else
      echo "MISMATCH $name.wasm  fresh build sha256=$sum, committed $(sha256sum "$committed" 2>/dev/null | awk '{print $1}')" >&2
      status=1
    fi
  else
    cp "$built" "$committed"
    # Re-pin the chain specs that reference this file.
    for spec in "$root"/genesis/*.json; do
      python3 - "$spec" "$name.wasm" "0x$sum" <<'PY'
import json, sys
path, wasm, digest = sys.argv[1:]
spec = json.load(open(path))
for c in spec.get("contracts", []):
    if c.get("wasm") == wasm:
        c["sha256"] = digest
open(path, "w").write(json.dumps(spec, indent=2) + "\n")
PY
    done
    echo "$name.wasm  sha256=$sum"
  fi
done
exit $status
