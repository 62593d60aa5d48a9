//! `scf`: the scf-chain command-line tool.
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use scf_interface as api;
use scf_interface::{
    deposit_token::{self as dt, BalanceArgs, Supply, TokenId},
    governance as gv,
    receivables::{
        self as rc, format_date, Application, CreditKey, CreditLine, DayCount, Voucher, VoucherId,
    },
    registry::{
        AccountArgs, ControlChange, ControlDecision, ControlOutcome, ControlRequest, ControlStatus, Member,
        MemberPage, NetworkNode, NodeRole, Page, RegisterArgs, Role, SetActiveArgs, SetMakerCheckerArgs,
        MAX_PAGE,
    },
};
use scf_primitives::{crypto::Keypair, AccountId, Amount, ContractAddress, Hash, Payload};
use scf_rpc_api::{to_hex, BlockId, ScfApiClient};
use scf_tools::{
    amount, args, bench,
    client::{print_json, return_data, rpc_err, Ctx, TxOpts},
    demo,
    keystore::KeyStore,
    localnet, trade,
};
use serde_json::json;

#[derive(Parser)]
#[command(name = "scf", version, about = "Command-line tool for scf-chain")]
struct Cli {
    /// Node JSON-RPC URL (`scf bench` takes several, comma-separated).
    #[arg(long, global = true, env = "SCF_NODE", default_value = "http://127.0.0.1:9944")]
    node: String,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    /// Key that signs: a stored key name or a dev key (`core`, `supplier1`, ...). Commands that
    /// submit a transaction need it; queries signed with it see what its member may see.
    #[arg(long = "as", global = true, env = "SCF_AS", value_name = "KEY")]
    signer: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum SchemaCmd {
    /// Wire types, every system contract's methods, events and error codes, with the borsh
    /// definition of every type (docs/schema/interface.json).
    Interface,
    /// The node's JSON-RPC methods as an OpenRPC document (docs/schema/openrpc.json).
    Openrpc,
}

#[derive(Subcommand)]
enum Command {
    /// Manage local signing keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Print the machine-readable interface, generated from the code (committed in docs/schema/).
    #[command(subcommand)]
    Schema(SchemaCmd),
    /// Chain information.
    #[command(subcommand)]
    Chain(ChainCmd),
    /// Inspect blocks.
    #[command(subcommand)]
    Block(BlockCmd),
    /// Inspect transactions.
    #[command(subcommand)]
    Tx(TxCmd),
    /// Accounts: nonce and membership.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Consortium members.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Credit lines of core enterprises.
    #[command(subcommand)]
    Credit(CreditCmd),
    /// Deposit tokens (financier-issued deposits).
    #[command(subcommand)]
    Token(TokenCmd),
    /// Payable vouchers.
    #[command(subcommand)]
    Voucher(VoucherCmd),
    /// Voucher financing (discounting).
    #[command(subcommand)]
    Finance(FinanceCmd),
    /// Maker–checker: actions proposed by one account, awaiting another's approval.
    #[command(subcommand)]
    Action(ActionCmd),
    /// Chain parameters of the receivables contract.
    #[command(subcommand)]
    Params(ParamsCmd),
    /// Trade documents: purchase orders, shipping documents by hash, letters of credit,
    /// pre-shipment financing.
    #[command(subcommand)]
    Trade(trade::TradeCmd),
    /// Nodes admitted to the peer-to-peer network.
    #[command(subcommand)]
    Network(NetworkCmd),
    /// Validator-set governance (validators sign with their consensus keys).
    #[command(subcommand)]
    Governance(GovernanceCmd),
    /// Load generator: voucher transfers from many accounts; prints throughput and
    /// submit→finality latency. Needs the dev members (dev chain or `scf genesis new` localnet).
    Bench {
        /// Transfers to commit.
        #[arg(long, default_value_t = 10_000)]
        txs: u64,
        /// Stop starting transfers after this many seconds (a sustained run), even if fewer
        /// than `--txs` were committed.
        #[arg(long)]
        duration: Option<u64>,
        /// Accounts transferring at once (each waits for its previous transfer's block).
        #[arg(long, default_value_t = 200)]
        concurrency: usize,
        /// Most transactions per JSON-RPC batch request to a node (1: one request each).
        #[arg(long, default_value_t = 256)]
        batch: usize,
    },
    /// Deploy, call and query contracts.
    #[command(subcommand)]
    Contract(ContractCmd),
    /// Development-chain helpers.
    #[command(subcommand)]
    Dev(DevCmd),
    /// Run a story end to end on a dev chain.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// Chain specs for new networks.
    #[command(subcommand)]
    Genesis(GenesisCmd),
    /// Run a local multi-node network in the background.
    #[command(subcommand)]
    Localnet(LocalnetCmd),
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Create a key from OS randomness and store it under $SCF_HOME/keys (default ~/.scf),
    /// encrypted under the key store's passphrase (SCF_PASSPHRASE, SCF_PASSPHRASE_FILE, or asked).
    New { name: String },
    /// List stored keys and the built-in dev keys.
    List,
    /// Show a key's account.
    Show { name: String },
    /// Store a key from a seed file (hex), e.g. a validator's consensus.key to vote with it
    /// (encrypted, as `new`).
    Import {
        name: String,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ChainCmd {
    /// Height, hash and state root of the latest block.
    Status,
}

#[derive(Subcommand)]
enum BlockCmd {
    /// A block by height or hash.
    Show { id: String },
}

#[derive(Subcommand)]
enum TxCmd {
    /// A transaction's status and receipt.
    Show { hash: String },
}

#[derive(Subcommand)]
enum AccountCmd {
    /// Nonce and membership of an account (hex, key name or member name).
    Show { account: String },
}

#[derive(Subcommand)]
enum MemberCmd {
    /// All members.
    List,
    /// One member, by name, account or key.
    Show { who: String },
    /// Onboard a member (operator).
    Register {
        #[arg(long)]
        name: String,
        #[arg(long)]
        legal_name: String,
        #[arg(long, default_value = "")]
        registration_id: String,
        /// operator, core_enterprise, supplier, financier or auditor.
        #[arg(long)]
        role: String,
        /// Accounts (hex or key names) that act for the member; repeat for several.
        #[arg(long = "account", required = true)]
        accounts: Vec<String>,
        /// Require a second account's approval for issuance, transfers and financing.
        #[arg(long)]
        maker_checker: bool,
        /// Parent core enterprise of a subsidiary (issues under the parent's credit line).
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Let another account act for a member: applies at once when the member itself asks; an
    /// operator's is a request the member approves (`member approve-change`).
    AddAccount {
        name: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Stop an account acting for a member (as `add-account`: the member itself, or an
    /// operator's request).
    RemoveAccount {
        name: String,
        #[arg(long)]
        account: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Require (`on`) or drop (`off`) maker–checker for a member. The member or an operator
    /// switches it on; switching it off is an operator's request the member approves.
    MakerChecker {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        setting: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Open requests to change who controls a member (accounts, maker–checker off).
    Changes,
    /// Approve a control request: as the member (applies it), or as another operator (applies
    /// it once two thirds of the operator members, and at least two, approved).
    ApproveChange {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a control request about your member.
    RejectChange {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Suspend a member (operator).
    Suspend {
        name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reactivate a member (operator).
    Activate {
        name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum CreditCmd {
    /// Set a core enterprise's issuance limit (operator or financier).
    Grant {
        #[arg(long)]
        core: String,
        #[arg(long)]
        limit: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// A core enterprise's limit and outstanding vouchers.
    Show {
        #[arg(long)]
        core: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Mint your own deposit tokens to a member (financier).
    Mint {
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Redeem (burn) your tokens of `--token financier/CCY`.
    Burn {
        #[arg(long)]
        token: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Send tokens to another member.
    Transfer {
        #[arg(long)]
        token: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Let the receivables contract (or `--spender`) move up to `--amount` of your tokens.
    Approve {
        #[arg(long)]
        token: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        spender: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// A member's balance of `--token financier/CCY`.
    Balance {
        #[arg(long)]
        member: String,
        #[arg(long)]
        token: String,
    },
    /// Minted, burned and outstanding amounts of a token.
    Supply {
        #[arg(long)]
        token: String,
    },
}

#[derive(Subcommand)]
enum VoucherCmd {
    /// Issue a voucher (core enterprise).
    Issue {
        /// Recipient: member name.
        #[arg(long)]
        to: String,
        /// Decimal amount, e.g. 1000.00.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Maturity date: YYYY-MM-DD, or +DAYSd counted from the chain's current day (e.g. +90d).
        #[arg(long)]
        maturity: String,
        /// Hash of the trade contract or invoice backing it.
        #[arg(long = "ref")]
        trade_ref: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept a voucher issued to you.
    Accept {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a voucher issued to you.
    Reject {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Cancel a voucher you issued that is not yet accepted.
    Cancel {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Transfer all or part of a voucher to another member.
    Transfer {
        id: VoucherId,
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Pay every holder of a root voucher at maturity (issuer), in `--token`'s financier's tokens.
    Settle {
        root: VoucherId,
        /// Financier whose deposit tokens pay (the issuer must have approved the receivables contract).
        #[arg(long)]
        token: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Mark the unpaid pieces of a matured root overdue.
    MarkOverdue {
        root: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Freeze a voucher (auditor or operator).
    Freeze {
        id: VoucherId,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Lift a freeze (auditor or operator).
    Unfreeze {
        id: VoucherId,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show one voucher.
    Show { id: VoucherId },
    /// List the live vouchers a member holds.
    List {
        #[arg(long)]
        holder: String,
    },
    /// The full tree of pieces of a voucher's root (穿透).
    Lineage { id: VoucherId },
}

#[derive(Subcommand)]
enum FinanceCmd {
    /// Apply to discount all or part of a voucher at a financier (holder).
    Apply {
        voucher: VoucherId,
        #[arg(long)]
        financier: String,
        /// Part to finance (default: the whole voucher).
        #[arg(long)]
        amount: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Approve an application: pays the net proceeds and takes the voucher (financier).
    Approve {
        application: u64,
        /// Annual discount rate in percent, e.g. 4.35.
        #[arg(long)]
        rate: String,
        #[arg(long, default_value = "0")]
        fee: String,
        /// Registration number in the movable-asset financing registry (中登网).
        #[arg(long)]
        registry_ref: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject an application (financier).
    Reject {
        application: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Withdraw your application before a decision (applicant).
    Withdraw {
        application: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show an application.
    Show { application: u64 },
    /// Choose your day-count basis: act360 (default) or act365 (financier).
    DayCount {
        basis: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum GenesisCmd {
    /// Write keys, per-node configs (distinct loopback ports) and a chain spec for a local
    /// network. Members are the dev chain's (public dev keys): for testing only.
    New {
        #[arg(long, default_value_t = 4)]
        validators: usize,
        #[arg(long, default_value_t = 0)]
        full_nodes: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "scf-localnet")]
        chain_id: String,
        /// Node i listens on base+3i (consensus), base+3i+1 (transactions), base+3i+2 (RPC).
        #[arg(long, default_value_t = 30000)]
        base_port: u16,
    },
}

#[derive(Subcommand)]
enum LocalnetCmd {
    /// Start every node that is not running and wait for its RPC.
    Up { dir: PathBuf },
    /// Stop every node.
    Down { dir: PathBuf },
    /// Stop one node (SIGTERM, or SIGKILL with --kill).
    Stop {
        dir: PathBuf,
        /// Node name, e.g. validator2.
        #[arg(value_name = "NODE")]
        name: String,
        #[arg(long)]
        kill: bool,
    },
    /// Start one node again; waits until it answers JSON-RPC (a node that exits instead fails the
    /// command with the end of its log).
    Start {
        dir: PathBuf,
        #[arg(value_name = "NODE")]
        name: String,
    },
    /// Which nodes run, with their height.
    Status { dir: PathBuf },
}

#[derive(Subcommand)]
enum GovernanceCmd {
    /// The validator set deciding a height (default: the next block).
    Validators {
        #[arg(long)]
        height: Option<u64>,
    },
    /// The schedule: every set with the height it starts at.
    Schedule,
    /// Open proposals.
    Proposals,
    /// Propose adding a validator.
    ProposeAdd {
        #[arg(long)]
        name: String,
        /// Hex consensus public key.
        #[arg(long)]
        consensus_key: String,
        /// Hex node (libp2p identity) public key.
        #[arg(long)]
        node_key: String,
        #[arg(long, default_value_t = 1)]
        power: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose removing a validator (by consensus key or validator name).
    ProposeRemove {
        validator: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose changing a validator's voting power.
    ProposePower {
        validator: String,
        #[arg(long)]
        power: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose approving contract code (SHA-256 of FILE): for a new contract, or with
    /// `--upgrade CONTRACT` to replace that contract's code. Once more than two thirds of the
    /// voting power approve, anyone who is a member may install it within 7 days.
    ProposeCode {
        file: PathBuf,
        /// The contract to upgrade: an address or a system contract name.
        #[arg(long)]
        upgrade: Option<String>,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Vote on a proposal.
    Vote {
        proposal: u64,
        #[arg(value_parser = ["yes", "no"])]
        choice: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum NetworkCmd {
    /// Every admitted node: validators and full nodes with their node keys.
    Nodes,
    /// Admit a full node by its node (libp2p identity) public key (operator).
    AddNode {
        #[arg(long)]
        name: String,
        /// Hex ed25519 public key of the node's `node.key`.
        #[arg(long)]
        node_key: String,
        /// The member that runs the node: while it is suspended, every peer refuses the node.
        #[arg(long)]
        member: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Remove a full node; every peer disconnects it (operator).
    RemoveNode {
        #[arg(value_name = "NAME")]
        node_name: String,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum ParamsCmd {
    /// Current parameters.
    Show,
    /// Set the longest term of new vouchers, 1-365 days (operator).
    SetMaxTerm {
        days: u32,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum ActionCmd {
    /// Open actions of a member (default: the `--as` key's member).
    List {
        #[arg(long)]
        member: Option<String>,
    },
    /// One action.
    Show { id: u64 },
    /// Approve and run an action proposed by another account of your member (checker).
    Approve {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject (or, as its maker, withdraw) an open action.
    Reject {
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
}

#[derive(Subcommand)]
enum ContractCmd {
    /// Every installed contract: address, code hash, version and the approval behind it.
    List,
    /// Deploy a Wasm contract whose code the validators approved (`scf governance propose-code`).
    /// On a dev chain, its one validator approves it first, so one command deploys.
    Deploy {
        file: PathBuf,
        /// Arguments of its `init`, as a JSON array of "type:value" strings.
        #[arg(long, default_value = "[]")]
        init_args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Replace a contract's code with approved code (`scf governance propose-code FILE --upgrade
    /// CONTRACT`); it keeps its address and storage, and the new code's `migrate` runs if present.
    Upgrade {
        /// An address or a system contract name.
        contract: String,
        file: PathBuf,
        /// Arguments of its `migrate`, as a JSON array of "type:value" strings.
        #[arg(long, default_value = "[]")]
        migrate_args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Call a contract method in a transaction.
    Call {
        address: String,
        method: String,
        /// JSON array of "type:value" strings, e.g. '["u64:1", "string:supplier2", "u128:40000"]'.
        #[arg(long, default_value = "[]")]
        args: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Run a method read-only and print its return data (hex).
    Query {
        address: String,
        method: String,
        #[arg(long, default_value = "[]")]
        args: String,
    },
}

#[derive(Subcommand)]
enum DevCmd {
    /// Move the dev chain's clock forward, e.g. `90d`, `12h`, `30m`, `45s` (dev chains only).
    AdvanceTime { duration: String },
}

#[derive(Subcommand)]
enum DemoCmd {
    /// Issue, split, discount, advance 90 days and settle: the 双链通 story with every figure.
    Discounting,
    /// A Yiwu seller ships to a Mexican buyer under a letter of credit and is paid on
    /// presentation; a second order on 60-day terms becomes a voucher the seller discounts.
    Trade,
}

fn parse_token(s: &str) -> Result<TokenId> {
    let (financier, currency) =
        s.split_once('/').ok_or_else(|| anyhow!("--token must be financier/CURRENCY, e.g. bank/CNY"))?;
    Ok(TokenId { financier: financier.to_string(), currency: currency.to_string() })
}

fn parse_duration_secs(s: &str) -> Result<u64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| anyhow!("duration {s:?} must look like 90d, 12h, 30m or 45s"))?;
    let scale = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" | "" => 1,
        _ => bail!("duration {s:?}: unit must be d, h, m or s"),
    };
    n.checked_mul(scale).ok_or_else(|| anyhow!("duration {s:?} is too long"))
}

fn money(units: Amount, currency: &str) -> String {
    format!("{} {currency}", amount::format(units, amount::decimals(currency)))
}

fn voucher_json(v: &Voucher) -> serde_json::Value {
    let d = amount::decimals(&v.currency);
    json!({
        "id": v.id, "root_id": v.root_id, "parent_id": v.parent_id,
        "issuer": v.issuer, "holder": v.holder,
        "amount": amount::format(v.amount, d), "amount_minor": v.amount.to_string(),
        "currency": v.currency, "maturity": format_date(v.maturity_day),
        "issued_at_ms": v.issued_at_ms,
        "trade_ref": v.trade_ref.map(|h| h.to_hex()), "status": v.status.as_str(), "frozen": v.frozen,
        "financed_by": v.financed_by, "locked_by": v.locked_by,
    })
}

fn print_vouchers(ctx: &Ctx, vouchers: &[Voucher], totals: bool) {
    if ctx.json {
        print_json(&json!(vouchers.iter().map(voucher_json).collect::<Vec<_>>()));
        return;
    }
    println!(
        "{:>6} {:>6} {:>6}  {:<12} {:<12} {:>18} {:<4} {:<10} {:<18}",
        "ID", "ROOT", "PARENT", "ISSUER", "HOLDER", "AMOUNT", "CCY", "MATURITY", "STATUS"
    );
    for v in vouchers {
        let mut status = v.status.as_str().to_string();
        if v.frozen.is_some() {
            status.push_str(" (frozen)");
        }
        println!(
            "{:>6} {:>6} {:>6}  {:<12} {:<12} {:>18} {:<4} {:<10} {:<18}",
            v.id,
            v.root_id,
            v.parent_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            v.issuer,
            v.holder,
            amount::format(v.amount, amount::decimals(&v.currency)),
            v.currency,
            format_date(v.maturity_day),
            status
        );
    }
    if totals {
        let mut sums: std::collections::BTreeMap<&str, u128> = Default::default();
        for v in vouchers.iter().filter(|v| v.status.is_live()) {
            *sums.entry(v.currency.as_str()).or_default() += v.amount;
        }
        for (ccy, total) in sums {
            println!("total live: {}", money(total, ccy));
        }
    }
}

fn print_member(ctx: &Ctx, m: &Member) {
    if ctx.json {
        print_json(&member_json(m));
    } else {
        let mut notes = Vec::new();
        if let Some(p) = &m.parent {
            notes.push(format!("subsidiary of {p}"));
        }
        if m.maker_checker {
            notes.push("maker–checker".to_string());
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" [{}]", notes.join(", ")) };
        println!(
            "{:<12} {:<16} {:<8} {:<20} {}{notes}",
            m.name,
            m.role.as_str(),
            if m.active { "active" } else { "SUSPENDED" },
            m.registration_id,
            m.legal_name
        );
    }
}

fn member_json(m: &Member) -> serde_json::Value {
    json!({"name": m.name, "legal_name": m.legal_name, "registration_id": m.registration_id,
           "role": m.role.as_str(), "active": m.active, "maker_checker": m.maker_checker, "parent": m.parent,
           "accounts": m.accounts.iter().map(|a| a.to_hex()).collect::<Vec<_>>()})
}

fn application_json(a: &Application, currency: &str) -> serde_json::Value {
    let d = amount::decimals(currency);
    json!({
        "id": a.id, "voucher": a.voucher, "applicant": a.applicant, "financier": a.financier,
        "face": amount::format(a.face, d), "status": a.status.as_str(),
        "terms": a.terms.as_ref().map(|t| json!({
            "rate_bps": t.rate_bps, "days": t.days,
            "day_count": match t.day_count { DayCount::Act360 => "act360", DayCount::Act365 => "act365" },
            "discount": amount::format(t.discount, d), "fee": amount::format(t.fee, d),
            "net": amount::format(t.net, d), "registry_ref": t.registry_ref,
        })),
    })
}

async fn run(cli: Cli) -> Result<()> {
    let nodes: Vec<String> = cli.node.split(',').map(|s| s.trim().to_string()).collect();
    let client = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(30))
        .build(&nodes[0])
        .with_context(|| format!("invalid node URL {}", nodes[0]))?;
    let ctx = Ctx::new(client, KeyStore::default_location(), cli.json, cli.signer)?;
    match cli.command {
        Command::Keys(cmd) => keys(&ctx, cmd)?,
        Command::Schema(SchemaCmd::Interface) => print_json(&scf_tools::schema::interface()),
        Command::Schema(SchemaCmd::Openrpc) => print_json(&scf_rpc_api::openrpc::document()),
        Command::Chain(ChainCmd::Status) => {
            let h = ctx.client.chain_head().await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&h)?);
            } else {
                println!(
                    "chain       {}\nheight      {}\nhash        {}\nstate root  {}\ntime        {} ({} ms)\ngenesis     {}",
                    h.chain_id,
                    h.height,
                    h.hash,
                    h.state_root,
                    format_date((h.timestamp_ms / rc::MS_PER_DAY) as u32),
                    h.timestamp_ms,
                    h.genesis_hash
                );
            }
        }
        Command::Block(BlockCmd::Show { id }) => {
            let id = match id.parse::<u64>() {
                Ok(h) => BlockId::Height(h),
                Err(_) => BlockId::Hash(id),
            };
            let b = ctx.client.get_block(id).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&b)?);
            } else {
                println!(
                    "height        {}\nhash          {}\nparent        {}\ntime          {} ms\nproposer      {}\ntx root       {}\nstate root    {}\nreceipts root {}\ntransactions  {}",
                    b.height, b.hash, b.parent_hash, b.timestamp_ms, b.proposer, b.tx_root, b.state_root, b.receipts_root, b.transactions.len()
                );
                for t in &b.transactions {
                    println!("  {t}");
                }
            }
        }
        Command::Tx(TxCmd::Show { hash }) => {
            let t = ctx.client.get_transaction(hash).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&t)?);
            } else {
                println!(
                    "hash     {}\nstatus   {:?}\nsender   {}\nnonce    {}",
                    t.hash, t.status, t.sender, t.nonce
                );
                if let Some(r) = &t.receipt {
                    println!(
                        "block    {}\n{:<8} {} {}",
                        t.block_height.unwrap_or(0),
                        t.kind,
                        t.contract.as_deref().unwrap_or(""),
                        t.method.as_deref().unwrap_or("")
                    );
                    if r.success {
                        println!("result   success, fuel {}", r.fuel_used);
                    } else {
                        println!(
                            "result   FAILED [{}]: {}",
                            r.error_kind.as_deref().unwrap_or(""),
                            r.error.as_deref().unwrap_or("")
                        );
                    }
                    for e in &r.events {
                        println!("event    {} {}", e.topic, e.data);
                    }
                }
            }
        }
        Command::Account(AccountCmd::Show { account }) => {
            let a = ctx.resolve_account(&account).await?;
            let v = ctx.client.get_account(a.to_hex()).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&v)?);
            } else {
                println!("account  {}\nnonce    {}", v.account, v.nonce);
                match v.member {
                    Some(m) => println!(
                        "member   {} ({}){}",
                        m.name,
                        m.role,
                        if m.active { "" } else { ", SUSPENDED" }
                    ),
                    None => println!("member   none"),
                }
            }
        }
        Command::Member(cmd) => member(&ctx, cmd).await?,
        Command::Credit(cmd) => credit(&ctx, cmd).await?,
        Command::Token(cmd) => token(&ctx, cmd).await?,
        Command::Voucher(cmd) => voucher(&ctx, cmd).await?,
        Command::Trade(cmd) => trade::run(&ctx, cmd).await?,
        Command::Finance(cmd) => finance(&ctx, cmd).await?,
        Command::Action(cmd) => action(&ctx, cmd).await?,
        Command::Genesis(GenesisCmd::New { validators, full_nodes, out, chain_id, base_port }) => {
            let m = localnet::genesis_new(&localnet::GenesisOptions {
                validators,
                full_nodes,
                out: out.clone(),
                chain_id,
                base_port,
            })?;
            if ctx.json {
                print_json(&serde_json::to_value(&m)?);
            } else {
                println!("wrote chain {} to {}:", m.chain_id, out.display());
                for n in &m.nodes {
                    println!("  {:<12} {:<10} rpc http://{}", n.name, n.role, n.rpc);
                }
                println!("start it with: scf localnet up {}", out.display());
            }
        }
        Command::Localnet(cmd) => localnet_cmd(&ctx, cmd).await?,
        Command::Bench { txs, duration, concurrency, batch } => {
            let report = bench::run(bench::BenchOptions {
                nodes,
                txs,
                duration: duration.map(Duration::from_secs),
                concurrency,
                batch,
                operator: ctx.keys.get("operator")?,
                issuer: ctx.keys.get("core")?,
                quiet: ctx.json,
            })
            .await?;
            if ctx.json {
                print_json(&serde_json::to_value(&report)?);
            } else {
                println!(
                    "committed {} transfers in {:.1} s over {} blocks: {:.0} tx/s ({} node(s), {} in flight, batches of up to {})",
                    report.committed,
                    report.seconds,
                    report.blocks,
                    report.tps,
                    report.nodes,
                    report.concurrency,
                    report.batch
                );
                println!(
                    "submit→finality latency: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                    report.latency_ms_p50,
                    report.latency_ms_p95,
                    report.latency_ms_p99,
                    report.latency_ms_max
                );
                println!("setup took {:.1} s; {} transfers failed", report.setup_seconds, report.failed);
            }
        }
        Command::Governance(cmd) => governance_cmd(&ctx, cmd).await?,
        Command::Network(NetworkCmd::Nodes) => {
            let nodes: Vec<NetworkNode> = ctx.query(api::registry::NODES, &()).await?;
            let rows: Vec<_> = nodes
                .iter()
                .map(|n| {
                    json!({"name": n.name, "role": n.role.as_str(), "node_key": n.node_key.to_hex(),
                           "member": n.member})
                })
                .collect();
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for n in &nodes {
                    let member = n.member.as_deref().unwrap_or("-");
                    println!("{:<16} {:<10} {:<16} {}", n.name, n.role.as_str(), member, n.node_key);
                }
            }
        }
        Command::Network(NetworkCmd::AddNode { name, node_key, member, tx }) => {
            let node_key = AccountId::from_hex(&node_key).map_err(|e| anyhow!("--node-key: {e}"))?;
            let args =
                NetworkNode { name: name.clone(), node_key, role: NodeRole::FullNode, member: Some(member) };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::ADD_NODE, &args).await?;
            ctx.report(&view, |_| format!("full node {name} is admitted to the network"))?;
        }
        Command::Network(NetworkCmd::RemoveNode { node_name, tx }) => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REMOVE_NODE, &node_name).await?;
            ctx.report(&view, |_| format!("node {node_name} is removed from the network"))?;
        }
        Command::Params(ParamsCmd::Show) => {
            let p: rc::Params = ctx.query(api::receivables::GET_PARAMS, &()).await?;
            if ctx.json {
                print_json(&json!({"max_term_days": p.max_term_days}));
            } else {
                println!("max term  {} days", p.max_term_days);
            }
        }
        Command::Params(ParamsCmd::SetMaxTerm { days, tx }) => {
            let args = rc::Params { max_term_days: days };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::SET_PARAMS, &args).await?;
            ctx.report(&view, |_| format!("new vouchers may run at most {days} days"))?;
        }
        Command::Contract(cmd) => contract(&ctx, cmd).await?,
        Command::Dev(DevCmd::AdvanceTime { duration }) => {
            let secs = parse_duration_secs(&duration)?;
            let t = ctx.client.dev_advance_time(secs).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&t)?);
            } else {
                println!(
                    "chain clock is now {} ({} days ahead of the wall clock); the next block carries it",
                    format_date((t.chain_now_ms / rc::MS_PER_DAY) as u32),
                    t.offset_ms / rc::MS_PER_DAY
                );
            }
        }
        Command::Demo(DemoCmd::Discounting) => {
            let summary = demo::discounting(&ctx).await?;
            if ctx.json {
                print_json(&summary);
            }
        }
        Command::Demo(DemoCmd::Trade) => {
            let summary = demo::trade(&ctx).await?;
            if ctx.json {
                print_json(&summary);
            }
        }
    }
    Ok(())
}

fn keys(ctx: &Ctx, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::New { name } => {
            let k = ctx.keys.create(&name)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": k.account_id().to_hex()}));
            } else {
                println!("created key {name}: {}", k.account_id());
            }
        }
        KeysCmd::List => {
            let mut rows = Vec::new();
            for name in ctx.keys.list() {
                rows.push(json!({"name": name, "account": ctx.keys.account(&name)?.to_hex(), "dev": false}));
            }
            for name in scf_primitives::crypto::DEV_KEY_NAMES {
                rows.push(
                    json!({"name": name, "account": Keypair::dev(name).account_id().to_hex(), "dev": true}),
                );
            }
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for r in rows {
                    let tag = if r["dev"] == json!(true) { "  (dev key: public, insecure)" } else { "" };
                    println!(
                        "{:<12} {}{tag}",
                        r["name"].as_str().unwrap_or(""),
                        r["account"].as_str().unwrap_or("")
                    );
                }
            }
        }
        KeysCmd::Import { name, file } => {
            let k = ctx.keys.import(&name, &file)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": k.account_id().to_hex()}));
            } else {
                println!("imported key {name}: {}", k.account_id());
            }
        }
        KeysCmd::Show { name } => {
            let account = ctx.keys.account(&name)?;
            if ctx.json {
                print_json(&json!({"name": name, "account": account.to_hex()}));
            } else {
                println!("{name}: {account}");
            }
        }
    }
    Ok(())
}

fn control_json(r: &ControlRequest) -> serde_json::Value {
    let change = match &r.change {
        ControlChange::AddAccount(a) => json!({"add_account": a.to_hex()}),
        ControlChange::RemoveAccount(a) => json!({"remove_account": a.to_hex()}),
        ControlChange::MakerCheckerOff => json!("maker_checker_off"),
    };
    let status = match r.status {
        ControlStatus::Open => "open",
        ControlStatus::Applied => "applied",
        ControlStatus::Rejected => "rejected",
        ControlStatus::Expired => "expired",
    };
    json!({"id": r.id, "member": r.member, "change": change, "requested_by": r.requested_by,
           "operator_approvals": r.operator_approvals, "created_ms": r.created_ms, "status": status})
}

/// Prints what a control change did: applied, or requested (and how it gets approved).
fn report_control(ctx: &Ctx, view: &scf_rpc_api::TxView, applied: String) -> Result<()> {
    let mut extra = serde_json::Map::new();
    let outcome = return_data(view).ok().and_then(|d| borsh::from_slice::<ControlOutcome>(&d).ok());
    if let Some(ControlOutcome::Requested(r)) = &outcome {
        extra.insert("request".into(), control_json(r));
    }
    ctx.report_with(view, extra, |_| match outcome {
        Some(ControlOutcome::Requested(r)) => format!(
            "requested as control request {}: it applies when {} approves it (`scf member approve-change {} --as <one of its keys>`), \
             or enough other operators do",
            r.id, r.member, r.id
        ),
        _ => applied,
    })
}

async fn decide_control(ctx: &Ctx, id: u64, approve: bool, tx: TxOpts) -> Result<()> {
    let args = ControlDecision { id, approve };
    let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::DECIDE_CONTROL, &args).await?;
    let mut extra = serde_json::Map::new();
    let decided = return_data(&view).ok().and_then(|d| borsh::from_slice::<ControlRequest>(&d).ok());
    if let Some(r) = &decided {
        extra.insert("request".into(), control_json(r));
    }
    ctx.report_with(&view, extra, |_| match decided {
        Some(r) => format!("control request {id} is {}", control_json(&r)["status"].as_str().unwrap_or("?")),
        None => format!("decided control request {id}"),
    })
}

async fn member(ctx: &Ctx, cmd: MemberCmd) -> Result<()> {
    match cmd {
        MemberCmd::List => {
            let mut all: Vec<Member> = Vec::new();
            let mut from = Some(0);
            while let Some(start) = from {
                let page: MemberPage =
                    ctx.query(api::registry::LIST, &Page { from: start, limit: MAX_PAGE }).await?;
                all.extend(page.members);
                from = page.next;
            }
            if ctx.json {
                print_json(&json!(all.iter().map(member_json).collect::<Vec<_>>()));
            } else {
                for m in &all {
                    print_member(ctx, m);
                }
            }
        }
        MemberCmd::Show { who } => print_member(ctx, &ctx.member(&who).await?),
        MemberCmd::Register {
            name,
            legal_name,
            registration_id,
            role,
            accounts,
            maker_checker,
            parent,
            tx,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!("role {role:?} must be operator, core_enterprise, supplier, financier, auditor or logistics")
            })?;
            let mut resolved = Vec::new();
            for a in &accounts {
                resolved.push(ctx.resolve_account(a).await?);
            }
            let parent = match parent {
                Some(p) => Some(ctx.member_name(&p).await?),
                None => None,
            };
            let args = RegisterArgs {
                name: name.clone(),
                legal_name,
                registration_id,
                role,
                accounts: resolved,
                maker_checker,
                parent,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REGISTER, &args).await?;
            ctx.report(&view, |_| format!("registered member {name}"))?;
        }
        MemberCmd::AddAccount { name, account, tx } => {
            let args = AccountArgs {
                name: ctx.member_name(&name).await?,
                account: ctx.resolve_account(&account).await?,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::ADD_ACCOUNT, &args).await?;
            report_control(ctx, &view, format!("account {} now acts for {}", args.account, args.name))?;
        }
        MemberCmd::RemoveAccount { name, account, tx } => {
            let args = AccountArgs {
                name: ctx.member_name(&name).await?,
                account: ctx.resolve_account(&account).await?,
            };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::REMOVE_ACCOUNT, &args).await?;
            report_control(ctx, &view, format!("account {} no longer acts for {}", args.account, args.name))?;
        }
        MemberCmd::MakerChecker { name, setting, tx } => {
            let args = SetMakerCheckerArgs { name: ctx.member_name(&name).await?, required: setting == "on" };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_MAKER_CHECKER, &args).await?;
            report_control(ctx, &view, format!("maker–checker for {} is {setting}", args.name))?;
        }
        MemberCmd::Changes => {
            let open: Vec<ControlRequest> = ctx.query(api::registry::CONTROL_REQUESTS, &()).await?;
            if ctx.json {
                print_json(&json!(open.iter().map(control_json).collect::<Vec<_>>()));
            } else if open.is_empty() {
                println!("no open control requests");
            } else {
                for r in &open {
                    println!("{}", control_json(r));
                }
            }
        }
        MemberCmd::ApproveChange { id, tx } => decide_control(ctx, id, true, tx).await?,
        MemberCmd::RejectChange { id, tx } => decide_control(ctx, id, false, tx).await?,
        MemberCmd::Suspend { name, tx } => {
            let args = SetActiveArgs { name: name.clone(), active: false };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_ACTIVE, &args).await?;
            ctx.report(&view, |_| format!("suspended member {name}"))?;
        }
        MemberCmd::Activate { name, tx } => {
            let args = SetActiveArgs { name: name.clone(), active: true };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::registry::SET_ACTIVE, &args).await?;
            ctx.report(&view, |_| format!("reactivated member {name}"))?;
        }
    }
    Ok(())
}

async fn credit(ctx: &Ctx, cmd: CreditCmd) -> Result<()> {
    match cmd {
        CreditCmd::Grant { core, limit, currency, tx } => {
            let limit = amount::parse(&limit, amount::decimals(&currency))?;
            let core = ctx.member_name(&core).await?;
            let args = rc::GrantCreditArgs { core: core.clone(), currency: currency.clone(), limit };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::GRANT_CREDIT, &args).await?;
            ctx.report(&view, |_| {
                format!("{core} may now have up to {} outstanding", money(limit, &currency))
            })?;
        }
        CreditCmd::Show { core, currency } => {
            let core = ctx.member_name(&core).await?;
            let line: Option<CreditLine> = ctx
                .query(
                    api::receivables::CREDIT,
                    &CreditKey { core: core.clone(), currency: currency.clone() },
                )
                .await?;
            let Some(l) = line else { bail!("{core} has no credit line in {currency}") };
            let d = amount::decimals(&currency);
            if ctx.json {
                print_json(
                    &json!({"core": l.core, "currency": l.currency, "limit": amount::format(l.limit, d),
                    "outstanding": amount::format(l.outstanding, d),
                    "available": amount::format(l.limit.saturating_sub(l.outstanding), d), "granted_by": l.granted_by}),
                );
            } else {
                println!(
                    "{} {}: limit {}, outstanding {}, available {} (granted by {})",
                    l.core,
                    l.currency,
                    amount::format(l.limit, d),
                    amount::format(l.outstanding, d),
                    amount::format(l.limit.saturating_sub(l.outstanding), d),
                    l.granted_by
                );
            }
        }
    }
    Ok(())
}

async fn token(ctx: &Ctx, cmd: TokenCmd) -> Result<()> {
    match cmd {
        TokenCmd::Mint { to, amount: amt, currency, tx } => {
            let amount = amount::parse(&amt, amount::decimals(&currency))?;
            let to = ctx.member_name(&to).await?;
            let args = dt::MintArgs { currency: currency.clone(), to: to.clone(), amount };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::deposit_token::MINT, &args).await?;
            ctx.report(&view, |_| format!("minted {} to {to}", money(amount, &currency)))?;
        }
        TokenCmd::Burn { token, amount: amt, tx } => {
            let token = parse_token(&token)?;
            let amount = amount::parse(&amt, amount::decimals(&token.currency))?;
            let ccy = token.currency.clone();
            let view = ctx
                .call(ctx.signer()?, tx.no_wait, api::deposit_token::BURN, &dt::BurnArgs { token, amount })
                .await?;
            ctx.report(&view, |_| format!("redeemed {}", money(amount, &ccy)))?;
        }
        TokenCmd::Transfer { token, to, amount: amt, tx } => {
            let token = parse_token(&token)?;
            let amount = amount::parse(&amt, amount::decimals(&token.currency))?;
            let to = ctx.member_name(&to).await?;
            let ccy = token.currency.clone();
            let args = dt::TransferArgs { token, to: to.clone(), amount };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::deposit_token::TRANSFER, &args).await?;
            ctx.report(&view, |_| format!("sent {} to {to}", money(amount, &ccy)))?;
        }
        TokenCmd::Approve { token, amount: amt, spender, tx } => {
            let token = parse_token(&token)?;
            let amount = amount::parse(&amt, amount::decimals(&token.currency))?;
            let spender = match spender {
                Some(s) => ContractAddress::from_hex(&s).map_err(|e| anyhow!("--spender: {e}"))?,
                None => scf_interface::SystemContract::Receivables.address(),
            };
            let ccy = token.currency.clone();
            let args = dt::ApproveArgs { token, spender, amount };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::deposit_token::APPROVE, &args).await?;
            ctx.report(&view, |_| format!("contract {spender} may move up to {}", money(amount, &ccy)))?;
        }
        TokenCmd::Balance { member, token } => {
            let token = parse_token(&token)?;
            let member = ctx.member_name(&member).await?;
            let ccy = token.currency.clone();
            let b: Amount = ctx
                .query(api::deposit_token::BALANCE, &BalanceArgs { token, member: member.clone() })
                .await?;
            if ctx.json {
                print_json(
                    &json!({"member": member, "balance": amount::format(b, amount::decimals(&ccy)), "currency": ccy}),
                );
            } else {
                println!("{member}: {}", money(b, &ccy));
            }
        }
        TokenCmd::Supply { token } => {
            let token = parse_token(&token)?;
            let d = amount::decimals(&token.currency);
            let s: Supply = ctx.query(api::deposit_token::SUPPLY, &token).await?;
            let j = json!({"minted": amount::format(s.minted, d), "burned": amount::format(s.burned, d),
                           "outstanding": amount::format(s.outstanding, d)});
            if ctx.json {
                print_json(&j);
            } else {
                println!("minted {}  burned {}  outstanding {}", j["minted"], j["burned"], j["outstanding"]);
            }
        }
    }
    Ok(())
}

async fn voucher(ctx: &Ctx, cmd: VoucherCmd) -> Result<()> {
    let load = |id: VoucherId| async move {
        let v: Option<Voucher> = ctx.query(api::receivables::GET, &id).await?;
        v.ok_or_else(|| anyhow!("voucher {id} does not exist"))
    };
    match cmd {
        VoucherCmd::Issue { to, amount: amt, currency, maturity, trade_ref, tx } => {
            let to = ctx.member_name(&to).await?;
            let amount = amount::parse(&amt, amount::decimals(&currency))?;
            let maturity_day = ctx.day(&maturity, "--maturity").await?;
            let trade_ref = trade_ref
                .map(|r| Hash::from_hex(&r).ok_or_else(|| anyhow!("--ref must be 32 bytes of hex")))
                .transpose()?;
            let args = rc::IssueArgs { to, amount, currency, maturity_day, trade_ref };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::Issue(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::ISSUE, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::ISSUE,
                |id| json!({ "voucher_id": id }),
                |id| format!("issued voucher {id}"),
            )?;
        }
        VoucherCmd::Accept { id, tx } => {
            simple(ctx, &tx, api::receivables::ACCEPT, &id, format!("accepted voucher {id}")).await?
        }
        VoucherCmd::Reject { id, tx } => {
            simple(ctx, &tx, api::receivables::REJECT, &id, format!("rejected voucher {id}")).await?
        }
        VoucherCmd::Cancel { id, tx } => {
            simple(ctx, &tx, api::receivables::CANCEL, &id, format!("cancelled voucher {id}")).await?
        }
        VoucherCmd::Unfreeze { id, tx } => {
            simple(ctx, &tx, api::receivables::UNFREEZE, &id, format!("unfroze voucher {id}")).await?
        }
        VoucherCmd::Freeze { id, reason, tx } => {
            simple(
                ctx,
                &tx,
                api::receivables::FREEZE,
                &rc::FreezeArgs { id, reason },
                format!("froze voucher {id}"),
            )
            .await?
        }
        VoucherCmd::Transfer { id, to, amount: amt, tx } => {
            let v = load(id).await?;
            let to = ctx.member_name(&to).await?;
            let amount = amount::parse(&amt, amount::decimals(&v.currency))?;
            let args = rc::TransferArgs { id, to, amount };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::Transfer(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::TRANSFER, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::TRANSFER,
                |r| json!({ "transferred_id": r.transferred, "remainder_id": r.remainder }),
                |r| match r.remainder {
                    Some(rest) => {
                        format!("transferred as voucher {}; remainder is voucher {rest}", r.transferred)
                    }
                    None => format!("transferred as voucher {}", r.transferred),
                },
            )?;
        }
        VoucherCmd::Settle { root, token, tx } => {
            let v = load(root).await?;
            let args = rc::SettleArgs { root, token_financier: ctx.member_name(&token).await? };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::SETTLE, &args).await?;
            // One call pays at most 100 pieces; say when another is needed (in JSON too, so a
            // script knows whether to call again).
            let unpaid = if view.receipt.as_ref().is_some_and(|r| r.success) {
                let pieces: Vec<Voucher> = ctx.query(api::receivables::LINEAGE, &root).await?;
                Some(pieces.iter().filter(|p| p.status.is_live() && p.frozen.is_none()).count())
            } else {
                None
            };
            let mut extra = serde_json::Map::new();
            if let Some(left) = unpaid {
                extra.insert("unpaid_pieces".into(), left.into());
            }
            ctx.report_with(&view, extra, |data| match borsh::from_slice::<Amount>(data) {
                Ok(paid) => {
                    format!("settled voucher {root}: paid {} to its holders", money(paid, &v.currency))
                }
                Err(_) => "settled".into(),
            })?;
            if let (Some(left @ 1..), false) = (unpaid, ctx.json) {
                println!("  {left} live pieces are still unpaid (100 per call): run this command again");
            }
        }
        VoucherCmd::MarkOverdue { root, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::MARK_OVERDUE, &root).await?;
            ctx.report(&view, |data| match borsh::from_slice::<Vec<VoucherId>>(data) {
                Ok(ids) => format!("vouchers {ids:?} are overdue"),
                Err(_) => "marked overdue".into(),
            })?;
        }
        VoucherCmd::Show { id } => {
            let v = load(id).await?;
            if ctx.json {
                print_json(&voucher_json(&v));
            } else {
                print_vouchers(ctx, &[v], false);
            }
        }
        VoucherCmd::List { holder } => {
            let holder = ctx.member_name(&holder).await?;
            let vouchers: Vec<Voucher> = ctx.query(api::receivables::LIST_BY_HOLDER, &holder).await?;
            print_vouchers(ctx, &vouchers, true);
        }
        VoucherCmd::Lineage { id } => {
            let vouchers: Vec<Voucher> = ctx.query(api::receivables::LINEAGE, &id).await?;
            print_vouchers(ctx, &vouchers, true);
        }
    }
    Ok(())
}

/// Whether the `--as` key's member must propose its issuances, transfers and applications.
async fn requires_maker_checker(ctx: &Ctx) -> Result<bool> {
    Ok(ctx.member(ctx.signer()?).await?.maker_checker)
}

/// Maker: records the action for another account of the member to approve.
async fn propose(ctx: &Ctx, tx: &TxOpts, action: rc::ProposedAction) -> Result<()> {
    let what = action.as_str();
    let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::PROPOSE, &action).await?;
    ctx.report_value(
        &view,
        api::receivables::PROPOSE,
        |p| json!({ "action_id": p.id }),
        |p| {
            format!(
                "{} requires maker–checker: proposed {what} as action {}; another of its accounts approves it \
                 with `scf action approve {} --as KEY`",
                p.member, p.id, p.id
            )
        },
    )
}

fn action_json(a: &rc::PendingAction) -> serde_json::Value {
    let details = match &a.action {
        rc::ProposedAction::Issue(i) => json!({"to": i.to, "amount_minor": i.amount.to_string(),
            "amount": amount::format(i.amount, amount::decimals(&i.currency)), "currency": i.currency,
            "maturity": format_date(i.maturity_day), "trade_ref": i.trade_ref.map(|h| h.to_hex())}),
        rc::ProposedAction::Transfer(t) => {
            json!({"voucher": t.id, "to": t.to, "amount_minor": t.amount.to_string()})
        }
        rc::ProposedAction::ApplyFinancing(f) => {
            json!({"voucher": f.id, "financier": f.financier, "amount_minor": f.amount.to_string()})
        }
    };
    json!({"id": a.id, "member": a.member, "kind": a.action.as_str(), "details": details,
           "status": a.status.as_str(), "proposed_by": a.proposed_by.to_hex(),
           "proposed_at_ms": a.proposed_at_ms, "decided_by": a.decided_by.map(|d| d.to_hex())})
}

fn print_action(ctx: &Ctx, a: &rc::PendingAction) {
    let j = action_json(a);
    if ctx.json {
        print_json(&j);
    } else {
        println!(
            "action {} by {} ({}): {} {}  [{}]",
            a.id, a.member, a.proposed_by, j["kind"], j["details"], j["status"]
        );
    }
}

async fn action(ctx: &Ctx, cmd: ActionCmd) -> Result<()> {
    match cmd {
        ActionCmd::List { member } => {
            let member = match member {
                Some(m) => ctx.member_name(&m).await?,
                None => ctx.member_name(ctx.signer()?).await?,
            };
            let open: Vec<rc::PendingAction> = ctx.query(api::receivables::PENDING_ACTIONS, &member).await?;
            if ctx.json {
                print_json(&json!(open.iter().map(action_json).collect::<Vec<_>>()));
            } else if open.is_empty() {
                println!("{member} has no open actions");
            } else {
                for a in &open {
                    print_action(ctx, a);
                }
            }
        }
        ActionCmd::Show { id } => {
            let a: Option<rc::PendingAction> = ctx.query(api::receivables::ACTION, &id).await?;
            print_action(ctx, &a.ok_or_else(|| anyhow!("action {id} does not exist"))?);
        }
        ActionCmd::Approve { id, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPROVE_ACTION, &id).await?;
            ctx.report(&view, |data| match borsh::from_slice::<rc::ActionOutcome>(data) {
                Ok(rc::ActionOutcome::Issued(v)) => format!("approved action {id}: issued voucher {v}"),
                Ok(rc::ActionOutcome::Transferred(r)) => match r.remainder {
                    Some(rest) => format!(
                        "approved action {id}: transferred as voucher {}; remainder is voucher {rest}",
                        r.transferred
                    ),
                    None => format!("approved action {id}: transferred as voucher {}", r.transferred),
                },
                Ok(rc::ActionOutcome::FinancingRequested(a)) => {
                    format!(
                        "approved action {id}: financing application {} for voucher {} is pending",
                        a.id, a.voucher
                    )
                }
                Err(_) => format!("approved action {id}"),
            })?;
        }
        ActionCmd::Reject { id, tx } => {
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::REJECT_ACTION, &id).await?;
            ctx.report(&view, |_| format!("rejected action {id}"))?;
        }
    }
    Ok(())
}

fn proposal_json(p: &gv::Proposal) -> serde_json::Value {
    let change = match &p.change {
        gv::Change::Add(v) => {
            json!({"add": {"name": v.name, "consensus_key": v.consensus_key.to_hex(),
            "node_key": v.node_key.to_hex(), "power": v.power}})
        }
        gv::Change::Remove { consensus_key } => json!({"remove": consensus_key.to_hex()}),
        gv::Change::SetPower { consensus_key, power } => {
            json!({"set_power": {"consensus_key": consensus_key.to_hex(), "power": power}})
        }
        gv::Change::Code { code_hash, action } => json!({"code": {
            "code_hash": code_hash.to_hex(),
            "action": match action {
                gv::CodeAction::Deploy => json!("deploy"),
                gv::CodeAction::Upgrade { contract } => json!({"upgrade": contract.to_hex()}),
            },
        }}),
    };
    let status = match p.status {
        gv::ProposalStatus::Open => json!("open"),
        gv::ProposalStatus::Rejected => json!("rejected"),
        gv::ProposalStatus::Expired => json!("expired"),
        gv::ProposalStatus::Passed { activation_height } => {
            json!({"passed": {"activation_height": activation_height}})
        }
    };
    json!({"id": p.id, "change": change, "proposer": p.proposer.to_hex(), "created_height": p.created_height,
           "created_ms": p.created_ms, "yes": p.yes.len(), "no": p.no.len(), "status": status})
}

fn proposal_line(p: &gv::Proposal) -> String {
    match (&p.status, &p.change) {
        (gv::ProposalStatus::Passed { .. }, gv::Change::Code { code_hash, .. }) => {
            format!("proposal {} passed: code {code_hash} may now be installed (within 7 days)", p.id)
        }
        (gv::ProposalStatus::Passed { activation_height }, _) => {
            format!("proposal {} passed: the new set decides from height {activation_height}", p.id)
        }
        _ => format!("proposal {} is open for the other validators' votes", p.id),
    }
}

/// A contract by address (hex) or system contract name (`receivables`, ...).
fn contract_address(s: &str) -> Result<ContractAddress> {
    if scf_primitives::SYSTEM_CONTRACTS.contains(&s) {
        return Ok(ContractAddress::system(s));
    }
    ContractAddress::from_hex(s)
        .map_err(|e| anyhow!("contract {s:?} is neither a system contract name nor an address: {e}"))
}

fn validators_json(set: &[gv::ValidatorEntry]) -> serde_json::Value {
    json!(set
        .iter()
        .map(|v| json!({"name": v.name, "consensus_key": v.consensus_key.to_hex(), "node_key": v.node_key.to_hex(), "power": v.power}))
        .collect::<Vec<_>>())
}

async fn governance_cmd(ctx: &Ctx, cmd: GovernanceCmd) -> Result<()> {
    // A validator by name or consensus key, looked up in the latest scheduled set.
    let validator_key = |who: String| async move {
        if let Ok(k) = AccountId::from_hex(&who) {
            return Ok::<_, anyhow::Error>(k);
        }
        let schedule: Vec<gv::ScheduledSet> = ctx.query(api::governance::SCHEDULE, &()).await?;
        schedule
            .iter()
            .rev()
            .flat_map(|s| s.validators.iter())
            .find(|v| v.name == who)
            .map(|v| v.consensus_key)
            .ok_or_else(|| anyhow!("no validator named {who:?}"))
    };
    let propose = |change: gv::Change, tx: TxOpts| async move {
        let view = ctx.call(ctx.signer()?, tx.no_wait, api::governance::PROPOSE, &change).await?;
        ctx.report_value(&view, api::governance::PROPOSE, |p| json!({ "proposal_id": p.id }), proposal_line)
    };
    match cmd {
        GovernanceCmd::Validators { height } => {
            let height = match height {
                Some(h) => h,
                None => ctx.client.chain_head().await.map_err(rpc_err)?.height + 1,
            };
            let set: Vec<gv::ValidatorEntry> = ctx.query(api::governance::VALIDATORS_AT, &height).await?;
            if ctx.json {
                print_json(&validators_json(&set));
            } else {
                println!("validators deciding height {height}:");
                for v in &set {
                    println!("  {:<16} power {:<4} {}", v.name, v.power, v.consensus_key);
                }
            }
        }
        GovernanceCmd::Schedule => {
            let schedule: Vec<gv::ScheduledSet> = ctx.query(api::governance::SCHEDULE, &()).await?;
            let rows: Vec<_> = schedule
                .iter()
                .map(|s| json!({"from_height": s.from_height, "validators": validators_json(&s.validators)}))
                .collect();
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for s in &schedule {
                    let names: Vec<String> =
                        s.validators.iter().map(|v| format!("{} ({})", v.name, v.power)).collect();
                    println!("from height {:<8} {}", s.from_height, names.join(", "));
                }
            }
        }
        GovernanceCmd::Proposals => {
            let open: Vec<gv::Proposal> = ctx.query(api::governance::OPEN_PROPOSALS, &()).await?;
            let rows: Vec<_> = open.iter().map(proposal_json).collect();
            if ctx.json {
                print_json(&json!(rows));
            } else if rows.is_empty() {
                println!("no open proposals");
            } else {
                for r in rows {
                    println!("{r}");
                }
            }
        }
        GovernanceCmd::ProposeAdd { name, consensus_key, node_key, power, tx } => {
            let entry = gv::ValidatorEntry {
                name,
                consensus_key: AccountId::from_hex(&consensus_key)
                    .map_err(|e| anyhow!("--consensus-key: {e}"))?,
                node_key: AccountId::from_hex(&node_key).map_err(|e| anyhow!("--node-key: {e}"))?,
                power,
            };
            propose(gv::Change::Add(entry), tx).await?;
        }
        GovernanceCmd::ProposeRemove { validator, tx } => {
            let consensus_key = validator_key(validator).await?;
            propose(gv::Change::Remove { consensus_key }, tx).await?;
        }
        GovernanceCmd::ProposePower { validator, power, tx } => {
            let consensus_key = validator_key(validator).await?;
            propose(gv::Change::SetPower { consensus_key, power }, tx).await?;
        }
        GovernanceCmd::ProposeCode { file, upgrade, tx } => {
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let action = match upgrade {
                Some(contract) => gv::CodeAction::Upgrade { contract: contract_address(&contract)? },
                None => gv::CodeAction::Deploy,
            };
            propose(gv::Change::Code { code_hash: scf_primitives::sha256(&code), action }, tx).await?;
        }
        GovernanceCmd::Vote { proposal, choice, tx } => {
            let args = gv::VoteArgs { proposal, approve: choice == "yes" };
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::governance::VOTE, &args).await?;
            ctx.report(&view, |data| match borsh::from_slice::<gv::Proposal>(data) {
                Ok(p) => format!("voted {choice} on proposal {}: {}", p.id, proposal_json(&p)["status"]),
                Err(_) => "voted".into(),
            })?;
        }
    }
    Ok(())
}

/// How long a started node may take to open its chain and answer JSON-RPC.
const NODE_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits until a just-started node answers JSON-RPC. A node that exits instead (a port taken,
/// a damaged data directory) fails the command with the end of its log, not later and silently.
async fn wait_answering(
    dir: &Path,
    node: &localnet::NodeEntry,
    client: &HttpClient,
    deadline: std::time::Instant,
) -> Result<()> {
    let log = dir.join(&node.dir).join("node.log");
    while client.chain_head().await.is_err() {
        if localnet::running_pid(dir, node).is_none() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            bail!(
                "node {} exited; the end of {}:\n{}",
                node.name,
                log.display(),
                localnet::log_tail(&text, 15)
            );
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "node {} did not answer on {} within {} s",
                node.name,
                node.rpc,
                NODE_START_TIMEOUT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

async fn localnet_cmd(ctx: &Ctx, cmd: LocalnetCmd) -> Result<()> {
    let rpc_client = |rpc: &str| {
        HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(2))
            .build(format!("http://{rpc}"))
            .map_err(|e| anyhow!("{e}"))
    };
    match cmd {
        LocalnetCmd::Up { dir } => {
            let m = localnet::load(&dir)?;
            for n in &m.nodes {
                localnet::start_node(&dir, n)?;
            }
            let deadline = std::time::Instant::now() + NODE_START_TIMEOUT;
            for n in &m.nodes {
                wait_answering(&dir, n, &rpc_client(&n.rpc)?, deadline).await?;
            }
            let list: Vec<_> = m
                .nodes
                .iter()
                .map(|n| json!({"name": n.name, "role": n.role, "rpc": format!("http://{}", n.rpc)}))
                .collect();
            if ctx.json {
                print_json(&json!(list));
            } else {
                for n in &list {
                    println!(
                        "{:<12} {:<10} {}",
                        n["name"].as_str().unwrap_or(""),
                        n["role"].as_str().unwrap_or(""),
                        n["rpc"].as_str().unwrap_or("")
                    );
                }
            }
        }
        LocalnetCmd::Down { dir } => {
            let m = localnet::load(&dir)?;
            for n in &m.nodes {
                if localnet::stop_node(&dir, n, false)? && !ctx.json {
                    println!("stopped {}", n.name);
                }
            }
        }
        LocalnetCmd::Stop { dir, name: node, kill } => {
            let m = localnet::load(&dir)?;
            let stopped = localnet::stop_node(&dir, m.node(&node)?, kill)?;
            if !ctx.json {
                println!("{node} {}", if stopped { "stopped" } else { "was not running" });
            }
        }
        LocalnetCmd::Start { dir, name: node } => {
            let m = localnet::load(&dir)?;
            let entry = m.node(&node)?;
            let started = localnet::start_node(&dir, entry)?;
            let deadline = std::time::Instant::now() + NODE_START_TIMEOUT;
            wait_answering(&dir, entry, &rpc_client(&entry.rpc)?, deadline).await?;
            if !ctx.json {
                println!("{node} {}", if started { "started" } else { "is already running" });
            }
        }
        LocalnetCmd::Status { dir } => {
            let m = localnet::load(&dir)?;
            let mut rows = Vec::new();
            for n in &m.nodes {
                let height = match localnet::running_pid(&dir, n) {
                    Some(_) => rpc_client(&n.rpc)?.chain_head().await.ok().map(|h| h.height),
                    None => None,
                };
                rows.push(json!({"name": n.name, "role": n.role, "rpc": format!("http://{}", n.rpc),
                                 "running": localnet::running_pid(&dir, n).is_some(), "height": height}));
            }
            if ctx.json {
                print_json(&json!(rows));
            } else {
                for r in rows {
                    println!(
                        "{:<12} {:<10} {:<28} {}",
                        r["name"].as_str().unwrap_or(""),
                        r["role"].as_str().unwrap_or(""),
                        r["rpc"].as_str().unwrap_or(""),
                        if r["running"] == json!(true) {
                            format!("running, height {}", r["height"])
                        } else {
                            "stopped".into()
                        }
                    );
                }
            }
        }
    }
    Ok(())
}

async fn simple<A: borsh::BorshSerialize, R>(
    ctx: &Ctx,
    tx: &TxOpts,
    method: api::Method<A, R>,
    args: &A,
    done: String,
) -> Result<()> {
    let view = ctx.call(ctx.signer()?, tx.no_wait, method, args).await?;
    ctx.report(&view, |_| done)
}

async fn finance(ctx: &Ctx, cmd: FinanceCmd) -> Result<()> {
    let currency_of = |id: VoucherId| async move {
        let v: Option<Voucher> = ctx.query(api::receivables::GET, &id).await?;
        v.map(|v| v.currency).ok_or_else(|| anyhow!("voucher {id} does not exist"))
    };
    let application = |id: u64| async move {
        let a: Option<Application> = ctx.query(api::receivables::APPLICATION, &id).await?;
        a.ok_or_else(|| anyhow!("financing application {id} does not exist"))
    };
    match cmd {
        FinanceCmd::Apply { voucher, financier, amount: amt, tx } => {
            let v: Voucher = ctx
                .query::<_, Option<Voucher>>(api::receivables::GET, &voucher)
                .await?
                .ok_or_else(|| anyhow!("voucher {voucher} does not exist"))?;
            let amount = match amt {
                Some(a) => amount::parse(&a, amount::decimals(&v.currency))?,
                None => v.amount,
            };
            let args = rc::ApplyArgs { id: voucher, amount, financier: ctx.member_name(&financier).await? };
            if requires_maker_checker(ctx).await? {
                return propose(ctx, &tx, rc::ProposedAction::ApplyFinancing(args)).await;
            }
            let view = ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPLY_FINANCING, &args).await?;
            ctx.report_value(
                &view,
                api::receivables::APPLY_FINANCING,
                |a| json!({ "application_id": a.id }),
                |a| {
                    format!(
                        "application {} for voucher {} ({}) is pending",
                        a.id,
                        a.voucher,
                        money(a.face, &v.currency)
                    )
                },
            )?;
        }
        FinanceCmd::Approve { application: id, rate, fee, registry_ref, tx } => {
            let app = application(id).await?;
            let ccy = currency_of(app.voucher).await?;
            let rate_bps = u32::try_from(amount::parse(rate.trim_end_matches('%'), 2)?)
                .map_err(|_| anyhow!("rate {rate} is out of range"))?;
            let fee = amount::parse(&fee, amount::decimals(&ccy))?;
            let args = rc::ApproveArgs { application: id, rate_bps, fee, registry_ref };
            let view =
                ctx.call(ctx.signer()?, tx.no_wait, api::receivables::APPROVE_FINANCING, &args).await?;
            ctx.report(&view, |data| {
                match borsh::from_slice::<Application>(data)
                    .ok()
                    .and_then(|a| a.terms.clone().map(|t| (a, t)))
                {
                    Some((a, t)) => format!(
                        "approved application {}: discount {} over {} days, fee {}, paid {} to {}",
                        a.id,
                        money(t.discount, &ccy),
                        t.days,
                        money(t.fee, &ccy),
                        money(t.net, &ccy),
                        a.applicant
                    ),
                    None => "approved".into(),
                }
            })?;
        }
        FinanceCmd::Reject { application, tx } => {
            let view =
                ctx.call(ctx.signer()?, tx.no_wait, api::receivables::REJECT_FINANCING, &application).await?;
            ctx.report(&view, |_| format!("rejected application {application}"))?;
        }
        FinanceCmd::Withdraw { application, tx } => {
            let view = ctx
                .call(ctx.signer()?, tx.no_wait, api::receivables::WITHDRAW_FINANCING, &application)
                .await?;
            ctx.report(&view, |_| format!("withdrew application {application}"))?;
        }
        FinanceCmd::Show { application: id } => {
            let app = application(id).await?;
            let ccy = currency_of(app.voucher).await?;
            let j = application_json(&app, &ccy);
            if ctx.json {
                print_json(&j);
            } else {
                println!("{}", serde_json::to_string_pretty(&j)?);
            }
        }
        FinanceCmd::DayCount { basis, tx } => {
            let day_count = match basis.as_str() {
                "act360" => DayCount::Act360,
                "act365" => DayCount::Act365,
                other => bail!("day-count basis {other:?} must be act360 or act365"),
            };
            let view = ctx
                .call(
                    ctx.signer()?,
                    tx.no_wait,
                    api::receivables::SET_DAY_COUNT,
                    &rc::SetDayCountArgs { day_count },
                )
                .await?;
            ctx.report(&view, |_| format!("discounts now count days as {basis}"))?;
        }
    }
    Ok(())
}

async fn contract(ctx: &Ctx, cmd: ContractCmd) -> Result<()> {
    match cmd {
        ContractCmd::List => {
            let contracts = ctx.client.list_contracts(0, 1000).await.map_err(rpc_err)?;
            if ctx.json {
                print_json(&serde_json::to_value(&contracts)?);
            } else {
                for c in &contracts {
                    let approval = match c.proposal {
                        Some(p) => format!("proposal {p}, {} approver(s)", c.approvers.len()),
                        None => "genesis".into(),
                    };
                    println!(
                        "{:<14} v{:<3} {}  code {}  ({approval})",
                        c.name.as_deref().unwrap_or("-"),
                        c.version,
                        c.address,
                        c.code_hash
                    );
                }
            }
        }
        ContractCmd::Deploy { file, init_args, tx } => {
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let init_args = encode_args(ctx, &init_args).await?;
            ensure_approved(ctx, &code, gv::CodeAction::Deploy).await?;
            let account = ctx.keys.account(ctx.signer()?)?;
            let nonce = ctx.client.get_account(account.to_hex()).await.map_err(rpc_err)?.nonce;
            let address = ContractAddress::derive(&account, nonce);
            let view = ctx.submit(ctx.signer()?, tx.no_wait, Payload::Deploy { code, init_args }).await?;
            let mut extra = serde_json::Map::new();
            extra.insert("address".into(), json!(address.to_hex()));
            ctx.report_with(&view, extra, |_| format!("deployed contract {address}"))?;
        }
        ContractCmd::Upgrade { contract, file, migrate_args, tx } => {
            let contract = contract_address(&contract)?;
            let code = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let migrate_args = encode_args(ctx, &migrate_args).await?;
            ensure_approved(ctx, &code, gv::CodeAction::Upgrade { contract }).await?;
            let view = ctx
                .submit(ctx.signer()?, tx.no_wait, Payload::Upgrade { contract, code, migrate_args })
                .await?;
            let mut extra = serde_json::Map::new();
            extra.insert("address".into(), json!(contract.to_hex()));
            ctx.report_with(&view, extra, |_| format!("upgraded contract {contract}"))?;
        }
        ContractCmd::Call { address, method, args, tx } => {
            let contract =
                ContractAddress::from_hex(&address).map_err(|e| anyhow!("contract address: {e}"))?;
            let args = encode_args(ctx, &args).await?;
            let view =
                ctx.submit(ctx.signer()?, tx.no_wait, Payload::Call { contract, method, args }).await?;
            ctx.report(&view, |data| format!("ok, return data {}", to_hex(data)))?;
        }
        ContractCmd::Query { address, method, args } => {
            let contract =
                ContractAddress::from_hex(&address).map_err(|e| anyhow!("contract address: {e}"))?;
            let args = encode_args(ctx, &args).await?;
            let data = ctx.query_raw(contract, &method, args).await?;
            if ctx.json {
                print_json(&json!({"data": to_hex(&data)}));
            } else {
                println!("{}", to_hex(&data));
            }
        }
    }
    Ok(())
}

/// Checks that governance approved `code` for `action` before sending it (the chain would refuse
/// it anyway, after a block). On a dev chain whose one validator is the dev key `validator0`, that
/// validator proposes it, which alone passes it: one command deploys there, as developers expect.
async fn ensure_approved(ctx: &Ctx, code: &[u8], action: gv::CodeAction) -> Result<()> {
    let code_hash = scf_primitives::sha256(code);
    let approval: Option<gv::CodeApproval> = ctx.query(api::governance::CODE_APPROVAL, &code_hash).await?;
    match approval {
        Some(a) if a.action == action => return Ok(()),
        Some(a) => bail!(
            "code {code_hash} was approved by proposal {} for something else ({:?}); propose it again for this",
            a.proposal,
            a.action
        ),
        None => {}
    }
    let head = ctx.client.chain_head().await.map_err(rpc_err)?;
    if !head.dev {
        bail!(
            "code {code_hash} has no live approval: a validator proposes it with `scf governance propose-code \
             FILE{}` and more than two thirds of the voting power approve (`scf governance vote`)",
            match &action {
                gv::CodeAction::Upgrade { contract } => format!(" --upgrade {contract}"),
                gv::CodeAction::Deploy => String::new(),
            }
        );
    }
    let validator = ctx.acting_as("validator0")?;
    let view = validator
        .call("validator0", false, api::governance::PROPOSE, &gv::Change::Code { code_hash, action })
        .await?;
    let proposal: gv::Proposal = borsh::from_slice(&return_data(&view)?)?;
    if !matches!(proposal.status, gv::ProposalStatus::Passed { .. }) {
        bail!(
            "dev chain: validator0's approval did not pass proposal {} (has the validator set changed?)",
            proposal.id
        );
    }
    if !ctx.json {
        println!("dev chain: validator0 approved code {code_hash} (proposal {})", proposal.id);
    }
    Ok(())
}

async fn encode_args(ctx: &Ctx, json_args: &str) -> Result<Vec<u8>> {
    // Names in `account:` arguments resolve to accounts through local keys, then the registry.
    let items: Vec<String> = serde_json::from_str(json_args)
        .map_err(|e| anyhow!("--args must be a JSON array of strings: {e}"))?;
    let mut names = std::collections::BTreeMap::new();
    for item in &items {
        let mut rest = item.as_str();
        while let Some(r) = rest.strip_prefix("some:") {
            rest = r;
        }
        if let Some(name) = rest.strip_prefix("account:") {
            if let Ok(a) = ctx.resolve_account(name).await {
                names.insert(name.to_string(), a);
            }
        }
    }
    Ok(args::encode(json_args, &|n| names.get(n).copied())?)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
