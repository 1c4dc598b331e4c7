"""Attacks on the check's sandbox: every door a DAG file could use to reach the network or run a
program while it loads, each tried through a real `dagyard check` against real listeners on
this machine (a TCP server counting connections, a UDP socket counting datagrams).

With the network namespace every door is closed, as root and as an unprivileged user (the
namespace then lives in a user namespace of its own). With the audit hook alone
(`network_namespace = false`) every door Python sees is closed and reported; a raw `connect()`
made through ctypes is the documented way past it, and exactly that one gets through.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from support import DAGYARD

HEAD = textwrap.dedent(
    """\
    import sys
    from datetime import datetime

    from airflow.sdk import DAG

    """
)
TAIL = (
    '\n\nwith DAG(dag_id="{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)):\n    pass\n'
)


def door(dag_id: str, body: str) -> str:
    return HEAD + textwrap.dedent(body) + TAIL.format(dag_id=dag_id)


def doors(tcp: int, udp: int, marker: Path) -> dict[str, str]:
    return {
        "dags/c_socket.py": door(
            "c_socket",
            f"""
            import _socket
            try:
                _socket.socket().connect(("127.0.0.1", {tcp}))
            except Exception:
                pass
            """,
        ),
        "dags/async_connect.py": door(
            "async_connect",
            f"""
            import asyncio
            try:
                asyncio.run(asyncio.open_connection("127.0.0.1", {tcp}))
            except Exception:
                pass
            """,
        ),
        "dags/datagram.py": door(
            "datagram",
            f"""
            import socket
            try:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", {udp}))
            except Exception:
                pass
            """,
        ),
        "dags/server_socket.py": door(
            "server_socket",
            """
            import socket
            try:
                socket.create_server(("127.0.0.1", 0))
            except Exception:
                pass
            """,
        ),
        "dags/child_process.py": door(
            "child_process",
            f"""
            import multiprocessing
            import pathlib
            try:
                multiprocessing.Process(target=pathlib.Path("{marker}").touch).start()
            except Exception:
                pass
            """,
        ),
        "dags/spawned.py": door(
            "spawned",
            f"""
            import os
            try:
                os.posix_spawn("/usr/bin/touch", ["touch", "{marker}"], dict(os.environ))
            except Exception:
                pass
            """,
        ),
        "dags/replaced.py": door(
            "replaced",
            f"""
            import os
            try:
                os.execv("/usr/bin/touch", ["touch", "{marker}"])
            except Exception:
                pass
            """,
        ),
        "dags/own_hook.py": door(
            "own_hook",
            f"""
            import socket
            sys.addaudithook(lambda event, args: None)
            try:
                socket.create_connection(("127.0.0.1", {tcp}), timeout=3)
            except Exception:
                pass
            """,
        ),
        "dags/retries.py": door(
            "retries",
            f"""
            import socket
            for _ in range(5000):
                try:
                    socket.create_connection(("127.0.0.1", {tcp}), timeout=3)
                except Exception:
                    pass
            """,
        ),
        "dags/raw_libc.py": door(
            "raw_libc",
            f"""
            import ctypes, socket, struct
            libc = ctypes.CDLL(None)
            fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
            address = struct.pack(
                "=HH4s8x", socket.AF_INET, socket.htons({tcp}), socket.inet_aton("127.0.0.1")
            )
            libc.connect(fd, address, len(address))
            """,
        ),
        "dagyard.toml": '[project]\nname = "doors"\n',
    }


class Listeners:
    """A TCP server and a UDP socket on 127.0.0.1 that count what reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.connections = 0
        self.datagrams = 0
        self._stop = False
        self._threads = [
            threading.Thread(target=self._accept, daemon=True),
            threading.Thread(target=self._receive, daemon=True),
        ]
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        for thread in self._threads:
            thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.tcp.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def _receive(self) -> None:
        while not self._stop:
            try:
                self.udp.recv(64)
            except TimeoutError:
                continue
            self.datagrams += 1

    def close(self) -> None:
        self._stop = True
        for thread in self._threads:
            thread.join()
        self.tcp.close()
        self.udp.close()


