"""Load one DAG file in a forked child, with a timeout and a memory cap.

The parent imports Airflow once; each file is imported in a fresh fork of it, so a file that
raises, loops forever, calls `sys.exit`/`os._exit`, crashes the interpreter or allocates without
bound is reported as that file's error, and the caller carries on. Airflow's own `DagBag` does
the import, so what passes here is what Airflow itself would load.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from dagyard._airflow.dag_objects import explicit_arguments
from dagyard.parsing import lookups, sandbox
from dagyard.parsing.lookups import Lookup
from dagyard.parsing.sampler import LineSampler
from dagyard.parsing.sandbox import Attempt
from dagyard.pipelines import is_pipeline_file

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


class TaskFacts(NamedTuple):
    """What the rules need to know about one task, as Airflow built it."""

    task_id: str
    operator: str
    bases: tuple[str, ...] = ()
    owner: str = ""
    retries: int | None = None
    explicit: tuple[str, ...] = ()
    in_cluster: bool | None = None
    config_file: str | None = None
    cluster_context: str | None = None


class Link(NamedTuple):
    """A tie from a DAG to others.

    `kind` is `triggers`, `waits_on` or `clears` (an ExternalTaskMarker) a DAG, or `consumes`
    or `produces` an asset. `target` is the DAG id or the asset's name (`alias:NAME` for an
    asset alias); `uri` the asset's URI; `task_id` the task making the tie (empty for the
    schedule).
    """

    kind: str
    target: str
    task_id: str = ""
    uri: str = ""


class DagSummary(NamedTuple):
    """What the file defined: one DAG (the first three fields are all `dagyard dev` needs)."""

    dag_id: str
    fileloc: str
    task_count: int
    owner: str = ""
    tags: tuple[str, ...] = ()
    catchup: bool | None = None
    schedule: str | None = None
    start_date: str | None = None
    default_args: tuple[str, ...] = ()
    tasks: tuple[TaskFacts, ...] = ()
    links: tuple[Link, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> DagSummary:
        """Rebuild a summary sent by the child as JSON."""
        tasks = tuple(
            TaskFacts(**{**t, "bases": tuple(t["bases"]), "explicit": tuple(t["explicit"])})
            for t in data.get("tasks", ())
        )
        fields = {
            **data,
            "tags": tuple(data.get("tags", ())),
            "default_args": tuple(data.get("default_args", ())),
            "tasks": tasks,
            "links": tuple(Link(**link) for link in data.get("links", ())),
        }
        return cls(**fields)


class LoadError(NamedTuple):
    """Why a file did not load, pointing at the user's own code where possible."""

    kind: str  # import | pipeline | timeout | exit | crashed | memory
    message: str
    file: str
    line: int | None
    details: str = ""
    column: int | None = None


