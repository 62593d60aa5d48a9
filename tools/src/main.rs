//! `scf`: the scf-chain command-line tool. It parses the command line and runs it; the commands
//! are `scf_tools::commands`.
use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = scf_tools::commands::Cli::parse();
    if let Err(e) = scf_tools::commands::run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
