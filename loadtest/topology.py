"""Real processes for the scale-out proofs and ``make load TOPOLOGY=…``.

A throw-away PostgreSQL primary (``initdb`` on its own port), a physical streaming replica of
it (``pg_basebackup -R``: ``primary_conninfo`` and ``standby.signal``), PgBouncer in transaction
mode in front of the primary, and the app's own processes (gunicorn, Celery workers) pointed
at them. Nothing here touches the machine's main PostgreSQL: every cluster lives in a
temporary directory on a port the caller names, and is stopped and deleted on ``stop()``.

PostgreSQL and PgBouncer refuse to run as root; as root the server processes run as the
``postgres`` user (``runuser``), the data directories owned by it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER_USER = "postgres"


def pg_bindir() -> Path | None:
    """The directory of PostgreSQL's server binaries (``initdb``, ``pg_ctl``), newest first."""
    found = shutil.which("pg_ctl")
    if found and Path(found).resolve().parent.joinpath("initdb").exists():
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def pgbouncer_bin() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)


def missing_binaries() -> str | None:
    """Why the real-process proofs cannot run here, or None when they can."""
    if pg_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
    if pgbouncer_bin() is None:
        return "pgbouncer is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root without a {SERVER_USER!r} user to run the servers as"
    return None


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        for parent in [path, *(p for p in path.rglob("*"))]:
            try:
                os.chown(parent, entry.pw_uid, entry.pw_gid)
            except FileNotFoundError:
                # A running server's own temporary file (pg_internal.init…), gone since the
                # walk listed it: nothing left to own.
                continue


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.1, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Cluster:
    """One PostgreSQL cluster in its own directory on ``port``."""

    port: int
    datadir: Path
    bindir: Path = field(default_factory=lambda: pg_bindir() or Path("/usr/bin"))
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.datadir.parent / f"postgres-{self.port}.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=3, **kwargs)

    def sql(self, query: str, dbname: str = "postgres", params=None):
        with self.connect(dbname) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.log), "-w", "-t", "60", *args]
        return subprocess.run(_as_server_user(argv), capture_output=True, text=True, check=check, timeout=90)

    def start(self) -> None:
        self.log.touch()
        _own(self.log)
        self.pg_ctl("-o", f"-p {self.port}", "start")
        wait_for(self._accepts_queries, timeout=30, what=f"PostgreSQL on {self.port}")

    def _accepts_queries(self) -> bool:
        try:
            self.sql("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def stop(self, mode: str = "fast") -> None:
        if (self.datadir / "postmaster.pid").exists():
            self.pg_ctl("-m", mode, "stop", check=False)

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists() and port_open(self.port)

    def promote(self) -> None:
        self.pg_ctl("promote")


# Durability off: these clusters hold test data only and must be fast on a shared 2-core box.
PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
max_connections = 200
shared_buffers = 32MB
fsync = off
full_page_writes = off
synchronous_commit = off
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
timezone = 'UTC'
log_min_messages = warning
"""


@dataclass
class Topology:
    """A primary, its streaming replica and PgBouncer, on consecutive caller-chosen ports."""

    primary_port: int
    replica_port: int
    bouncer_port: int
    dbname: str = "leadmarket_scale"
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lm-topology-")))
    primary: Cluster = field(init=False)
    replica: Cluster = field(init=False)
    bouncer: PgBouncer = field(init=False)

    def __post_init__(self) -> None:
        self.base.chmod(0o755)
        self.primary = Cluster(self.primary_port, self.base / "primary")
        self.replica = Cluster(self.replica_port, self.base / "replica")
        self.bouncer = PgBouncer(self.bouncer_port, self.base / "pgbouncer", self.primary_port, self.dbname)

    # --- URLs the app is given -------------------------------------------------------------
    @property
    def primary_url(self) -> str:
        return self.primary.url(self.dbname)

    @property
    def replica_url(self) -> str:
        return self.replica.url(self.dbname)

    @property
    def bouncer_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.bouncer_port}/{self.dbname}"

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, *, migrate: bool = True) -> Topology:
        for port in (self.primary_port, self.replica_port, self.bouncer_port):
            if port_open(port):
                raise RuntimeError(f"port {port} is already in use")
        self._init_primary()
        self.primary.sql(f'CREATE DATABASE "{self.dbname}"')
        if migrate:
            self.manage("migrate", "--no-input", "-v", "0", database_url=self.primary_url)
        self.start_replica()
        self.bouncer.start()
        return self

    def _init_primary(self) -> None:
        datadir = self.primary.datadir
        datadir.mkdir(mode=0o700)
        _own(datadir)
        initdb = [str(self.primary.bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            _as_server_user([*initdb, "--no-sync", "-E", "UTF8", "--locale=C"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(PRIMARY_CONF.format(sockets=datadir))
        with (datadir / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        self.primary.start()

    def start_replica(self) -> None:
        """A physical streaming replica: base backup with ``-R`` (primary_conninfo, standby.signal)."""
        datadir = self.replica.datadir
        if datadir.exists():
            self.replica.stop("immediate")
            shutil.rmtree(datadir)
        argv = [
            str(self.replica.bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        ]
        _own(self.base)
        subprocess.run(_as_server_user(argv), check=True, capture_output=True, timeout=180)
        with (datadir / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.replica_port}\nunix_socket_directories = '{datadir}'\n")
        self.replica.start()
        self.wait_streaming()

    def wait_streaming(self, timeout: float = 30) -> None:
        wait_for(
            lambda: self.primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][0],
            timeout=timeout,
            what="the replica to stream",
        )

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary had written when called."""
        # The insert position: with synchronous_commit off the last commit may not be written yet.
        target = self.primary.sql("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        wait_for(
            lambda: self.replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", params=[target])[0][0],
            timeout=timeout,
            what="the replica to catch up",
        )

    def pause_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")

    def stop(self) -> None:
        self.bouncer.stop()
        self.replica.stop("immediate")
        self.primary.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    # --- the app against it ------------------------------------------------------------------
    def app_env(self, *, via_bouncer: bool = True, replica: bool = True, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "PYTEST_", "CELERY_BROKER")) and k != "DJANGO_SETTINGS_MODULE"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="marketplace.settings",
            DJANGO_ENV="test",
            DATABASE_URL=self.bouncer_url if via_bouncer else self.primary_url,
            DATABASE_PGBOUNCER="true" if via_bouncer else "false",
            LOG_LEVEL="WARNING",
        )
        if replica:
            env["DATABASE_REPLICA_URL"] = self.replica_url
        env.update(extra)
        return env

    def manage(self, *args: str, database_url: str | None = None, **env: str) -> str:
        environ = self.app_env(via_bouncer=False, replica=False, **env)
        if database_url:
            environ["DATABASE_URL"] = database_url
        out = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", *args],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
        return out.stdout


