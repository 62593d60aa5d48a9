//! `scf login`: a member's short-lived RPC login, printed for another program to present (the
//! explorer's sign-in, curl). The key never leaves this machine; the login expires.
use anyhow::{bail, Result};
use clap::Args;

use crate::client::Ctx;

#[derive(Args)]
pub struct LoginArgs {
    /// How long the login is valid, in seconds (the node allows at most 600).
    #[arg(long, default_value_t = 600)]
    pub valid_secs: u64,
}

pub async fn run(ctx: &Ctx, args: LoginArgs) -> Result<()> {
    let max = scf_rpc_api::MAX_LOGIN_MS / 1000;
    if args.valid_secs == 0 || args.valid_secs > max {
        bail!("--valid-secs must be 1 to {max}");
    }
    let name = ctx.signer()?;
    let key = ctx.keys.get(name)?;
    let credential = ctx.login(&key, args.valid_secs * 1000).await?;
    // The header value without its `Bearer ` prefix: what the explorer's sign-in takes.
    let header = credential.header_value();
    println!("{}", header.strip_prefix("Bearer ").unwrap_or(&header));
    Ok(())
}
