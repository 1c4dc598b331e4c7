"""The permissions of FAB's built-in `Viewer` role, from the FAB auth manager itself.

dagyard gives `[security] viewers` that role and never changes it; the permission table in
docs/security.md shows what it allows. The contract test checks the list's shape.
"""

from __future__ import annotations

import warnings


def viewer_permissions() -> frozenset[tuple[str, str]]:
    """(action, resource) pairs FAB grants its `Viewer` role."""
    with warnings.catch_warnings():  # its web stack warns on import, into the printed table
        warnings.simplefilter("ignore")
        from airflow.providers.fab.auth_manager.security_manager.override import (
            FabAirflowSecurityManagerOverride,
        )

    return frozenset(FabAirflowSecurityManagerOverride.VIEWER_PERMISSIONS)