def unprivileged_available() -> str | None:
    """Why the check cannot run as the unprivileged user `nobody` here, or None."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return "needs root and setpriv to drop to the user nobody"
    done = subprocess.run([*AS_NOBODY, "unshare", "-rn", "true"], capture_output=True, timeout=30)
    return None if done.returncode == 0 else "unprivileged user namespaces are disabled here"


AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def namespace_available() -> bool:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        libc = ctypes.CDLL(None, use_errno=True)
        os._exit(0 if libc.unshare(0x40000000) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.fixture(scope="module", params=["namespace", "audit-hook-only", "unprivileged"])
def attacked(request, tmp_path_factory):
    mode = request.param
    if mode == "namespace" and not namespace_available():
        pytest.skip("this machine does not allow network namespaces")
    prefix: list[str] = []
    if mode == "unprivileged":
        why_not = unprivileged_available()
        if why_not:
            pytest.skip(why_not)
        prefix = AS_NOBODY
        # a folder `nobody` can read, where a program that did run could create the marker
        top = Path(tempfile.mkdtemp(prefix="dagyard-doors-"))
        request.addfinalizer(lambda: shutil.rmtree(top, ignore_errors=True))
        top.chmod(0o777)
        root = top / "repo"
    else:
        root = tmp_path_factory.mktemp(mode) / "repo"
    listeners = Listeners()
    marker = root.parent / "program-ran"
    files = doors(listeners.tcp.getsockname()[1], listeners.udp.getsockname()[1], marker)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if request.param == "audit-hook-only":
        with (root / "dagyard.toml").open("a") as toml:
            toml.write("\n[check]\nnetwork_namespace = false\n")
    if mode == "unprivileged":
        for path in [root, *root.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
    done = subprocess.run(
        [*prefix, DAGYARD, "check", "--all", "-f", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(root)},
    )
    listeners.close()
    assert done.returncode in (0, 1), done.stdout + done.stderr
    yield mode, json.loads(done.stdout), listeners, marker, root


def line_of(root: Path, name: str, text: str) -> tuple[str, int]:
    lines = (root / name).read_text().splitlines()
    return name, next(n for n, line in enumerate(lines, 1) if text in line)


def test_every_python_door_is_reported_at_its_line(attacked):
    _, report, _, _, root = attacked
    found = {(f["file"], f["line"]) for f in report["findings"] if f["rule"] == "DY106"}
    assert found >= {
        line_of(root, "dags/c_socket.py", ".connect("),
        line_of(root, "dags/datagram.py", ".sendto("),
        line_of(root, "dags/server_socket.py", "create_server("),
        line_of(root, "dags/child_process.py", ".start()"),
        line_of(root, "dags/spawned.py", "posix_spawn("),
        line_of(root, "dags/replaced.py", "execv("),
        line_of(root, "dags/own_hook.py", "create_connection("),
        line_of(root, "dags/retries.py", "create_connection("),
    }
    assert any(file == "dags/async_connect.py" for file, _ in found)


def test_nothing_reaches_the_listeners_and_no_program_runs(attacked):
    mode, _, listeners, marker, _ = attacked
    assert listeners.datagrams == 0
    assert not marker.exists()
    # the ctypes call below Python is the one door only the namespace closes
    assert listeners.connections == (1 if mode == "audit-hook-only" else 0)


def test_a_file_retrying_thousands_of_times_is_one_finding_and_the_check_ends(attacked):
    _, report, *_ = attacked
    rules = [f["rule"] for f in report["findings"] if f["file"] == "dags/retries.py"]
    assert rules.count("DY106") == 1
    assert not {"DY101", "DY102"} & set(rules)
    assert "dags/retries.py" in report["summary"]["checked"]
