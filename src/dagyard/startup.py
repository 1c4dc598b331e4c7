"""Start-up helpers for the commands that import Airflow: import it and build its apps faster.

Importing Airflow and building its API routes create hundreds of thousands of long-lived
objects. Python's cyclic garbage collector would scan them again and again while they are being
created (a quarter of the time on a small machine) although none of them is garbage.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import Any


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


def remember_endpoint_signatures() -> None:
    """Analyse each endpoint's signature once while FastAPI builds routes.

    FastAPI analyses an endpoint's signature again each time its router is included in another
    one (Airflow's REST API nests routers three deep). The analysis depends only on the function,
    so its result is kept; callables that cannot be dictionary keys are analysed every time.
    """
    from fastapi.dependencies import utils

    if getattr(utils.get_typed_signature, "__wrapped__", None) is not None:
        return
    analyse = utils.get_typed_signature
    remembered = functools.lru_cache(maxsize=None)(analyse)

    @functools.wraps(analyse)
    def get_typed_signature(call: Callable[..., Any]) -> Any:
        try:
            return remembered(call)
        except TypeError:
            return analyse(call)

    utils.get_typed_signature = get_typed_signature
