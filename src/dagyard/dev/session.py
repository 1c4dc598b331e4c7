"""One `dagyard dev` session: prepare, start Airflow, wait until ready, watch, stop cleanly."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NamedTuple, TextIO

import psutil

from dagyard import airflow_env
from dagyard.config import Config
from dagyard.dev import components, database
from dagyard.dev.client import LocalApi
from dagyard.dev.readiness import ParseProgress, files_airflow_parses
from dagyard.dev.supervisor import Exited, ProcessGroup
from dagyard.errors import DagyardError
from dagyard.policy import write_local_settings
from dagyard.workspace import (
    RunningState,
    Workspace,
    read_running_state,
    seed_local_secrets,
    write_private,
)


class DevError(DagyardError):
    """Something stops `dagyard dev` from starting; the message says what to do."""


class DevUsageError(DevError):
    """`dagyard dev` cannot start as configured or asked: a usage error (exit code 2)."""


class Shutdown(Exception):
    """Raised in the main loop when the session is asked to stop (SIGTERM)."""


class DevOptions(NamedTuple):
    """Command-line options of `dagyard dev`."""

    port: int
    parse_all: bool = False
    db_url: str | None = None
    reset: bool = False
    ready_timeout: float = 180.0


def acquire_lock(workspace: Workspace) -> IO[str]:
    """Hold the project's dev lock, or explain who holds it."""
    handle = open(workspace.lock_file, "a+")  # noqa: SIM115 - held for the whole session
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        running = read_running_state(workspace)
        where = f" (pid {running.pid}, {running.url})" if running else ""
        raise DevUsageError(
            f"dagyard dev is already running for this project{where}. "
            "Use that one, or stop it with Ctrl-C in its terminal first."
        ) from None
    os.set_inheritable(handle.fileno(), False)
    return handle


