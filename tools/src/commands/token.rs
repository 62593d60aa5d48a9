//! `scf token`: deposit tokens.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use scf_interface as api;
use scf_interface::deposit_token::{self as dt, BalanceArgs, Supply, TokenId};
use scf_primitives::{Amount, ContractAddress};
use serde_json::json;

use crate::{
    amount::{self, money},
    client::{print_json, Ctx, TxOpts},
};

#[derive(Subcommand)]
pub enum TokenCmd {
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

pub(crate) fn parse_token(s: &str) -> Result<TokenId> {
    let (financier, currency) =
        s.split_once('/').ok_or_else(|| anyhow!("--token must be financier/CURRENCY, e.g. bank/CNY"))?;
    Ok(TokenId { financier: financier.to_string(), currency: currency.to_string() })
}

pub async fn run(ctx: &Ctx, cmd: TokenCmd) -> Result<()> {
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
