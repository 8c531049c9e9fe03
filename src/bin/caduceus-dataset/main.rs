//! `caduceus-dataset`: fills an empty database with a generated clinic for the benchmarks
//! (`benches/run.sh`). A binary of its own, so the production server carries none of it.

mod dataset;

use caduceus::server::config::Config;
use caduceus::server::startup;
use clap::Parser;
use dataset::DatasetSize;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "caduceus-dataset", version, about = "Fill an empty Caduceus database with a generated clinic for benchmarks")]
struct Cli {
    #[arg(long, default_value_t = 1_000_000)]
    patients: usize,
    #[arg(long, default_value_t = 2_000)]
    doctors: usize,
    #[arg(long, default_value_t = 10_000_000)]
    appointments: usize,
    /// Also write API tokens and request lists for benches/run.sh into this directory.
    #[arg(long)]
    bench_out: Option<PathBuf>,
    /// Seed of the random choices (names, statuses, which slots are taken).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The database, time zone and the other settings, as the server reads them.
    #[command(flatten)]
    config: Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    match generate(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("caduceus-dataset: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn generate(cli: Cli) -> anyhow::Result<()> {
    let size = DatasetSize { patients: cli.patients, doctors: cli.doctors, appointments: cli.appointments };
    // Unbounded statements: the load and the index builds take minutes.
    let (pool, mut embedded) = startup::connect(&cli.config, startup::ConnectAs::Owner).await?;
    let result = dataset::generate(&pool, cli.config.timezone, size, cli.bench_out.as_deref(), cli.seed).await;
    pool.close().await;
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    let summary = result?;
    println!(
        "Generated {} patients, {} doctors, {} appointments, {} reviews, {} visit notes, {} prescriptions, {} invoices, {} payments; {} future slots left free.",
        summary.patients,
        summary.doctors,
        summary.appointments,
        summary.reviews,
        summary.encounters,
        summary.prescriptions,
        summary.invoices,
        summary.payments,
        summary.free_future_slots
    );
    Ok(())
}
