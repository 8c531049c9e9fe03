//! A private PostgreSQL cluster for when no `DATABASE_URL` is given: initialised in the data
//! directory from the installed PostgreSQL binaries, listening on a unix socket only (no TCP
//! port to collide with or expose), and stopped when the server stops.
//!
//! PostgreSQL refuses to run as root, so when we are root the cluster runs as the `postgres`
//! OS user that the Debian package creates, in directories owned by it.

use anyhow::{bail, Context, Result};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    stopped: bool,
}

impl EmbeddedPostgres {
    /// Initialises (first time) and starts the cluster under `base_dir`.
    pub fn start(base_dir: &Path) -> Result<Self> {
        let bin_dir = find_bin_dir()?;
        let run_as = postgres_user_if_root()?;
        let base_dir = absolute(base_dir)?;
        let data_dir = cluster_dir(&base_dir, run_as.is_some())?;
        let socket_dir = socket_dir_for(&data_dir);
        let pg = Self { bin_dir, data_dir, socket_dir, run_as, stopped: false };
        pg.prepare_dirs()?;
        if !pg.data_dir.join("PG_VERSION").exists() {
            pg.initdb()?;
        }
        if pg.is_running() {
            // Left over from a server that was killed: adopt it, and stop it when we stop.
            tracing::warn!(dir = %pg.data_dir.display(), "embedded PostgreSQL was already running; adopting it");
        } else {
            pg.pg_ctl_start()?;
        }
        Ok(pg)
    }

    /// Connection options for `database` on this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new().socket(&self.socket_dir).port(PORT).username(SUPERUSER).database(database)
    }

    /// Creates `database` unless it exists.
    pub async fn ensure_database(&self, database: &str) -> Result<()> {
        let mut conn =
            PgConnection::connect_with(&self.connect_options("postgres")).await.context("Failed to connect to the embedded PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)").bind(database).fetch_one(&mut conn).await?;
        if !exists {
            // Identifiers can't be bound; the name is ours, quoted anyway.
            sqlx::query(&format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\"")))
                .execute(&mut conn)
                .await
                .context("Failed to create the database")?;
        }
        conn.close().await.ok();
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Fast shutdown: open transactions are rolled back, the data is safe.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let status = self.command("pg_ctl").arg("stop").arg("-D").arg(&self.data_dir).args(["-m", "fast", "-w"]).status();
        match status {
            Ok(s) if s.success() => tracing::info!("embedded PostgreSQL stopped"),
            other => tracing::warn!(?other, "embedded PostgreSQL did not stop cleanly"),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        // The cluster gets its own process group, so a Ctrl-C meant for us reaches it only
        // through our orderly `stop`.
        cmd.current_dir("/").process_group(0);
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).env("HOME", "/var/lib/postgresql");
        }
        cmd
    }

    fn prepare_dirs(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.socket_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some((uid, gid)) = self.run_as {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                    .with_context(|| format!("Failed to hand {} to the postgres user", dir.display()))?;
            }
        }
        Ok(())
    }

    fn initdb(&self) -> Result<()> {
        tracing::info!(dir = %self.data_dir.display(), "initialising the embedded PostgreSQL cluster");
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            // Only the socket's owner (and root) can reach it: the directory is 0700.
            .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
            .output()
            .context("Failed to run initdb")?;
        if !output.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(())
    }

    fn is_running(&self) -> bool {
        self.command("pg_ctl").arg("status").arg("-D").arg(&self.data_dir).output().is_ok_and(|o| o.status.success())
    }

    fn pg_ctl_start(&self) -> Result<()> {
        let options = format!("-c listen_addresses='' -k {} -p {PORT}", self.socket_dir.display());
        let output = self
            .command("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(self.data_dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options])
            .output()
            .context("Failed to run pg_ctl start")?;
        if !output.status.success() {
            bail!(
                "PostgreSQL did not start ({}); see {}",
                String::from_utf8_lossy(&output.stderr).trim(),
                self.data_dir.join("server.log").display()
            );
        }
        tracing::info!(dir = %self.data_dir.display(), "embedded PostgreSQL started");
        Ok(())
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The newest installed PostgreSQL (Debian layout first, then whatever `initdb` is on PATH).
fn find_bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .context("No PostgreSQL server binaries found: install PostgreSQL (see README) or set DATABASE_URL")
}

fn postgres_user_if_root() -> Result<Option<(u32, u32)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name(SUPERUSER)?
        .context("Running as root needs the 'postgres' OS user (created by the PostgreSQL package)")?;
    Ok(Some((user.uid.as_raw(), user.gid.as_raw())))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(path).with_context(|| format!("Failed to create {}", path.display()))?;
    path.canonicalize().with_context(|| format!("Failed to resolve {}", path.display()))
}

/// `<base>/pg`, unless we are root and the postgres user can't reach it (a home directory
/// closed to others): then a directory under /var/lib/caduceus keyed by the base path.
fn cluster_dir(base: &Path, as_postgres_user: bool) -> Result<PathBuf> {
    let preferred = base.join("pg");
    if !as_postgres_user || others_can_traverse(base) {
        return Ok(preferred);
    }
    let fallback = Path::new("/var/lib/caduceus").join(short_hash(base)).join("pg");
    tracing::info!(dir = %fallback.display(), "the postgres user cannot reach the data directory; using a system directory");
    std::fs::create_dir_all(fallback.parent().expect("has a parent"))?;
    Ok(fallback)
}

fn others_can_traverse(dir: &Path) -> bool {
    dir.ancestors().all(|d| std::fs::metadata(d).is_ok_and(|m| m.mode() & 0o001 != 0))
}

/// Unix socket paths are limited to ~107 bytes, so the socket lives in a short /tmp path.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    PathBuf::from(format!("/tmp/caduceus-pg-{}", short_hash(data_dir)))
}

fn short_hash(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(path.as_os_str().as_encoded_bytes())[..6])
}