PGBOUNCER_INI = """
[databases]
{dbname} = host=127.0.0.1 port={primary_port} dbname={dbname}
postgres = host=127.0.0.1 port={primary_port} dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/users.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
server_lifetime = 300
ignore_startup_parameters = extra_float_digits,options
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


@dataclass
class PgBouncer:
    """PgBouncer in transaction mode: each transaction may run on another server connection."""

    port: int
    dir: Path
    primary_port: int
    dbname: str
    pool_size: int = 6

    def start(self) -> None:
        self.dir.mkdir(exist_ok=True)
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            PGBOUNCER_INI.format(
                dbname=self.dbname,
                primary_port=self.primary_port,
                port=self.port,
                dir=self.dir,
                pool_size=self.pool_size,
            )
        )
        _own(self.dir)
        binary = pgbouncer_bin()
        assert binary, "pgbouncer is not installed"
        subprocess.run(_as_server_user([binary, "-d", str(self.dir / "pgbouncer.ini")]), check=True, timeout=30)
        wait_for(lambda: port_open(self.port), timeout=20, what=f"PgBouncer on {self.port}")

    def pid(self) -> int | None:
        try:
            return int((self.dir / "pgbouncer.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # immediate shutdown (SIGINT would wait for clients)
        wait_for(lambda: not _alive(pid), timeout=10, what="PgBouncer to stop")
        (self.dir / "pgbouncer.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def show(self, what: str) -> list[tuple]:
        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/pgbouncer", autocommit=True, prepare_threshold=None
        ) as conn:
            return conn.execute(f"SHOW {what}").fetchall()


# --- the app's processes ---------------------------------------------------------------------


@dataclass
class AppProcess:
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> AppProcess:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group (a gunicorn master and its workers, a Celery pool)."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """A graceful stop: SIGTERM to the main process only (gunicorn's master, Celery's
        main process), which stops its own children; SIGKILL to the group if it hangs."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def gunicorn(port: int, env: dict[str, str], log: Path, workers: int = 2) -> AppProcess:
    argv = [
        str(ROOT / ".venv/bin/gunicorn"),
        "marketplace.wsgi:application",
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"),
        *("--access-logfile", "/dev/null"),
    ]
    return AppProcess(argv, env, log).start()


def celery_worker(
    env: dict[str, str],
    log: Path,
    *,
    queues: str | None = None,
    concurrency: int = 2,
    name: str = "w",
    loglevel: str = "WARNING",
    start: bool = True,
) -> AppProcess:
    argv = [
        str(ROOT / ".venv/bin/celery"),
        *("-A", "marketplace", "worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}"),
        *("--without-heartbeat", "--without-mingle", "--without-gossip", f"--hostname={name}@%h"),
    ]
    if queues:
        argv.append(f"--queues={queues}")
    process = AppProcess(argv, env, log)
    return process.start() if start else process


def wait_http(port: int, path: str = "/health/?format=json", timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    def ok() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:  # noqa: S310
                return response.status < 500
        except (urllib.error.URLError, OSError):
            return False

    wait_for(ok, timeout=timeout, interval=0.25, what=f"HTTP on {port}")


@contextlib.contextmanager
def running(*processes: AppProcess) -> Iterator[tuple[AppProcess, ...]]:
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()
