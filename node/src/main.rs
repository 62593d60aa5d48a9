//! `scf-node`: runs an scf-chain validator.
use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::Parser;
use scf_node::{config::Settings, logging::QuietUnheardPublish, service::Node};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, Layer};

// jemalloc, not glibc malloc: a node allocates and frees per transaction on many threads.
// Under load glibc returned memory to the kernel and faulted it back in, so page faults and the
// TLB flushes of those unmaps took a tenth of the block thread (measured, docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// An scf-chain validator node.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Run a single-validator development chain with the built-in dev genesis and its
    /// well-known, INSECURE keys.
    #[arg(long, conflicts_with = "config")]
    dev: bool,
    /// With --dev: use a throw-away data directory, deleted on exit.
    #[arg(long, requires = "dev")]
    tmp: bool,
    /// With --dev: where to keep the chain (default ./data/dev).
    #[arg(long, requires = "dev")]
    data_dir: Option<PathBuf>,
    /// With --dev: JSON-RPC address (HTTP and WebSocket).
    #[arg(long, default_value = "127.0.0.1:9944", requires = "dev")]
    rpc_addr: SocketAddr,
    /// With --dev: consensus network (libp2p) listen address.
    #[arg(long, default_value = "/ip4/127.0.0.1/tcp/27000", requires = "dev")]
    p2p_addr: String,
    /// With --dev: transaction network (libp2p) listen address; port 0 picks a free one.
    #[arg(long, default_value = "/ip4/127.0.0.1/tcp/0", requires = "dev")]
    tx_addr: String,
    /// With --dev: serve RPC over TLS with this PEM certificate chain (and --rpc-tls-key).
    #[arg(long, requires_all = ["dev", "rpc_tls_key"])]
    rpc_tls_cert: Option<PathBuf>,
    /// With --dev: the PEM private key of --rpc-tls-cert.
    #[arg(long, requires_all = ["dev", "rpc_tls_cert"])]
    rpc_tls_key: Option<PathBuf>,
    /// Run a validator from a node configuration file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Serve Prometheus metrics on `GET /metrics` at HOST:PORT (overrides the file's
    /// `metrics_addr`). Unauthenticated: bind it to loopback or a monitoring network.
    #[arg(long, value_name = "HOST:PORT")]
    metrics_addr: Option<SocketAddr>,
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Tests only (feature `failpoints`): `SCF_CRASH_AT=<point>` aborts the process, as a crash
/// would, the `SCF_CRASH_AFTER`-th time (default 1) it passes that named point of the commit path.
#[cfg(feature = "failpoints")]
fn arm_crash_point() -> anyhow::Result<()> {
    let Ok(point) = std::env::var("SCF_CRASH_AT") else { return Ok(()) };
    let after: u64 = std::env::var("SCF_CRASH_AFTER").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    let passes = std::sync::atomic::AtomicU64::new(0);
    let name = point.clone();
    fail::cfg_callback(point, move || {
        if passes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= after {
            eprintln!("scf-node: crash point {name} reached; aborting");
            std::process::abort();
        }
    })
    .map_err(|e| anyhow::anyhow!("SCF_CRASH_AT: {e}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    #[cfg(feature = "failpoints")]
    arm_crash_point()?;
    // The node's own events at info; the engine's libraries only when something is wrong.
    let initial = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,scf=info,scf_node=info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(&initial)
        .with_context(|| format!("RUST_LOG={initial} is not a valid log filter"))?;
    // The filter can be replaced while the node runs (`admin_setLogFilter`, operator only).
    let (filter, reload) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_filter(filter)
                .with_filter(QuietUnheardPublish)
                .with_filter(scf_node::logging::NoTransportSpans),
        )
        .init();
    scf_node::logging::install_filter_reload(
        initial,
        Box::new(move |text| {
            let filter = tracing_subscriber::EnvFilter::try_new(text).map_err(|e| e.to_string())?;
            reload.reload(filter).map_err(|e| e.to_string())
        }),
    );
    let mut _tmp = None;
    let settings = if cli.dev {
        let data_dir = if cli.tmp {
            let dir = tempfile::tempdir().context("creating a temporary data directory")?;
            let path = dir.path().to_path_buf();
            _tmp = Some(dir);
            path
        } else {
            cli.data_dir.unwrap_or_else(|| PathBuf::from("data/dev"))
        };
        tracing::warn!("dev chain: its keys are public; never use it for anything of value");
        let mut settings = Settings::dev(data_dir, cli.rpc_addr, cli.p2p_addr, cli.tx_addr)?;
        settings.rpc_tls = cli.rpc_tls_cert.zip(cli.rpc_tls_key);
        settings
    } else if let Some(path) = cli.config {
        Settings::from_file(&path)?
    } else {
        anyhow::bail!(
            "nothing to run: pass --dev for a development chain or --config <file> for a validator"
        );
    };
    let mut settings = settings;
    if cli.metrics_addr.is_some() {
        settings.metrics_addr = cli.metrics_addr;
    }
    tracing::info!(data_dir = %settings.data_dir.display(), "starting scf-node");
    let scheme = if settings.rpc_tls.is_some() { "https" } else { "http" };
    let node = Node::start(settings).await?;
    println!(
        "scf-node: JSON-RPC on {scheme}://{} (chain height {})",
        node.rpc_addr,
        node.chain.head_height()
    );
    if let Some(metrics) = node.metrics_addr {
        println!("scf-node: metrics on http://{metrics}/metrics");
    }
    node.run_until(shutdown_signal()).await
}
