#!/usr/bin/env bash
# Installs what building scf-chain needs and a fresh machine lacks:
#   - libclang (RocksDB's Rust bindings are generated with bindgen), a C++ compiler and make
#     (jemalloc, the node's allocator, builds with it),
#   - the wasm32-unknown-unknown target (only to check that the committed contracts rebuild),
#   - Node.js and npm (the TypeScript client in clients/typescript, its examples and tests; a test
#     runs the schema's example decoder), and the client's npm packages, from its committed lockfile,
#   - with --tests (the test command passes it): Chromium and the explorer test's npm packages (a
#     test drives the node's /explorer page in a headless browser through puppeteer-core, from the
#     committed lockfile).
# On Debian/Ubuntu it installs them with apt-get; elsewhere it says what to install.
set -euo pipefail
tests=false
[ "${1:-}" = "--tests" ] && tests=true

need_apt=()
if ! ldconfig -p 2>/dev/null | grep -q 'libclang' && ! ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1; then
  need_apt+=(libclang-dev)
fi
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v c++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# The TypeScript client (clients/typescript); the schema test decodes events with the Node.js
# example (docs/examples/decode_event.mjs).
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if $tests; then
  # The explorer's browser test (node/tests/explorer).
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: libclang (LLVM/Clang development library), clang, a C++ compiler, make, python3, nodejs, npm, chromium" >&2
    echo "       e.g. Fedora: dnf install clang-devel gcc-c++ python3; macOS: xcode-select --install" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing: install it from https://rustup.rs (stable toolchain)" >&2
  exit 1
fi

if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "setup: adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown || echo "setup: could not add the wasm32 target; the contract rebuild check will be skipped" >&2
  fi
fi

# The TypeScript client's packages, exactly as locked (npm ci also compiles it: its `prepare`
# script); again whenever the lockfile changes. It needs Node.js 20.19 or later: the tests do; a dev
# chain runs without it.
client=clients/typescript
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup: the TypeScript client needs Node.js 20.19 or later (found $(node --version)): see https://nodejs.org" >&2
  $tests && exit 1
  echo "setup: skipping the TypeScript client; the dev chain does not need it" >&2
elif [ ! -f "$client/node_modules/.package-lock.json" ] \
   || [ "$client/package-lock.json" -nt "$client/node_modules/.package-lock.json" ]; then
  echo "setup: installing the TypeScript client's npm packages (npm ci)"
  (cd "$client" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The explorer test's packages, exactly as locked; again whenever the lockfile changes.
explorer_test=node/tests/explorer
if $tests && { [ ! -f "$explorer_test/node_modules/.package-lock.json" ] \
   || [ "$explorer_test/package-lock.json" -nt "$explorer_test/node_modules/.package-lock.json" ]; }; then
  echo "setup: installing the explorer test's npm packages (npm ci)"
  (cd "$explorer_test" && npm ci --no-audit --no-fund --loglevel=error)
fi
