//! The `scf` commands: one module per command group, each with its subcommand enum (parsed by
//! clap) and its `run`. `main.rs` only parses and calls [`run`]. The typed client and the output
//! helpers they share are `crate::client`; amounts are `crate::amount`.
use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::{client::Ctx, keystore::KeyStore};

pub mod account;
pub mod action;
pub mod bench;
pub mod block;
pub mod chain;
pub mod contract;
pub mod credit;
pub mod demo;
pub mod dev;
pub mod finance;
pub mod genesis;
pub mod governance;
pub mod keys;
pub mod localnet;
pub mod login;
pub mod member;
pub mod network;
pub mod params;
pub mod schema;
pub mod token;
pub mod trade;
pub mod tx;
pub mod voucher;
pub mod watch;

#[derive(Parser)]
#[command(name = "scf", version, about = "Command-line tool for scf-chain")]
pub struct Cli {
    /// Node JSON-RPC URL (`scf bench` takes several, comma-separated).
    #[arg(long, global = true, env = "SCF_NODE", default_value = "http://127.0.0.1:9944")]
    pub node: String,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Key that signs: a stored key name or a dev key (`core`, `supplier1`, ...). Commands that
    /// submit a transaction need it; queries signed with it see what its member may see.
    #[arg(long = "as", global = true, env = "SCF_AS", value_name = "KEY")]
    pub signer: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Manage local signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCmd),
    /// Print the machine-readable interface, generated from the code (committed in docs/schema/).
    #[command(subcommand)]
    Schema(schema::SchemaCmd),
    /// Chain information.
    #[command(subcommand)]
    Chain(chain::ChainCmd),
    /// Inspect blocks.
    #[command(subcommand)]
    Block(block::BlockCmd),
    /// Inspect transactions.
    #[command(subcommand)]
    Tx(tx::TxCmd),
    /// Accounts: nonce and membership.
    #[command(subcommand)]
    Account(account::AccountCmd),
    /// Consortium members.
    #[command(subcommand)]
    Member(member::MemberCmd),
    /// Credit lines of core enterprises.
    #[command(subcommand)]
    Credit(credit::CreditCmd),
    /// Deposit tokens (financier-issued deposits).
    #[command(subcommand)]
    Token(token::TokenCmd),
    /// Payable vouchers.
    #[command(subcommand)]
    Voucher(voucher::VoucherCmd),
    /// Voucher financing (discounting).
    #[command(subcommand)]
    Finance(finance::FinanceCmd),
    /// Maker–checker: actions proposed by one account, awaiting another's approval.
    #[command(subcommand)]
    Action(action::ActionCmd),
    /// Chain parameters of the receivables contract.
    #[command(subcommand)]
    Params(params::ParamsCmd),
    /// Trade documents: purchase orders, shipping documents by hash, letters of credit,
    /// pre-shipment financing.
    #[command(subcommand)]
    Trade(trade::TradeCmd),
    /// Nodes admitted to the peer-to-peer network.
    #[command(subcommand)]
    Network(network::NetworkCmd),
    /// Validator-set governance (validators sign with their consensus keys).
    #[command(subcommand)]
    Governance(governance::GovernanceCmd),
    /// Load generator: voucher transfers from many accounts; prints throughput and
    /// submit→finality latency. Needs the dev members (dev chain or `scf genesis new` localnet).
    Bench(bench::BenchArgs),
    /// Deploy, call and query contracts.
    #[command(subcommand)]
    Contract(contract::ContractCmd),
    /// Development-chain helpers.
    #[command(subcommand)]
    Dev(dev::DevCmd),
    /// Run a story end to end on a dev chain.
    #[command(subcommand)]
    Demo(demo::DemoCmd),
    /// Chain specs for new networks.
    #[command(subcommand)]
    Genesis(genesis::GenesisCmd),
    /// Run a local multi-node network in the background.
    #[command(subcommand)]
    Localnet(localnet::LocalnetCmd),
    /// Print a short-lived RPC login of the `--as` key (for the explorer's sign-in, or curl).
    Login(login::LoginArgs),
    /// Follow the chain live (WebSocket subscriptions), resuming from a cursor.
    #[command(subcommand)]
    Watch(watch::WatchCmd),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let nodes: Vec<String> = cli.node.split(',').map(|s| s.trim().to_string()).collect();
    // Commands that need no node do not sign in (signing in asks the node for its chain id).
    let offline = matches!(cli.command, Command::Keys(_) | Command::Schema(_) | Command::Genesis(_));
    let keys = KeyStore::default_location();
    let ctx = if offline {
        Ctx::offline(&nodes[0], keys, cli.json, cli.signer)?
    } else {
        Ctx::connect(&nodes[0], keys, cli.json, cli.signer).await?
    };
    let ctx = &ctx;
    match cli.command {
        Command::Keys(cmd) => keys::run(ctx, cmd),
        Command::Schema(cmd) => {
            schema::run(cmd);
            Ok(())
        }
        Command::Chain(cmd) => chain::run(ctx, cmd).await,
        Command::Block(cmd) => block::run(ctx, cmd).await,
        Command::Tx(cmd) => tx::run(ctx, cmd).await,
        Command::Account(cmd) => account::run(ctx, cmd).await,
        Command::Member(cmd) => member::run(ctx, cmd).await,
        Command::Credit(cmd) => credit::run(ctx, cmd).await,
        Command::Token(cmd) => token::run(ctx, cmd).await,
        Command::Voucher(cmd) => voucher::run(ctx, cmd).await,
        Command::Finance(cmd) => finance::run(ctx, cmd).await,
        Command::Action(cmd) => action::run(ctx, cmd).await,
        Command::Params(cmd) => params::run(ctx, cmd).await,
        Command::Trade(cmd) => trade::run(ctx, cmd).await,
        Command::Network(cmd) => network::run(ctx, cmd).await,
        Command::Governance(cmd) => governance::run(ctx, cmd).await,
        Command::Bench(args) => bench::run(ctx, args, nodes).await,
        Command::Contract(cmd) => contract::run(ctx, cmd).await,
        Command::Dev(cmd) => dev::run(ctx, cmd).await,
        Command::Demo(cmd) => demo::run(ctx, cmd).await,
        Command::Genesis(cmd) => genesis::run(ctx, cmd).await,
        Command::Localnet(cmd) => localnet::run(ctx, cmd).await,
        Command::Watch(cmd) => watch::run(ctx, cmd).await,
        Command::Login(args) => login::run(ctx, args).await,
    }
}

