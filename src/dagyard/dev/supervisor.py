"""Start Airflow components as forked children and stop every one of them, always.

Each component runs in a child forked from a parent that has already imported Airflow, so no
component pays the import again. Each child leads its own process group (so a terminal Ctrl-C
reaches only the supervisor, which then shuts everything down in order), dies with its parent
(PR_SET_PDEATHSIG), and carries a session marker in its environment so that anything it starts
can be found and stopped at the end, even a process that left the group.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import psutil
from setproctitle import setproctitle

SESSION_MARKER = "DAGYARD_SESSION"
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


class Component(NamedTuple):
    """A named piece of work to run in its own process until it is told to stop.

    `keeps` are file descriptors of the group's shared ones (see `ProcessGroup.share`) this
    component uses; the others are closed in its process.
    """

    name: str
    run: Callable[[], object]
    keeps: tuple[int, ...] = ()


class Exited(NamedTuple):
    """A component that stopped on its own, and how."""

    name: str
    returncode: int
    log_file: Path


class ProcessGroup:
    """The Airflow components of one `dagyard dev`, each in a forked child."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.session = uuid.uuid4().hex
        self.children: dict[str, int] = {}
        self.shared_fds: set[int] = set()
        os.environ[SESSION_MARKER] = self.session
        log_dir.mkdir(parents=True, exist_ok=True)
        # Orphans of the components (a worker whose scheduler died first) are re-parented to
        # this process instead of init, so they are reaped here and never left as zombies.
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)

    def share(self, fd: int) -> None:
        """Register a descriptor (a listening socket) only the components that keep it may hold."""
        self.shared_fds.add(fd)

    def log_file(self, name: str) -> Path:
        """The file a component's output goes to."""
        return self.log_dir / f"{name}.log"

    def start(self, component: Component) -> int:
        """Fork a child that runs `component`; return its pid."""
        log_path = self.log_file(component.name)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, observed through its effects
            _run_child(component, log_path, self.shared_fds - set(component.keeps))
        self.children[component.name] = pid
        return pid

    def exited(self) -> list[Exited]:
        """Components that stopped since the last call (never blocks)."""
        gone = []
        reap_orphans(set(self.children.values()))
        for name, pid in list(self.children.items()):
            try:
                waited, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                waited, status = pid, 0
            if waited:
                del self.children[name]
                gone.append(Exited(name, os.waitstatus_to_exitcode(status), self.log_file(name)))
        return gone

    def stop(self, grace: float = 6.0) -> list[int]:
        """Stop every component and everything they started; return pids that needed SIGKILL.

        SIGTERM to each component's process group, up to `grace` seconds to exit, then SIGKILL
        for the groups and for any process still carrying this session's marker.
        """
        for pid in self.children.values():
            _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.children and time.monotonic() < deadline:
            self.exited()
            time.sleep(0.05)
        killed = list(self.children.values())
        for pid in killed:
            _signal_group(pid, signal.SIGKILL)
        for pid in list(self.children.values()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()
        killed.extend(kill_session_leftovers(self.session))
        reap_orphans(set())
        return killed


def reap_orphans(keep: set[int]) -> None:
    """Collect exited descendants that were re-parented to us, except the pids in `keep`."""
    for process in psutil.Process().children():
        if process.pid in keep:
            continue
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(process.pid, os.WNOHANG)
        except (psutil.NoSuchProcess, ChildProcessError):
            continue


def session_processes(session: str) -> list[psutil.Process]:
    """Every process (but this one) whose environment carries `session` as its marker."""
    found = []
    for process in psutil.process_iter(["pid"]):
        if process.pid == os.getpid():
            continue
        try:
            if process.environ().get(SESSION_MARKER) == session:
                found.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
            continue
    return found


def kill_session_leftovers(session: str) -> list[int]:
    """SIGKILL every process left over from `session`; return their pids.

    Leftovers are this process's descendants (orphans are re-parented to us, the subreaper)
    and any process started by exec that carries the session marker in its environment.
    """
    leftovers = {p.pid: p for p in psutil.Process().children(recursive=True)}
    leftovers.update({p.pid: p for p in session_processes(session)})
    leftovers = [p for p in leftovers.values() if _status(p) not in {psutil.STATUS_ZOMBIE, None}]
    for process in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(leftovers, timeout=3)
    return [process.pid for process in leftovers]


def _status(process: psutil.Process) -> str | None:
    try:
        return process.status()
    except psutil.NoSuchProcess:
        return None


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _run_child(component: Component, log_path: Path, close: set[int]) -> None:  # pragma: no cover
    code = 0
    try:
        os.setpgid(0, 0)
        for fd in close:
            with contextlib.suppress(OSError):
                os.close(fd)
        _die_with_parent()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.environ["DAGYARD_COMPONENT"] = component.name
        setproctitle(f"dagyard dev: {component.name}")
        component.run()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _prctl(option: int, value: int) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(option, value)
