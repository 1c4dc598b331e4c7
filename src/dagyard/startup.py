"""Start-up help for the commands that import Airflow: import it and build its apps faster.

Importing Airflow and building its API routes create hundreds of thousands of long-lived
objects. Python's cyclic garbage collector would scan them again and again while they are being
created (a quarter of the time on a small machine) although none of them is garbage.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block creates objects meant to live as long
    as the process; afterwards, move them out of the collector's sight (`gc.freeze`), which also
    keeps their memory shared with forked children."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
