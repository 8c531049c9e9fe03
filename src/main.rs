//! `caduceus`: the server, and its administrative commands.

use caduceus::server::config::{AuditCommand, Cli, Command};
use caduceus::server::startup;
use clap::Parser;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn")))
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => startup::serve(cli.config).await,
        Command::CreateAdmin { email, name } => startup::create_admin(cli.config, email, name).await,
        Command::Audit { command: AuditCommand::Verify } => startup::verify_audit(cli.config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The chain of causes, one line: an operator's message, not a backtrace.
            eprintln!("caduceus: {err:#}");
            ExitCode::FAILURE
        }
    }
}