/// Every group parses its subcommands (clap's `try_parse_from`, no node needed): representative
/// lines parse into the right variant with the right values, and bad lines are refused.
#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(line: &str) -> Command {
        let args = std::iter::once("scf").chain(line.split_whitespace());
        Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{line}: {e}")).command
    }

    fn refused(line: &str) -> String {
        let args = std::iter::once("scf").chain(line.split_whitespace());
        match Cli::try_parse_from(args) {
            Ok(_) => panic!("{line} parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn global_options_apply_to_every_group() {
        let cli =
            Cli::try_parse_from(["scf", "--json", "--as", "core", "--node", "http://x:1", "chain", "status"])
                .unwrap();
        assert!(cli.json);
        assert_eq!((cli.signer.as_deref(), cli.node.as_str()), (Some("core"), "http://x:1"));
        assert!(refused("chain nonsense").contains("unrecognized subcommand"));
    }

    #[test]
    fn voucher_token_credit_and_finance_commands_parse() {
        match parse("voucher transfer 7 --to supplier2 --amount 400.00 --as supplier1 --no-wait") {
            Command::Voucher(voucher::VoucherCmd::Transfer { id, to, amount, tx }) => {
                assert_eq!((id, to.as_str(), amount.as_str(), tx.no_wait), (7, "supplier2", "400.00", true));
            }
            _ => panic!("voucher transfer"),
        }
        assert!(refused("voucher transfer x --to a --amount 1").contains("invalid value 'x'"));
        assert!(refused("voucher transfer 7 --amount 1").contains("--to"));
        assert!(
            matches!(parse("token mint --to core --amount 5"), Command::Token(token::TokenCmd::Mint { currency, .. }) if currency == "CNY")
        );
        assert!(matches!(parse("credit show --core core"), Command::Credit(credit::CreditCmd::Show { .. })));
        match parse("finance approve 3 --rate 4.35 --registry-ref R1") {
            Command::Finance(finance::FinanceCmd::Approve {
                application, rate, fee, registry_ref, ..
            }) => {
                assert_eq!(
                    (application, rate.as_str(), fee.as_str(), registry_ref.as_str()),
                    (3, "4.35", "0", "R1")
                );
            }
            _ => panic!("finance approve"),
        }
        assert!(matches!(
            parse("action approve 2"),
            Command::Action(action::ActionCmd::Approve { id: 2, .. })
        ));
    }

    #[test]
    fn membership_network_and_governance_commands_parse() {
        assert!(matches!(parse("member suspend bank"), Command::Member(member::MemberCmd::Suspend { .. })));
        assert!(matches!(parse("member changes"), Command::Member(member::MemberCmd::Changes)));
        match parse("network add-node --name n1 --node-key 00 --member bank") {
            Command::Network(network::NetworkCmd::AddNode { name, member, .. }) => {
                assert_eq!((name.as_str(), member.as_str()), ("n1", "bank"));
            }
            _ => panic!("network add-node"),
        }
        assert!(refused("network add-node --name n1 --node-key 00").contains("--member"));
        assert!(matches!(
            parse("governance vote 4 yes"),
            Command::Governance(governance::GovernanceCmd::Vote { proposal: 4, .. })
        ));
        assert!(refused("governance vote 4 maybe").contains("possible values"));
        assert!(matches!(
            parse("params set-max-term 180"),
            Command::Params(params::ParamsCmd::SetMaxTerm { days: 180, .. })
        ));
    }

    #[test]
    fn contract_trade_and_tooling_commands_parse() {
        assert!(
            matches!(parse("contract deploy c.wasm"), Command::Contract(contract::ContractCmd::Deploy { init_args, .. }) if init_args == "[]")
        );
        assert!(matches!(parse("trade show 3"), Command::Trade(trade::TradeCmd::Show { .. })));
        assert!(
            matches!(parse("keys new alice"), Command::Keys(keys::KeysCmd::New { name }) if name == "alice")
        );
        assert!(matches!(parse("schema openrpc"), Command::Schema(schema::SchemaCmd::Openrpc)));
        assert!(matches!(parse("bench --txs 50 --batch 1"), Command::Bench(_)));
        assert!(matches!(parse("dev advance-time 90d"), Command::Dev(dev::DevCmd::AdvanceTime { .. })));
        assert!(matches!(parse("demo trade"), Command::Demo(demo::DemoCmd::Trade)));
        assert!(matches!(parse("block show 1"), Command::Block(block::BlockCmd::Show { .. })));
        assert!(matches!(parse("tx show 0x00"), Command::Tx(tx::TxCmd::Show { .. })));
        assert!(matches!(parse("account show core"), Command::Account(account::AccountCmd::Show { .. })));
        assert!(matches!(
            parse("genesis new --out /tmp/x"),
            Command::Genesis(genesis::GenesisCmd::New { .. })
        ));
        assert!(matches!(parse("localnet status /tmp/x"), Command::Localnet(_)));
    }
}
