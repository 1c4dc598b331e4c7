"""How the `dagyard` process leaves: every exit handler runs, output is flushed, the exit code
is kept, and the interpreter's teardown of imported modules is skipped."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import atexit
    import sys

    from dagyard import cli


    class TornDown:
        def __del__(self):
            print("modules torn down", flush=True)


    kept_until_teardown = TornDown()
    sys.argv = ["dagyard", *sys.argv[1:]]
    versions = cli.versions


    def versions_and_a_handler():
        atexit.register(lambda: print("exit handler ran"))
        return versions()


    cli.versions = versions_and_a_handler
    cli.main()
    """
)


def _dagyard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, timeout=60
    )


def test_exit_handlers_run_and_output_is_flushed_without_teardown():
    done = _dagyard("--version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("dagyard ")
    assert "exit handler ran" in lines
    assert "modules torn down" not in done.stdout


def test_the_exit_code_survives_the_shortcut():
    done = _dagyard("no-such-command")
    assert done.returncode == 2
    assert "modules torn down" not in done.stdout
