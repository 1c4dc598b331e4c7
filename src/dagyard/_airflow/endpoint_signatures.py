"""FastAPI's endpoint analysis, done once per endpoint while Airflow's API server builds its routes.

Replaces FastAPI's `fastapi.dependencies.utils.get_typed_signature` at run time: an internal
function of the library Airflow's REST API is built on, so it lives with the Airflow adapters
and its contract test says when an upgrade changes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


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
