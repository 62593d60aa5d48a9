//! `scf demo`: the stories end to end on a dev chain.

use anyhow::Result;
use clap::Subcommand;

use crate::{
    client::{print_json, Ctx},
    demo,
};

#[derive(Subcommand)]
pub enum DemoCmd {
    /// Issue, split, discount, advance 90 days and settle: the 双链通 story with every figure.
    Discounting,
    /// A Yiwu seller ships to a Mexican buyer under a letter of credit and is paid on
    /// presentation; a second order on 60-day terms becomes a voucher the seller discounts.
    Trade,
}

pub async fn run(ctx: &Ctx, cmd: DemoCmd) -> Result<()> {
    let summary = match cmd {
        DemoCmd::Discounting => demo::discounting(ctx).await?,
        DemoCmd::Trade => demo::trade(ctx).await?,
    };
    if ctx.json {
        print_json(&summary);
    }
    Ok(())
}
