"""Contract: FAB's Viewer role permissions are (action, resource) pairs dagyard understands."""

from __future__ import annotations

from dagyard._airflow.fab_roles import viewer_permissions


def test_viewer_reads_every_dag_and_changes_nothing() -> None:
    permissions = viewer_permissions()
    assert ("can_read", "DAGs") in permissions
    assert {action for action, _ in permissions} <= {"can_read", "can_edit", "menu_access"}
    assert {resource for action, resource in permissions if action == "can_edit"} == {
        "My Password",
        "My Profile",
    }
