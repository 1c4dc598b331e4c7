"""Fork a child with a pipe back to the parent, isolate it, read its answer and reap it.

The plumbing under `loader` and `pool`, knowing nothing of DAGs: the parent forks, the child
runs its body and writes bytes to the pipe, the parent reads them until the child closes its end
or its time runs out, then kills it if needed and collects its exit status.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

OUT_OF_MEMORY = 3
"""The exit code of a child that ran out of memory (it caught a `MemoryError`)."""


class Child(NamedTuple):
    """A forked child loading one file; its result arrives on `fd`."""

    pid: int
    fd: int
    path: Path
    started: float


def fork_piped(body: Callable[[int], object]) -> tuple[int, int]:
    """Fork a child that runs `body(write_fd)` and never returns; give the parent (pid, read_fd)."""
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - observed through the pipe
        os.close(read_fd)
        body(write_fd)
        os._exit(0)
    os.close(write_fd)
    return pid, read_fd


def read_chunk(child: Child, chunks: list[bytes]) -> bool:
    """Read what the child wrote so far into `chunks`; False once it closed its end."""
    chunk = os.read(child.fd, 1 << 16)
    if chunk:
        chunks.append(chunk)
        return True
    return False


def reap(child: Child, chunks: list[bytes], timed_out: bool) -> tuple[bytes | None, int]:
    """Kill the child if it ran out of time, wait for it, and return (payload, status)."""
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
    os.close(child.fd)
    _, status = os.waitpid(child.pid, 0)
    data = b"".join(chunks)
    return (data if data and not timed_out else None), status


def collect(child: Child, timeout: float) -> tuple[bytes | None, int, bool]:
    """Read the child's answer until it closes its end or `timeout` seconds after it started;
    reap it; return (payload, status, timed_out)."""
    chunks: list[bytes] = []
    deadline = child.started + timeout
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([child.fd], [], [], remaining)
        if ready and not read_chunk(child, chunks):
            break
    payload, status = reap(child, chunks, timed_out)
    return payload, status, timed_out


def write_all(fd: int, data: bytes) -> None:  # pragma: no cover - runs in the child
    """Write every byte of `data` to `fd` (a pipe takes a large answer in several writes)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def isolate_child(memory_mb: int) -> None:  # pragma: no cover - runs in the child
    """In a fresh fork: own process group, memory cap, no terminal, deadly SIGSEGV."""
    os.setpgid(0, 0)
    limit = _current_address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(null, 2)
    _keep_default_sigsegv()


def _keep_default_sigsegv() -> None:  # pragma: no cover - runs in the child
    """Keep SIGSEGV deadly in the child.

    Airflow's importer installs a Python-level SIGSEGV handler; a real crash in C code then
    re-faults forever instead of ending the process. The child must die so the parent can
    report the crash.
    """
    original = signal.signal

    def install(signum, handler):
        if signum == signal.SIGSEGV:
            return signal.SIG_DFL
        return original(signum, handler)

    signal.signal = install


def _current_address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()
