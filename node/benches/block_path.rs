//! The block path of one validator, without network or consensus: admission checks, execution
//! (Wasm and state root) and the durable commit of blocks of voucher transfers, on a real
//! RocksDB store with the dev genesis. This is the serial work that bounds a validator's
//! throughput; `scf bench` measures the whole node around it.
//!
//! `cargo bench -p scf-node --bench block_path [-- <members> <blocks>]` (defaults: 1,000
//! members, so 1,000 transfers per block, and 20 measured blocks). `RUST_LOG=scf::runtime=debug`
//! adds the runtime's own split of each block (Wasm run vs state root).
use std::time::Instant;

use scf_interface::{
    receivables::{IssueArgs, TransferArgs, TransferResult, VoucherId},
    registry::RegisterArgs,
};
use scf_node::{chain::Chain, storage::Storage};
use scf_primitives::{
    crypto::Keypair, Block, BlockHeader, ContractAddress, Payload, SignedTransaction, Transaction,
};
use scf_runtime::{genesis::Genesis, BlockContext};

const MS_PER_DAY: u64 = 86_400_000;

struct Timings {
    admit_us: f64,
    execute_us: f64,
    commit_us: f64,
}

fn call(
    key: &Keypair,
    chain_id: &str,
    nonce: u64,
    contract: &str,
    method: &str,
    args: Vec<u8>,
) -> SignedTransaction {
    let payload = Payload::Call { contract: ContractAddress::system(contract), method: method.into(), args };
    key.sign_transaction(Transaction { chain_id: chain_id.into(), sender: key.account_id(), nonce, payload })
}

/// Admits, executes and commits `txs` as the next block; per-transaction microseconds of each.
fn apply(chain: &Chain, txs: Vec<SignedTransaction>) -> anyhow::Result<(Timings, Vec<Vec<u8>>)> {
    let n = txs.len().max(1) as f64;
    let admitting = Instant::now();
    for tx in &txs {
        chain
            .runtime
            .check_transaction(&chain.storage, tx, chain.head_height() + 1)
            .map_err(|e| anyhow::anyhow!("admission: {e:?}"))?;
    }
    let admit_us = admitting.elapsed().as_secs_f64() * 1e6 / n;
    let head = chain.head();
    let ctx =
        BlockContext { height: head.height + 1, timestamp_ms: chain.now_ms().max(head.timestamp_ms + 1) };
    let executing = Instant::now();
    let executed = chain.runtime.execute_block(chain.state(), ctx, &txs)?;
    let execute_us = executing.elapsed().as_secs_f64() * 1e6 / n;
    let header = BlockHeader {
        height: ctx.height,
        parent_hash: head.hash(),
        timestamp_ms: ctx.timestamp_ms,
        proposer: head.proposer,
        tx_root: Block::compute_tx_root(&txs),
        state_root: executed.state.root,
        receipts_root: executed.receipts_root,
    };
    let block = Block { header, transactions: txs };
    let mut outputs = Vec::with_capacity(executed.receipts.len());
    for r in &executed.receipts {
        match &r.outcome {
            scf_primitives::ExecOutcome::Success { return_data, .. } => outputs.push(return_data.clone()),
            failed => anyhow::bail!("a benchmark transaction failed: {failed:?}"),
        }
    }
    let committing = Instant::now();
    chain.commit(&block, executed, &[])?;
    let commit_us = committing.elapsed().as_secs_f64() * 1e6 / n;
    Ok((Timings { admit_us, execute_us, commit_us }, outputs))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let members: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);
    let blocks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(20);

    let genesis =
        Genesis::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../genesis/dev.json"))?;
    let chain_id = genesis.spec.chain_id.clone();
    let dir = tempfile::tempdir()?;
    let chain = Chain::open(
        Storage::open(dir.path(), &chain_id)?,
        &genesis,
        scf_node::mempool::PoolLimits::default(),
    )?;

    let (operator, core) = (Keypair::dev("operator"), Keypair::dev("core"));
    let keys: Vec<Keypair> = (0..members)
        .map(|i| Keypair::from_seed(scf_primitives::sha256(format!("block-path/{i}").as_bytes()).0))
        .collect();
    let names: Vec<String> = (0..members).map(|i| format!("bench-{i}")).collect();
    let registrations = (0..members)
        .map(|i| {
            let args = RegisterArgs::supplier(
                names[i].clone(),
                format!("Benchmark supplier {i}"),
                keys[i].account_id(),
            );
            call(
                &operator,
                &chain_id,
                i as u64,
                "registry",
                "register",
                borsh::to_vec(&args).expect("encodes"),
            )
        })
        .collect();
    apply(&chain, registrations)?;
    let today = (chain.now_ms() / MS_PER_DAY) as u32;
    let issues = (0..members)
        .map(|i| {
            let args = IssueArgs {
                to: names[i].clone(),
                amount: 1_000_000, // 10,000.00 CNY: 1,000 of them stay inside the dev credit line
                currency: "CNY".into(),
                maturity_day: today + 180,
                trade_ref: None,
            };
            call(&core, &chain_id, i as u64, "receivables", "issue", borsh::to_vec(&args).expect("encodes"))
        })
        .collect();
    let mut vouchers: Vec<VoucherId> =
        apply(&chain, issues)?.1.iter().map(|d| borsh::from_slice(d)).collect::<Result<_, _>>()?;
    let accepts = (0..members)
        .map(|i| {
            call(
                &keys[i],
                &chain_id,
                0,
                "receivables",
                "accept",
                borsh::to_vec(&vouchers[i]).expect("encodes"),
            )
        })
        .collect();
    apply(&chain, accepts)?;

    println!(
        "block path: {members} transfers per block, {blocks} blocks, RocksDB in {}",
        dir.path().display()
    );
    println!(
        "{:>6} {:>12} {:>12} {:>12} {:>12}",
        "block", "admit us/tx", "exec us/tx", "commit us/tx", "tx/s (path)"
    );
    let (mut admit, mut execute, mut commit) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..blocks {
        let transfers = (0..members)
            .map(|i| {
                let args = TransferArgs { id: vouchers[i], to: names[(i + 1) % members].clone(), amount: 1 };
                call(
                    &keys[i],
                    &chain_id,
                    round as u64 + 1,
                    "receivables",
                    "transfer",
                    borsh::to_vec(&args).expect("encodes"),
                )
            })
            .collect();
        let (t, outputs) = apply(&chain, transfers)?;
        for (i, data) in outputs.iter().enumerate() {
            let result: TransferResult = borsh::from_slice(data)?;
            vouchers[i] = result.remainder.ok_or_else(|| anyhow::anyhow!("voucher used up"))?;
        }
        let path_us = t.execute_us + t.commit_us;
        println!(
            "{:>6} {:>12.1} {:>12.1} {:>12.1} {:>12.0}",
            round + 1,
            t.admit_us,
            t.execute_us,
            t.commit_us,
            1e6 / path_us
        );
        admit.push(t.admit_us);
        execute.push(t.execute_us);
        commit.push(t.commit_us);
    }
    let (a, e, c) = (median(admit), median(execute), median(commit));
    println!(
        "median: admission {a:.1} us/tx, execution {e:.1} us/tx, commit {c:.1} us/tx; \
         execute+commit {:.1} us/tx = {:.0} tx/s on one core",
        e + c,
        1e6 / (e + c)
    );
    Ok(())
}
