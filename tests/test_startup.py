"""Start-up help: the garbage collector is paused and restored."""

from __future__ import annotations

import gc

from dagyard.startup import long_lived_objects


def test_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with long_lived_objects():
        assert not gc.isenabled()
        kept = [[n] for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    gc.unfreeze()


def test_collector_stays_off_when_it_was_off():
    gc.disable()
    try:
        with long_lived_objects():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
