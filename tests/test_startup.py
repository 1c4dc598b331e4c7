"""Start-up help: the garbage collector is paused and restored.

Each case runs in a child Python: freezing is process-wide, and the test process must keep its
own collector state.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _in_a_child(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_collector_is_paused_inside_and_restored_after():
    _in_a_child(
        """
        import gc
        from dagyard.startup import long_lived_objects

        assert gc.isenabled()
        frozen_before = gc.get_freeze_count()
        with long_lived_objects():
            assert not gc.isenabled()
            kept = [[n] for n in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(kept)
        """
    )


def test_collector_stays_off_when_it_was_off():
    _in_a_child(
        """
        import gc
        from dagyard.startup import long_lived_objects

        gc.disable()
        with long_lived_objects():
            pass
        assert not gc.isenabled()
        """
    )
