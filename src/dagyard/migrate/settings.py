"""Translate a team's Airflow 2 settings (`airflow.cfg`, or the chart's `config:` and `AIRFLOW__*`
entries in a Helm values file) into dagyard settings, with a report of everything else.

What dagyard manages is turned into `dagyard.toml` lines; what Airflow 3 renamed or removed is
reported from Airflow's own table (the one `airflow config update` uses); the rest is listed as
settings dagyard leaves to Airflow.
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import NamedTuple

import yaml

from dagyard._airflow.config_changes import airflow3_setting_changes
from dagyard.errors import DagyardError

_ENV_NAME = re.compile(r"^AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)$")
GOOGLE_BACKEND = "CloudSecretManagerBackend"
MANAGED_BY_DAGYARD = {
    ("core", "executor"): "dagyard runs LocalExecutor on laptops and KubernetesExecutor in "
    "production (`dagyard deploy render`)",
    ("core", "sql_alchemy_conn"): "the production database URL lives in a secret "
    "(`metadata_db_secret` in [deploy.environments.NAME])",
    ("database", "sql_alchemy_conn"): "the production database URL lives in a secret "
    "(`metadata_db_secret` in [deploy.environments.NAME])",
    ("core", "fernet_key"): "the Fernet key lives in a secret (`fernet_key_secret`)",
    ("webserver", "secret_key"): "the API secret key lives in a secret (`api_secret_key_secret`)",
    ("core", "load_examples"): "dagyard never loads Airflow's example DAGs",
    ("scheduler", "min_file_process_interval"): "dagyard sets parsing intervals per profile",
    ("scheduler", "dag_dir_list_interval"): "dagyard sets parsing intervals per profile",
    ("scheduler", "parsing_processes"): "dagyard sets parsing intervals per profile",
    ("core", "dagbag_import_timeout"): "dagyard sets parsing limits per profile",
    ("webserver", "rbac"): "Airflow 3 has auth managers: dagyard configures FAB "
    '(`auth_manager = "fab"`) with roles from `dagyard rbac sync`',
    ("webserver", "authenticate"): 'use `auth_manager = "fab"` or "keycloak"',
    ("api", "auth_backends"): 'use `auth_manager = "fab"` or "keycloak"',
    ("api", "auth_backend"): 'use `auth_manager = "fab"` or "keycloak"',
}


class SettingsError(DagyardError):
    """The settings file could not be read."""


class Setting(NamedTuple):
    """One Airflow setting found in the file."""

    section: str
    option: str
    value: str


class Translation(NamedTuple):
    """What became a dagyard setting, what Airflow 3 changed, and what is left as it is."""

    toml: list[str]
    notes: list[str]
    changed_by_airflow3: list[str]
    left_to_airflow: list[str]

    def render(self) -> str:
        """A plain report a person can act on, with the `dagyard.toml` lines to paste."""
        parts = []
        if self.toml:
            parts.append(
                "Add to dagyard.toml:\n  [deploy.environments.prod]\n"
                + "\n".join(f"  {line}" for line in self.toml)
            )
        if self.notes:
            parts.append("Handled by dagyard:\n" + "\n".join(f"  - {n}" for n in self.notes))
        if self.changed_by_airflow3:
            parts.append(
                "Changed in Airflow 3:\n" + "\n".join(f"  - {n}" for n in self.changed_by_airflow3)
            )
        if self.left_to_airflow:
            parts.append(
                "Left as Airflow settings (review them; dagyard does not set them):\n"
                + "\n".join(f"  - {n}" for n in self.left_to_airflow)
            )
        return "\n\n".join(parts) or "No Airflow settings found."


_SETTINGS_HINT = (
    "give --settings the airflow.cfg of the Airflow 2 deployment, or the values file its Helm "
    "chart was installed with"
)


def read_settings(path: Path) -> list[Setting]:
    """Every Airflow setting in an `airflow.cfg` or a Helm values file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error}", _SETTINGS_HINT) from error
    if path.suffix in (".yaml", ".yml"):
        return _from_values(text, path)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        raise SettingsError(
            f"{path} is not an airflow.cfg file: {error}", _SETTINGS_HINT
        ) from error
    return [
        Setting(section, option, value)
        for section in parser.sections()
        for option, value in parser.items(section, raw=True)
    ]


def _from_values(text: str, path: Path) -> list[Setting]:
    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path} is not valid YAML: {error}", _SETTINGS_HINT) from error
    found = [
        Setting(section, option, str(value))
        for section, options in (values.get("config") or {}).items()
        if isinstance(options, dict)
        for option, value in options.items()
    ]
    entries = list(values.get("env") or [])
    extra = values.get("extraEnv")
    if isinstance(extra, str):
        entries += yaml.safe_load(extra) or []
    for entry in entries:
        match = _ENV_NAME.match(str(entry.get("name", ""))) if isinstance(entry, dict) else None
        if match and "value" in entry:
            found.append(Setting(match[1].lower(), match[2].lower(), str(entry["value"])))
    return found


def translate(path: Path) -> Translation:
    """Read `path` and say what each Airflow 2 setting becomes."""
    changes = airflow3_setting_changes()
    toml: list[str] = []
    notes: list[str] = []
    changed: list[str] = []
    left: list[str] = []
    for setting in read_settings(path):
        key = (setting.section, setting.option)
        name = f"[{setting.section}] {setting.option}"
        if key == ("secrets", "backend") and GOOGLE_BACKEND in setting.value:
            toml.append('secret_store = "gcp-secret-manager"')
        elif key == ("secrets", "backend_kwargs"):
            toml += _secret_manager_kwargs(setting.value)
        elif key in (("kubernetes", "namespace"), ("kubernetes_executor", "namespace")):
            toml.append(f'namespace = "{setting.value}"')
        elif key == ("core", "dags_folder"):
            notes.append(f"{name}: dagyard reads DAGs from [project] dags_folder in the repo")
        elif key in MANAGED_BY_DAGYARD:
            notes.append(f"{name}: {MANAGED_BY_DAGYARD[key]}")
        elif key in changes and _affected(changes[key], setting.value):
            change = changes[key]
            if change.renamed_to:
                section, option = change.renamed_to
                changed.append(f"{name} is now [{section}] {option}")
            elif change.invalid_value is not None:
                changed.append(f"{name} = {setting.value} is not allowed. {change.suggestion}")
            else:
                changed.append(f"{name} was removed. {change.suggestion}".strip())
        else:
            left.append(f"{name} = {setting.value}")
    return Translation(toml, notes, changed, left)


def _affected(change, value: str) -> bool:
    """Whether Airflow 3's change applies to this value of the setting."""
    if change.removed_only_if is not None:
        return value == change.removed_only_if
    if change.invalid_value is not None:
        return value == change.invalid_value
    return bool(change.renamed_to or change.removed)


def _secret_manager_kwargs(value: str) -> list[str]:
    try:
        kwargs = json.loads(value)
    except ValueError:
        return []
    lines = []
    for source, target in (
        ("connections_prefix", "connections_prefix"),
        ("variables_prefix", "variables_prefix"),
        ("project_id", "secret_manager_project"),
    ):
        if source in kwargs:
            lines.append(f'{target} = "{kwargs[source]}"')
    return lines