def bind_port(port: int) -> socket.socket:
    """Listen on 127.0.0.1:`port` (0 picks a free port), or explain who is using it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        if error.errno != errno.EADDRINUSE:
            raise
        raise DevUsageError(
            f"Port {port} is already in use{_port_owner(port)}. "
            f"Start on another port with `dagyard dev --port {port + 10}`, or stop that program."
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _port_owner(port: int) -> str:
    try:
        for conn in psutil.net_connections("tcp"):
            listening = conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN
            if listening and conn.pid:
                return f" by {psutil.Process(conn.pid).name()} (pid {conn.pid})"
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        pass
    return " by another program"


def needs_triggerer(config: Config) -> bool:
    """Whether to start a triggerer: yes unless `[dev] triggerer = "never"`.

    Airflow's UI shows a triggerer that is not running as failed (red), whatever the reason;
    a healthy laptop must not look broken, and deferrable tasks need one anyway.
    """
    return config.dev.triggerer != "never"


class DevSession:
    """Everything one `dagyard dev` starts, and the order in which it is stopped."""

    def __init__(self, config: Config, options: DevOptions, say: Callable[[str], None]):
        self.config = config
        self.options = options
        self.say = say
        self.workspace = Workspace(config.root)
        self.group: ProcessGroup | None = None
        self.api: LocalApi | None = None
        self._lock: IO[str] | None = None
        self._sockets: list[socket.socket] = []
        self.bundles = airflow_env.bundles_for(config, options.parse_all)
        self.url = f"http://127.0.0.1:{options.port}"

    @property
    def log_dir(self) -> Path:
        """Where the components' and dagyard's own logs of this session go."""
        return self.workspace.logs / "dev"

    def check_folders(self) -> None:
        """Fail early, in plain words, when a folder to parse does not exist."""
        for bundle in self.bundles:
            if not bundle.path.is_dir():
                raise DevUsageError(
                    f"The DAG folder {bundle.path} does not exist. Create it, or change "
                    "[dev] folders in dagyard.toml."
                )

    def prepare(self) -> database.DatabaseState:
        """Lock the project, claim the ports, configure and import Airflow, ready the database."""
        self.check_folders()
        seeded = seed_local_secrets(self.config, self.workspace)
        self.workspace.ensure()
        self._lock = acquire_lock(self.workspace)
        if self.options.reset:
            self.remove_task_logs()
        api_socket = bind_port(self.options.port)
        execution_socket = bind_port(0)
        self._sockets = [api_socket, execution_socket]
        options = airflow_env.LocalOptions(
            api_port=self.options.port,
            execution_api_port=execution_socket.getsockname()[1],
            db_url=self.options.db_url,
            parse_all=self.options.parse_all,
        )
        for name in seeded:
            self.say(f"Copied example {name} into {self.workspace.secrets_dir} (local only)")
        env = airflow_env.local_env(self.config, self.workspace, options)
        airflow_env.apply(env)
        write_local_settings(self.workspace.home)
        self.say("Loading Airflow")
        components.preload(api_only=True)
        self._start_api_servers()
        components.preload()
        if not self.options.db_url:
            return database.prepare_sqlite(self.workspace.db_file, reset=self.options.reset)
        import psycopg2

        try:
            return database.prepare_postgres(self.options.db_url, reset=self.options.reset)
        except psycopg2.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
            raise DevError(
                f"Cannot use the PostgreSQL database {self.options.db_url}: {reason}. "
                "Check that the server is running and that the user, host, port and database "
                "name in --db are right."
            ) from None

    def remove_task_logs(self) -> None:
        """Delete the task logs of earlier runs (`--reset`); keep this session's own logs."""
        for entry in self.workspace.logs.iterdir():
            if entry == self.log_dir:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def _start_api_servers(self) -> None:
        """Fork the API servers first: building their routes is the longest part of start-up,
        and it needs neither the database nor the other components."""
        api_socket, execution_socket = self._sockets
        self.group = ProcessGroup(self.log_dir)
        for sock in self._sockets:
            self.group.share(sock.fileno())
        self.group.start(components.api_server("api-server", api_socket, "core"))
        self.group.start(
            components.api_server("execution-api", execution_socket, "execution", nice=10)
        )

    def start(self) -> None:
        """Fork the rest of the Airflow components, once the database is ready."""
        assert self.group is not None
        # Task and trigger logs are local files: no log servers (they listen on every interface).
        self.group.start(components.airflow_command("scheduler", "scheduler", "--skip-serve-logs"))
        self.group.start(components.airflow_command("dag-processor", "dag-processor"))
        if needs_triggerer(self.config):
            self.group.start(
                components.airflow_command("triggerer", "triggerer", "--skip-serve-logs")
            )
        for sock in self._sockets:
            sock.close()
        self.api = LocalApi(self.url)

    def wait_until_ready(self, progress: Callable[[str], None]) -> list[dict[str, Any]]:
        """Block until the API is healthy and lists the DAGs; return them."""
        assert self.api is not None and self.group is not None
        deadline = time.monotonic() + self.options.ready_timeout
        progress_of_parsing = ParseProgress(files_airflow_parses(self.bundles), self.config.root)
        components = ["metadatabase", "scheduler", "dag_processor"]
        if needs_triggerer(self.config):
            components.append("triggerer")  # the UI shows it red until it is healthy
        while time.monotonic() < deadline:
            self.raise_if_exited()
            try:
                health = self.api.health()
            except Exception:
                progress("Starting the API server")
                time.sleep(0.1)
                continue
            waiting = [
                name for name in components if (health.get(name) or {}).get("status") != "healthy"
            ]
            if waiting:
                progress(f"Waiting for {', '.join(waiting).replace('_', ' ')}")
                time.sleep(0.1)
                continue
            dags = self.api.dags()
            left = progress_of_parsing.missing(dags, self.api.import_errors)
            if not left:
                return dags
            done = len(progress_of_parsing.expected) - len(left)
            progress(f"Parsing DAG files ({done}/{len(progress_of_parsing.expected)})")
            progress_of_parsing.settle(left)
            time.sleep(0.1)
        raise DevError(
            f"Airflow did not become ready within {self.options.ready_timeout:.0f} s. "
            f"Component logs are in {self.workspace.logs / 'dev'}.",
            "the last lines of those logs say what it was doing; a DAG file that takes long to "
            "import shows in `dagyard check` as slow (DY146)",
        )

    def raise_if_exited(self) -> None:
        """Stop with the component's last log lines when a component died."""
        assert self.group is not None
        for gone in self.group.exited():
            raise DevError(
                f"The Airflow {gone.name} stopped unexpectedly (exit code {gone.returncode}). "
                f"Last lines of {gone.log_file}:\n{tail(gone.log_file, 15)}",
                "the lines above say why; start `dagyard dev` again once it is fixed",
            )

    def publish(self) -> None:
        """Tell other commands (`dagyard dev token`) how to reach this session."""
        assert self.group is not None
        state = RunningState(
            os.getpid(),
            self.url,
            self.options.port,
            self.group.session,
            dict(self.group.children),
            self.options.db_url,
        )
        write_private(self.workspace.state_file, json.dumps(state._asdict()) + "\n")

    def stop(self) -> list[int]:
        """Stop every process this session started; return pids that had to be killed."""
        killed: list[int] = []
        if self.api is not None:
            self.api.close()
        if self.group is not None:
            killed = self.group.stop()
        for sock in self._sockets:
            sock.close()
        if self._lock is not None:  # only the session holding the lock owns the state file
            self.workspace.state_file.unlink(missing_ok=True)
            self._lock.close()
        return killed


def divert_output(log_file: Path) -> tuple[TextIO, TextIO]:
    """Send this process's stdout/stderr (Airflow's own logging) to `log_file` from now on.

    Returns streams that still reach the terminal, for what dagyard itself has to say.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    terminal_out = os.fdopen(os.dup(1), "w", buffering=1)
    terminal_err = os.fdopen(os.dup(2), "w", buffering=1)
    target = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 1)
    os.dup2(target, 2)
    os.close(target)
    warnings.simplefilter("ignore", DeprecationWarning)
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    return terminal_out, terminal_err


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a text file (empty if missing)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


_STOP_REQUESTS: list[str] = []


def stop_requested() -> str | None:
    """The signal (SIGTERM, SIGHUP) that asked this session to stop, if one did.

    The file watcher turns any exception a signal handler raises into KeyboardInterrupt, so
    Ctrl-C and a requested stop are told apart here, not by the exception.
    """
    return _STOP_REQUESTS[-1] if _STOP_REQUESTS else None


def install_stop_handlers() -> None:
    """Make SIGTERM and SIGHUP stop the session the way Ctrl-C does."""

    def _stop(signum: int, _frame: object) -> None:
        _STOP_REQUESTS.append(signal.Signals(signum).name)
        raise Shutdown(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)


__all__ = ["DevError", "DevOptions", "DevSession", "DevUsageError", "Exited", "Shutdown"]
