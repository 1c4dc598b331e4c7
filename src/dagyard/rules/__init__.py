"""`dagyard check` rules: one module per rule, each with a stable id, a message and a fix hint.

`RULES` lists them in id order. A rule module has `ID`, `NAME`, `SEVERITY` (the default),
`SUMMARY`, a docstring (what / why / example / fix, shown by `dagyard check --explain ID`), and
`check_file(file, ctx)` and/or `check_repo(ctx)`, which yield `Issue`s; `SUPPRESSIBLE = False`
makes a rule ignore `# dagyard: ignore` comments. A rule that needs work done while the files
load says so in `NEEDS` (`NEED_RUFF`, `NEED_SECRET_SCAN` from `_base`); `SPEAKS_PIPELINES = True`
marks messages already worded for pipeline files.
"""

from __future__ import annotations

from types import ModuleType

from dagyard.rules import (
    airflow_ruff,
    catchup,
    duplicate_dag_id,
    hardcoded_secret,
    import_error,
    load_killed,
    lock_drift,
    network_at_parse,
    no_dag,
    owner,
    parse_time,
    pipeline_error,
    pod_local_settings,
    retries,
    schedule,
    start_date,
    tags,
    task_count,
    team_folder,
    team_links,
    top_level_lookup,
    vanished_dag,
)
from dagyard.rules._base import CheckedFile, Context, Finding, Issue

RULES: tuple[ModuleType, ...] = (
    import_error,
    load_killed,
    no_dag,
    duplicate_dag_id,
    vanished_dag,
    network_at_parse,
    top_level_lookup,
    owner,
    pod_local_settings,
    hardcoded_secret,
    retries,
    tags,
    catchup,
    schedule,
    start_date,
    task_count,
    parse_time,
    team_folder,
    team_links,
    airflow_ruff,
    lock_drift,
    pipeline_error,
)
BY_ID = {rule.ID: rule for rule in RULES}

__all__ = ["BY_ID", "RULES", "CheckedFile", "Context", "Finding", "Issue"]