class LoadResult(NamedTuple):
    """The outcome of loading one file.

    `seconds` is the wall time seen by the caller; `parse_seconds` the time Airflow spent
    importing the file inside the child; `modules` the project files the DAG file imported;
    `blocked` the network and program calls the sandbox refused; `lookups` the variables and
    connections read while loading; `hot_lines` the top-level lines that took the most time
    (line, seconds).
    """

    path: str
    dags: list[DagSummary]
    errors: list[LoadError]
    seconds: float
    parse_seconds: float | None = None
    modules: tuple[str, ...] = ()
    extra: object = None
    blocked: tuple[Attempt, ...] = ()
    lookups: tuple[Lookup, ...] = ()
    hot_lines: tuple[tuple[int, float], ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file loaded without any error."""
        return not self.errors


class Child(NamedTuple):
    """A forked child loading one file; its result arrives on `fd`."""

    pid: int
    fd: int
    path: Path
    started: float


def load_file(
    path: Path, *, timeout: float = 30.0, memory_mb: int = 2048, project_root: Path | None = None
) -> LoadResult:
    """Import `path` in a forked child and report its DAGs or its errors.

    Needs Airflow importable and configured (see `airflow_env.apply`).
    """
    child = start(path, memory_mb)
    payload, status, timed_out = _collect(child, timeout)
    return finish(child, payload, status, timed_out, timeout, memory_mb, project_root)


def start(
    path: Path, memory_mb: int = 2048, extra: Callable[[Path], object] | None = None
) -> Child:
    """Fork a child that imports `path`; read its answer with `read_chunk`, `reap`, `finish`.

    `extra(path)`, when given, runs in the child after the import; its JSON-able answer is
    returned as `LoadResult.extra` (a way to spread per-file work over the children).
    """
    path = path.resolve()
    started = time.monotonic()
    pid, read_fd = fork_piped(lambda write_fd: _child(path, write_fd, memory_mb, extra))
    return Child(pid, read_fd, path, started)


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


def finish(
    child: Child,
    payload: bytes | None,
    status: int,
    timed_out: bool,
    timeout: float,
    memory_mb: int,
    project_root: Path | None,
) -> LoadResult:
    """Turn what a child sent (or how it died) into a `LoadResult`."""
    path = child.path
    seconds = time.monotonic() - child.started
    root = project_root or path.parent
    if timed_out:
        error = LoadError(
            "timeout",
            f"loading took longer than {timeout:g} s and was stopped",
            str(path),
            None,
            "top-level code runs every time Airflow parses the file; move slow work into tasks",
        )
        return LoadResult(str(path), [], [error], seconds)
    if payload is not None:
        data = json.loads(payload)
        dags = [DagSummary.from_json(d) for d in data["dags"]]
        errors = [_error_from_traceback(text, path, root) for text in data["errors"]]
        errors += [
            LoadError("pipeline", message, file, line, hint, column)
            for file, line, column, message, hint in data.get("pipeline_problems", ())
        ]
        if data.get("exit") is not None:
            errors.append(
                LoadError(
                    "exit",
                    f"the file called sys.exit({data['exit']!r}) while being loaded",
                    str(path),
                    _user_line(data.get("exit_trace", ""), path, root),
                    "remove sys.exit()/exit() from the top level of the file",
                )
            )
        modules = tuple(m for m in data.get("modules", ()) if _is_project_file(m, root))
        return LoadResult(
            str(path),
            dags,
            errors,
            seconds,
            data.get("parse_seconds"),
            modules,
            data.get("extra"),
            tuple(Attempt(*a) for a in data.get("blocked", ())),
            tuple(Lookup(*item) for item in data.get("lookups", ())),
            tuple((int(line), float(s)) for line, s in data.get("hot_lines", ())),
        )
    return LoadResult(str(path), [], [_error_from_status(status, path, memory_mb)], seconds)


def _collect(child: Child, timeout: float) -> tuple[bytes | None, int, bool]:
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


def _is_project_file(file: str, root: Path) -> bool:
    return file.startswith(str(root) + os.sep) and "site-packages" not in file


_TASK_ATTRS = ("in_cluster", "config_file", "cluster_context")
_EXPLICIT = ("retries", "owner", *_TASK_ATTRS)


def _task_facts(task) -> dict:  # pragma: no cover - runs in the child
    init_kwargs = explicit_arguments(task)
    facts = {
        "task_id": task.task_id,
        "operator": type(task).__name__,
        "bases": [cls.__name__ for cls in type(task).__mro__],
        "owner": str(getattr(task, "owner", "") or ""),
        "retries": getattr(task, "retries", None),
        "explicit": [key for key in _EXPLICIT if key in init_kwargs],
    }
    for attr in _TASK_ATTRS:
        value = getattr(task, attr, None)
        facts[attr] = value if isinstance(value, bool | type(None)) else str(value)
    return facts


def _dag_facts(dag) -> dict:  # pragma: no cover - runs in the child
    start_date = getattr(dag, "start_date", None)
    schedule = getattr(dag, "schedule", None)
    return {
        "dag_id": dag.dag_id,
        "fileloc": str(dag.fileloc),
        "task_count": len(dag.tasks),
        "owner": str(getattr(dag, "owner", "") or (dag.default_args or {}).get("owner") or ""),
        "tags": sorted(str(tag) for tag in (dag.tags or ())),
        "catchup": getattr(dag, "catchup", None),
        "schedule": None if schedule is None else str(schedule),
        "start_date": start_date.isoformat() if start_date else None,
        "default_args": sorted(str(key) for key in (dag.default_args or {})),
        "tasks": [_task_facts(task) for task in dag.tasks],
        "links": _links(dag),
    }


def _asset_links(kind: str, asset, task_id: str = "") -> list[dict]:  # pragma: no cover - child
    """Flatten an asset expression (`a | b & alias`) into one link per asset it names."""
    inner = getattr(asset, "objects", None)
    if inner is not None:
        return [link for obj in inner for link in _asset_links(kind, obj, task_id)]
    name = str(getattr(asset, "name", "") or "")
    uri = str(getattr(asset, "uri", "") or "")
    if type(asset).__name__ == "AssetAlias":
        name = f"alias:{name}"
    if not name and not uri:
        return []
    return [{"kind": kind, "target": name or uri, "task_id": task_id, "uri": uri}]


def _task_targets(task, name: str) -> list[str]:  # pragma: no cover - runs in the child
    """The DAG ids a task argument names; `{{ run time }}` for one only known when it runs."""
    if type(task).__name__ == "MappedOperator":
        if name in task.partial_kwargs:
            values = [task.partial_kwargs[name]]
        else:
            mapped = getattr(getattr(task, "expand_input", None), "value", {}) or {}
            values = mapped.get(name)
            values = list(values) if isinstance(values, list | tuple) else [None]
    else:
        values = [getattr(task, name, None)]
    return [value if isinstance(value, str) else "{{ run time }}" for value in values]


def _links(dag) -> list[dict]:  # pragma: no cover - runs in the child
    condition = getattr(getattr(dag, "timetable", None), "asset_condition", None)
    links = _asset_links("consumes", condition) if condition is not None else []
    for task in dag.tasks:
        cls = getattr(task, "operator_class", None)
        bases = {base.__name__ for base in (cls if isinstance(cls, type) else type(task)).__mro__}
        ties = [("triggers", "TriggerDagRunOperator", "trigger_dag_id"),
                ("waits_on", "ExternalTaskSensor", "external_dag_id"),
                ("clears", "ExternalTaskMarker", "external_dag_id")]  # fmt: skip
        for kind, base, argument in ties:
            if base in bases:
                for target in _task_targets(task, argument):
                    links.append({"kind": kind, "target": target, "task_id": task.task_id})
        for outlet in getattr(task, "outlets", None) or ():
            links += _asset_links("produces", outlet, task.task_id)
    return links


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover - runs in the child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _child(path: Path, write_fd: int, memory_mb: int, extra=None) -> None:  # pragma: no cover
    code = 0
    try:
        isolate_child(memory_mb)
        result = load_in_this_process(path, extra)
        _write_all(write_fd, json.dumps(result, default=str).encode())
    except MemoryError:
        code = 3
    except BaseException:
        code = 1
    finally:
        os._exit(code)


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


def load_in_this_process(path: Path, extra=None) -> dict:  # pragma: no cover - in the child
    """Import one DAG file with Airflow's DagBag in this (child) process; return the raw facts."""
    before = set(sys.modules)
    result: dict = {"dags": [], "errors": [], "exit": None}
    sandbox.enter(str(path))
    lookups.reset()
    started = time.perf_counter()
    with LineSampler(str(path)) as profile:
        try:
            if is_pipeline_file(path):
                result.update(_load_pipeline(path))
            else:
                from airflow.dag_processing.dagbag import DagBag

                bag = DagBag(dag_folder=str(path), collect_dags=False)
                dags = bag.process_file(str(path), only_if_updated=False, safe_mode=False)
                result["dags"] = [_dag_facts(d) for d in dags]
                result["errors"] = list(bag.import_errors.values())
            result["parse_seconds"] = time.perf_counter() - started
        except SystemExit as exit_:
            import traceback

            result["exit"] = exit_.code
            result["exit_trace"] = "".join(traceback.format_tb(exit_.__traceback__))
    result["blocked"] = [list(attempt) for attempt in sandbox.attempts()]
    result["lookups"] = [list(lookup) for lookup in lookups.recorded()]
    result["hot_lines"] = profile.hot_lines()
    result["modules"] = sorted(
        {
            str(getattr(module, "__file__", None))
            for name, module in list(sys.modules.items())
            if name not in before and getattr(module, "__file__", None)
        }
    )
    if extra is not None:
        try:
            result["extra"] = extra(path)
        except Exception:
            result["extra"] = None
    return result


def _load_pipeline(path: Path) -> dict:  # pragma: no cover - runs in the child
    """Load a pipeline file: its DAG's facts, or its problems with line and column."""
    from dagyard.config import project_config
    from dagyard.pipelines.load import load_pipeline

    loaded = load_pipeline(path, project_config())
    if loaded.dag is not None:
        return {"dags": [_dag_facts(loaded.dag)]}
    return {
        "pipeline_problems": [
            [str(p.file), p.line, p.column, p.message, p.hint] for p in loaded.problems
        ]
    }


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


def _user_line(trace: str, path: Path, root: Path) -> int | None:
    frame = _user_frame(trace, path, root)
    return frame[1] if frame else None


def _user_frame(trace: str, path: Path, root: Path) -> tuple[str, int] | None:
    """The deepest frame of the traceback that is in the DAG file or the user's project."""
    best = None
    for match in _FRAME.finditer(trace):
        file = match.group("file")
        if file == str(path) or (file.startswith(str(root)) and "site-packages" not in file):
            best = (file, int(match.group("line")))
    return best


def exception_text(trace: str) -> str:
    """The exception's own text at the end of a traceback, all its lines joined (a driver's
    message can span lines: "... failed: Network is unreachable / Is the server running...")."""
    lines = [line for line in trace.splitlines() if line.strip()]
    frames = [n for n, line in enumerate(lines) if line.startswith('  File "')]
    start = frames[-1] + 1 if frames else 0
    while start < len(lines) and lines[start][:1].isspace():
        start += 1  # the frame's source line and its ^^^^ markers
    text = " ".join(line.strip() for line in lines[start:])
    return text or (lines[-1].strip() if lines else "the file could not be imported")


def error_from_traceback(trace: str, path: Path, root: Path) -> LoadError:
    """The error a traceback shows, pointing at the user's file and line (for `path`)."""
    return _error_from_traceback(trace, path, root)


def _error_from_traceback(trace: str, path: Path, root: Path) -> LoadError:
    message = exception_text(trace)
    frame = _user_frame(trace, path, root)
    kind = "memory" if message.startswith("MemoryError") else "import"
    if kind == "memory":
        message = "the file used too much memory while being loaded (MemoryError)"
    file, line = frame if frame else (str(path), None)
    if message.startswith("SystemExit"):
        code = message.partition(":")[2].strip() or "None"
        return LoadError(
            "exit",
            f"the file called sys.exit({code}) while being loaded",
            file,
            line,
            "remove sys.exit()/exit() from the top level of the file",
        )
    return LoadError(kind, message, file, line, trace)


def _error_from_status(status: int, path: Path, memory_mb: int) -> LoadError:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        name = signal.Signals(signum).name
        return LoadError(
            "crashed",
            f"Python crashed while loading the file ({name})",
            str(path),
            None,
            "a library called from the top level of the file crashed; move that call into a task",
        )
    code = os.waitstatus_to_exitcode(status)
    if code == 3:
        return LoadError(
            "memory",
            f"the file used more than {memory_mb} MB of memory while being loaded",
            str(path),
            None,
            "load big data inside tasks, not at the top level of the file",
        )
    return LoadError(
        "exit",
        f"the file ended the process (exit code {code}) while being loaded",
        str(path),
        None,
        "remove os._exit()/sys.exit() from the top level of the file",
    )
