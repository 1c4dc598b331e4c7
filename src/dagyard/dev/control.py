"""Look after a `dagyard dev` started in another terminal: its components, stopping it, its logs.

The running session publishes its pid, URL, session marker and the pid of every component in
`.dagyard/dev.json`; each component writes to `.dagyard/logs/dev/<component>.log`, and
`dagyard.log` holds what Airflow logs in the supervising process itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import psutil
from watchfiles import watch

from dagyard.dev.supervisor import session_processes
from dagyard.workspace import RunningState, Workspace

TAIL_BYTES = 1 << 20


class ComponentState(NamedTuple):
    """One component of the running session: its process and its log."""

    name: str
    pid: int
    running: bool
    memory_mb: float | None  # proportional memory (PSS) of the component and its children
    log_file: Path


class StopResult(NamedTuple):
    """How a stop went: whether the session stopped itself, and what had to be killed."""

    pid: int
    processes: int  # processes the session had (itself included)
    graceful: bool
    killed: list[int]
    left: list[int]  # still running afterwards (could not be killed)


def log_dir(workspace: Workspace) -> Path:
    """Where `dagyard dev` writes its components' logs."""
    return workspace.logs / "dev"


def log_files(workspace: Workspace) -> dict[str, Path]:
    """Component name -> log file, for every log the last or current session wrote."""
    folder = log_dir(workspace)
    return {path.stem: path for path in sorted(folder.glob("*.log"))} if folder.is_dir() else {}


def component_states(workspace: Workspace, running: RunningState) -> list[ComponentState]:
    """Each component the running session started, whether it still runs, and its memory."""
    found = []
    for name, pid in (running.components or {}).items():
        process = _process(pid)
        memory = None
        if process is not None:
            memory = _memory_mb([process, *_children(process)])
        found.append(
            ComponentState(
                name, pid, process is not None, memory, log_dir(workspace) / f"{name}.log"
            )
        )
    return found


def stop(workspace: Workspace, running: RunningState, timeout: float = 30.0) -> StopResult:
    """Stop the session the way Ctrl-C in its terminal does (SIGTERM); after `timeout` seconds,
    or for anything it leaves behind, SIGKILL. Every process of the session is gone afterwards,
    unless `left` says otherwise."""
    session = _process(running.pid)
    family = [session, *_children(session)] if session is not None else []
    family += [p for p in session_processes(running.session) if p not in family]
    graceful = True
    if session is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            session.terminate()
        _gone, alive = psutil.wait_procs([session], timeout=timeout)
        graceful = not alive
    leftovers = [p for p in family if _alive(p)]
    leftovers += [p for p in session_processes(running.session) if p not in leftovers]
    for process in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(leftovers, timeout=5)
    if not _alive(session):
        workspace.state_file.unlink(missing_ok=True)
    left = [p.pid for p in family + leftovers if _alive(p)]
    return StopResult(
        running.pid, len(family), graceful, [p.pid for p in leftovers], sorted(set(left))
    )


def last_lines(path: Path, count: int) -> list[str]:
    """The last `count` lines of a log file (reads at most its last megabyte)."""
    if count <= 0 or not path.is_file():
        return []
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - TAIL_BYTES))
        data = handle.read()
    return data.decode(errors="replace").splitlines()[-count:]


def sizes(files: dict[str, Path]) -> dict[str, int]:
    """Where each file ends now (0 for a file not written yet): where following starts."""
    return {name: (path.stat().st_size if path.exists() else 0) for name, path in files.items()}


def follow(
    files: dict[str, Path],
    emit: Callable[[str, str], None],
    keep_going: Callable[[], bool],
    offsets: dict[str, int],
    stop_event: threading.Event | None = None,
) -> None:
    """Call `emit(component, line)` for every line appended to `files` after `offsets`, until
    `keep_going()` is false (checked at least twice a second) or `stop_event` is set.

    Waits on file-system events; a file that does not exist yet is picked up when it appears.
    """
    offsets = dict(offsets)
    for name, path in files.items():
        offsets[name] = _emit_new(name, path, offsets.get(name, 0), emit)
    folders = sorted({path.parent for path in files.values()})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    for _changes in watch(
        *folders,
        stop_event=stop_event,
        debounce=50,
        step=20,
        rust_timeout=500,
        yield_on_timeout=True,
    ):
        for name, path in files.items():
            offsets[name] = _emit_new(name, path, offsets[name], emit)
        if not keep_going():
            return


def _emit_new(name: str, path: Path, offset: int, emit: Callable[[str, str], None]) -> int:
    """Emit the complete lines written after `offset`; returns the new offset."""
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        if size < offset:  # truncated or replaced: start over
            offset = 0
        handle.seek(offset)
        data = handle.read()
    complete = data[: data.rfind(b"\n") + 1]
    for line in complete.decode(errors="replace").splitlines():
        emit(name, line)
    return offset + len(complete)


def _process(pid: int) -> psutil.Process | None:
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
    return process if _alive(process) else None


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process | None) -> bool:
    if process is None:
        return False
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _memory_mb(processes: list[psutil.Process]) -> float | None:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_full_info().pss
    return round(total / 1e6, 1) if total else None
