//! Configuration from flags and environment variables (every flag has one); documented in
//! the README. Nothing else in the code reads the environment.

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "caduceus", version, about = "Caduceus hospital management system")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Create an administrator. The password is read from CADUCEUS_ADMIN_PASSWORD or stdin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal what is final, recompute every block of the hash chain, and say where it breaks
    /// (exit status 1 when it does).
    Verify,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL URL. Without it, a private cluster is started in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL for the server's requests, as a role that owns nothing (see README,
    /// "Database roles"); migrations still run as DATABASE_URL's role. The embedded cluster
    /// sets this up itself.
    #[arg(long, env = "CADUCEUS_APP_DATABASE_URL", global = true, hide_env_values = true)]
    pub app_database_url: Option<String>,

    /// Where the embedded database and uploads live.
    #[arg(long, env = "CADUCEUS_DATA_DIR", default_value = ".caduceus", global = true)]
    pub data_dir: PathBuf,

    /// Directory for uploaded files (defaults to <data-dir>/uploads); never served directly.
    #[arg(long, env = "CADUCEUS_UPLOAD_DIR", global = true)]
    pub upload_dir: Option<PathBuf>,

    /// The clinic's IANA time zone: slot times and dates are in it.
    #[arg(long, env = "CADUCEUS_TIMEZONE", default_value = "UTC", global = true)]
    pub timezone: chrono_tz::Tz,

    /// How many hours before the start a patient may still cancel or reschedule.
    #[arg(long, env = "CADUCEUS_CANCEL_CUTOFF_HOURS", default_value_t = 2, global = true)]
    pub cancel_cutoff_hours: u32,

    /// How many hours a doctor's emergency ("break-glass") access to a chart lasts.
    #[arg(long, env = "CADUCEUS_BREAK_GLASS_HOURS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=72), global = true)]
    pub break_glass_hours: u32,

    /// The pharmacy is warned of lots expiring within this many days.
    #[arg(long, env = "CADUCEUS_EXPIRY_ALERT_DAYS", default_value_t = crate::pharmacy::DEFAULT_EXPIRY_ALERT_DAYS, value_parser = clap::value_parser!(u32).range(1..=365), global = true)]
    pub expiry_alert_days: u32,

    /// Drop the Secure flag of the session cookie, for plain-http development only.
    #[arg(long, env = "CADUCEUS_INSECURE_COOKIES", global = true, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub insecure_cookies: bool,

    /// The address users reach the portal at, used in links sent by email.
    #[arg(long, env = "CADUCEUS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// SMTP server for outgoing email, e.g. smtp://user:pass@mail.example.org:587.
    /// Without it, emails stay in the outbox that admins read in the portal.
    #[arg(long, env = "CADUCEUS_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender address of outgoing email.
    #[arg(long, env = "CADUCEUS_SMTP_FROM", default_value = "Caduceus <no-reply@caduceus.local>", global = true)]
    pub smtp_from: String,

    /// Seed demo accounts and data (see README). Without it, demo accounts are removed.
    #[arg(long, env = "CADUCEUS_DEMO", global = true, action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub demo: bool,

    /// Attempts allowed per client IP per minute, for each of sign-in, registration,
    /// password change and email verification (shared by every server process).
    #[arg(long, env = "CADUCEUS_LOGIN_PER_IP_PER_MINUTE", default_value_t = 30, global = true)]
    pub login_per_ip_per_minute: u32,

    /// Failed sign-in (or password change) attempts allowed per account per 15 minutes;
    /// successful sign-ins never count.
    #[arg(long, env = "CADUCEUS_LOGIN_PER_ACCOUNT_PER_15_MINUTES", default_value_t = 10, global = true)]
    pub login_per_account_per_15_minutes: u32,

    /// A browser sign-in ends after this many minutes without a request (automatic logoff).
    #[arg(long, env = "CADUCEUS_SESSION_IDLE_MINUTES", default_value_t = 15, global = true)]
    pub session_idle_minutes: u32,

    /// A browser sign-in ends this many hours after it began, however active.
    #[arg(long, env = "CADUCEUS_SESSION_MAX_HOURS", default_value_t = 12, global = true)]
    pub session_max_hours: u32,

    /// An API token ends after this many minutes unused (default: a week).
    #[arg(long, env = "CADUCEUS_TOKEN_IDLE_MINUTES", default_value_t = 60 * 24 * 7, global = true)]
    pub token_idle_minutes: u32,

    /// Reverse proxies (IP addresses or CIDR ranges, comma-separated) whose
    /// `X-Forwarded-For` names the client. Without it the header is ignored: anyone could
    /// write it, and throttles and the audit trail would believe them.
    #[arg(long, env = "CADUCEUS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy, global = true)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "CADUCEUS_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Largest accepted document upload, in megabytes (a limit of its own, above the body's).
    #[arg(long, env = "CADUCEUS_MAX_UPLOAD_MB", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub max_upload_mb: u32,

    /// Largest accepted x-ray upload (PNG, JPEG or DICOM), in megabytes.
    #[arg(long, env = "CADUCEUS_MAX_XRAY_MB", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500), global = true)]
    pub max_xray_mb: u32,

    /// Who charges patients' online payments: `test` (built in: test card numbers, nothing
    /// leaves the machine). See the README for plugging in a real provider.
    #[arg(long, env = "CADUCEUS_PAYMENT_PROVIDER", default_value = "test", value_parser = ["test"], global = true)]
    pub payment_provider: String,

    /// Maximum database connections of this process (default: four per CPU core).
    #[arg(long, env = "CADUCEUS_DB_MAX_CONNECTIONS", default_value_t = default_pool_size(), global = true)]
    pub db_max_connections: u32,

    /// Longest a request's SQL statement may run, in seconds (0: unbounded); beyond it the
    /// request gets a 503 instead of holding a connection.
    #[arg(long, env = "CADUCEUS_STATEMENT_TIMEOUT_SECONDS", default_value_t = 10, global = true)]
    pub statement_timeout_seconds: u64,
}

