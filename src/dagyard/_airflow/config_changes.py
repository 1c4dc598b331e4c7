"""Airflow's own table of what changed in its settings between Airflow 2 and 3.

`airflow config update` reads the same table (`CONFIGS_CHANGES` in its CLI module); dagyard reads
it to translate a team's Airflow 2 settings. The contract test checks the table's shape.
"""

from __future__ import annotations

from typing import NamedTuple


class SettingChange(NamedTuple):
    """What Airflow 3 did to one Airflow 2 setting."""

    section: str
    option: str
    renamed_to: tuple[str, str] | None
    removed: bool
    suggestion: str
    invalid_value: str | None
    removed_only_if: str | None


def airflow3_setting_changes() -> dict[tuple[str, str], SettingChange]:
    """(section, option) -> what Airflow 3 changed, from Airflow's own table."""
    from airflow.cli.commands.config_command import CONFIGS_CHANGES

    changes = {}
    for change in CONFIGS_CHANGES:
        if change.default_change:
            continue
        renamed = change.renamed_to
        changes[(change.config.section, change.config.option)] = SettingChange(
            change.config.section,
            change.config.option,
            (renamed.section, renamed.option) if renamed else None,
            bool(change.was_removed and not renamed and change.is_invalid_if is None),
            change.suggestion or "",
            None if change.is_invalid_if is None else str(change.is_invalid_if),
            None if change.remove_if_equals is None else str(change.remove_if_equals),
        )
    return changes
