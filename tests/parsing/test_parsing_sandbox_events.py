"""The audit events the sandbox refuses are the ones this Python raises: each call a DAG file
could use is made in a fresh interpreter with a recording hook, and every event name in the
sandbox's tables must have been seen (a misspelt name would silently let a call through)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from dagyard.parsing.sandbox import NETWORK_EVENTS, PROCESS_EVENTS

PROBE = textwrap.dedent(
    """
    import os, socket, subprocess, sys

    def hook(event, args):
        if event.startswith(("socket.", "os.", "subprocess.")):
            os.write(1, (event + "\\n").encode())  # from forked children too

    sys.addaudithook(hook)

    def attempt(call):
        try:
            call()
        except Exception:
            pass

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=1))
    attempt(lambda: socket.getaddrinfo("localhost", 80))
    attempt(lambda: socket.gethostbyname("localhost"))
    attempt(lambda: socket.gethostbyname_ex("localhost"))
    attempt(lambda: socket.gethostbyaddr("127.0.0.1"))
    attempt(lambda: socket.getnameinfo(("127.0.0.1", 80), 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    attempt(lambda: udp.sendto(b"x", ("127.0.0.1", port)))
    attempt(lambda: udp.sendmsg([b"x"], [], 0, ("127.0.0.1", port)))
    attempt(lambda: subprocess.run(["true"]))
    attempt(lambda: os.system("true"))
    attempt(lambda: os.waitpid(os.posix_spawn("/bin/true", ["true"], dict(os.environ)), 0))
    pid = os.fork()
    if pid == 0:
        os.execv("/bin/true", ["true"])
    os.waitpid(pid, 0)
    pid, _ = os.forkpty()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    """
)


def test_every_refused_event_is_raised_by_this_python():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = set(done.stdout.split())
    # "os.spawn" is raised by os.spawn*() on Windows only; on Linux they fork and exec
    expected = (set(NETWORK_EVENTS) | set(PROCESS_EVENTS)) - {"os.spawn"}
    assert expected - seen == set()