/// `10.0.0.1` or `10.0.0.0/8`.
fn parse_proxy(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("'{raw}' is neither an IP address nor a CIDR range"))
}

/// Four connections per core of this machine. More only queue up as PostgreSQL backends
/// competing for the same cores: on the 2-core benchmark machine 8 connections instead of 32
/// took the directory's p99 from 15–22 ms to 5.5 ms and served more of everything (bookings
/// 3,320 → 3,530/s, the SSR list page 1,277 → 1,613/s). Set it when PostgreSQL runs elsewhere
/// on more cores.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 4).unwrap_or(u32::MAX)
}

impl Config {
    pub fn session_policy(&self) -> crate::auth::idle::SessionPolicy {
        crate::auth::idle::SessionPolicy::new(self.session_idle_minutes, self.session_max_hours, self.token_idle_minutes)
    }

    pub fn upload_dir(&self) -> PathBuf {
        self.upload_dir.clone().unwrap_or_else(|| self.data_dir.join("uploads"))
    }

    /// Base URL for links in emails: configured, or derived from the listen address.
    pub fn public_url(&self, site_addr: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{site_addr}"),
        }
    }

    /// A configuration with every default, for tests. (Plain http: no Secure cookie.)
    pub fn for_tests() -> Self {
        let mut config = Cli::parse_from(["caduceus", "--insecure-cookies"]).config;
        // Uploads of the test run go to a temporary directory, not the working tree.
        config.upload_dir = Some(std::env::temp_dir().join(format!("caduceus-test-uploads-{}", std::process::id())));
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_accept_the_usual_spellings_from_the_environment() {
        // Flags given on the command line; env spellings share the same parser.
        let cli =
            Cli::parse_from(["caduceus", "--demo", "--timezone", "Europe/Berlin", "create-admin", "--email", "a@b.co", "--name", "A"]);
        assert!(cli.config.demo);
        assert_eq!(cli.config.timezone, chrono_tz::Europe::Berlin);
        assert!(matches!(cli.command, Some(Command::CreateAdmin { .. })));
        let parser = BoolishValueParser::new();
        let cmd = clap::Command::new("t");
        for (text, expected) in [("1", true), ("true", true), ("yes", true), ("0", false), ("false", false)] {
            let parsed = clap::builder::TypedValueParser::parse_ref(&parser, &cmd, None, std::ffi::OsStr::new(text)).unwrap();
            assert_eq!(parsed, expected, "{text}");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let cli = Cli::parse_from(["caduceus", "--trusted-proxies", "10.0.0.0/8, 192.0.2.7,::1"]);
        let shown: Vec<String> = cli.config.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        assert!(Cli::try_parse_from(["caduceus", "--trusted-proxies", "proxy.local"]).is_err());
    }

    #[test]
    fn an_unknown_time_zone_is_refused() {
        assert!(Cli::try_parse_from(["caduceus", "--timezone", "Mars/Olympus"]).is_err());
    }
}
