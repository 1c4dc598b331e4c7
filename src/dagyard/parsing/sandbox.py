"""The check's sandbox: while a DAG file loads, nothing leaves the machine and nothing is run.

Two layers, both set up in the child that loads the file (never in the long-lived parent):

1. An audit hook (`sys.addaudithook`) refuses every network call Python makes (`connect`,
   name look-ups, datagrams, `bind`) and every way of starting a program (`subprocess`,
   `os.system`, `exec*`, `spawn*`, `fork`). The call raises `SandboxError`; the attempt is
   recorded with the deepest line of the user's repository on the stack, so the report can
   name it even when the DAG code catches the error.
2. A fresh network namespace (`unshare(CLONE_NEWNET)` on Linux; as root directly, otherwise
   inside a new user namespace that keeps the process's user and group ids): only a loopback
   interface that is down, so even C code that bypasses Python's socket module (a database
   driver, say) cannot reach anything. Where the kernel refuses both, the audit hook is the
   only layer and `namespace_active()` says so.

`configure` runs in the parent before forking; `enter` runs in each child.
"""

from __future__ import annotations

import os
import sys
from typing import ClassVar, NamedTuple

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MAX_ATTEMPTS = 50  # a file retrying in a loop is still refused, but not recorded again

NETWORK_EVENTS = {
    "socket.connect": "connects to {0}",
    "socket.getaddrinfo": "looks up the address of {0}",
    "socket.gethostbyname": "looks up the address of {0}",
    "socket.gethostbyaddr": "looks up the name of {0}",
    "socket.getnameinfo": "looks up the name of {0}",
    "socket.sendto": "sends a datagram to {0}",
    "socket.sendmsg": "sends a datagram to {0}",
    "socket.bind": "opens a server socket on {0}",
}
PROCESS_EVENTS = {
    "subprocess.Popen": "runs the program {0}",
    "os.system": "runs the shell command {0}",
    "os.exec": "replaces the process with {0}",
    "os.posix_spawn": "runs the program {0}",
    "os.spawn": "runs the program {0}",
    "os.fork": "forks the process",
    "os.forkpty": "forks the process",
}


class Attempt(NamedTuple):
    """One refused call: what it was, and where in the user's code it came from."""

    kind: str  # network | process
    event: str
    action: str
    file: str | None
    line: int | None


class SandboxError(RuntimeError):
    """Raised inside the DAG code by a refused call (network or new process)."""


class _State:
    root: str = ""
    current: str = ""
    attempts: ClassVar[list[Attempt]] = []
    installed: bool = False
    namespace: bool = False
    want_namespace: bool = True


def configure(project_root: str, namespace: bool = True) -> None:
    """In the parent, before forking: the repository whose frames count as "the user's code",
    and whether children should try a network namespace of their own."""
    _State.root = project_root.rstrip(os.sep) + os.sep
    _State.want_namespace = namespace


def enter(path: str) -> None:  # pragma: no cover - runs in the loading child
    """In a child, before loading `path`: close the network, forbid programs, forget attempts."""
    _State.current = path
    _State.attempts.clear()
    if not _State.root:
        return
    if not _State.installed:
        if _State.want_namespace:
            _State.namespace = _unshare_network()
        sys.addaudithook(_audit)
        _State.installed = True


def attempts() -> list[Attempt]:
    """The calls refused since the last `enter` (in the child)."""
    return list(_State.attempts)


def namespace_active() -> bool:
    """True when this child runs in a network namespace of its own."""
    return _State.namespace


def _unshare_network() -> bool:  # pragma: no cover - runs in the loading child
    """A network namespace of our own: directly as root, else inside a new user namespace
    (unprivileged user namespaces), keeping this process's user and group ids."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) == 0:
            return True
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            return False
    except (OSError, AttributeError):
        return False
    for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny")):
        _write_proc(name, text)
    _write_proc("gid_map", f"{gid} {gid} 1")
    return True


def _write_proc(name: str, text: str) -> None:  # pragma: no cover - runs in the loading child
    try:
        with open(f"/proc/self/{name}", "w") as proc:
            proc.write(text)
    except OSError:
        pass  # the ids then show as unmapped inside; the network is closed all the same


def _audit(event: str, args: tuple) -> None:  # pragma: no cover - runs in the loading child
    if event in NETWORK_EVENTS:
        kind, template = "network", NETWORK_EVENTS[event]
        shown = _address(event, args)
    elif event in PROCESS_EVENTS:
        kind, template = "process", PROCESS_EVENTS[event]
        shown = _program(args)
    else:
        return
    if len(_State.attempts) >= MAX_ATTEMPTS:
        raise SandboxError("dagyard check blocks this call while loading DAG files")
    action = template.format(shown)
    if event == "socket.getaddrinfo" and len(args) >= 2 and args[1] is not None:
        action = f"contacts {shown} over the network"
    file, line = user_frame(1)
    _State.attempts.append(Attempt(kind, event, action, file, line))
    what = "network access" if kind == "network" else "starting programs"
    raise SandboxError(f"dagyard check blocks {what} while loading DAG files: the code {action}")


def _address(event: str, args: tuple) -> str:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"):
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and len(address) >= 2:
            return f"{address[0]}:{address[1]}"
        return repr(address)
    if event == "socket.getaddrinfo" and len(args) >= 2 and args[1] is not None:
        return f"{args[0]}:{args[1]}"
    return str(args[0]) if args else "?"


def _program(args: tuple) -> str:
    if not args:
        return ""
    program = args[1] if len(args) > 1 and isinstance(args[1], list | tuple) else args[0]
    if isinstance(program, list | tuple):
        program = " ".join(str(part) for part in program)
    text = os.fsdecode(program) if isinstance(program, bytes) else str(program)
    return f"`{text[:120]}`"


def user_frame(skip: int = 1) -> tuple[str | None, int | None]:
    """The deepest frame on the caller's stack (after `skip` frames) that is in the file being
    loaded or elsewhere in the user's repository (libraries installed in it excluded)."""
    frame = sys._getframe(skip + 1)
    root = _State.root
    while frame is not None:
        name = frame.f_code.co_filename
        if name == _State.current or (
            root and name.startswith(root) and "site-packages" not in name
        ):
            return name, frame.f_lineno
        frame = frame.f_back
    return None, None
