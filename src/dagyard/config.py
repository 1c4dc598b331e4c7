"""Read `dagyard.toml` into typed models.

This is the only module that reads the file. Every problem is reported with the file, the line
and a plain sentence, plus a "did you mean" when a key looks like a typo.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from dagyard.addresses import EMAIL
from dagyard.config_problems import (
    ConfigError,
    ConfigProblem,
    address_line,
    locate_key,
    syntax_problem,
    validation_problems,
)
from dagyard.paths import longest_folder_match
from dagyard.quantities import (
    Allocatable,
    Resources,
    ResourcesError,
    parse_quantity,
    problems,
    quantity_text,
)

CONFIG_FILE_NAME = "dagyard.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSection(_Section):
    """`[project]`: what the DAG repository is called and where its DAGs live."""

    name: str | None = None
    dags_folder: str = "dags"


class PipelinesSection(_Section):
    """`[pipelines]`: where the platform team's pipeline templates live."""

    templates_folder: str = "templates"


class DevSection(_Section):
    """`[dev]`: how `dagyard dev` and `dagyard run` behave on a laptop."""

    folders: list[str] = Field(default_factory=lambda: ["_development"])
    port: int = Field(default=8080, ge=1, le=65535)
    parallelism: int = Field(default=4, ge=1, le=64)
    triggerer: Literal["auto", "always", "never"] = "auto"
    unpause_dags: bool = False
    kubeconfig: str | None = None
    kube_context: str | None = None
    kube_namespace: str | None = None
    google_application_credentials: str | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("folders")
    @classmethod
    def _folders_are_relative(cls, folders: list[str]) -> list[str]:
        for folder in folders:
            if not folder or Path(folder).is_absolute() or ".." in Path(folder).parts:
                raise ValueError(f"folder {folder!r} must be a path inside the DAGs folder")
        return folders


class OwnersSection(_Section):
    """`[owners]`: what a DAG owner must look like (an e-mail address of these domains)."""

    email_domains: list[str] = Field(default_factory=list)


class KubernetesSection(_Section):
    """`[kubernetes]`: which operators start pods (and so get the local kubeconfig)."""

    pod_operators: list[str] = Field(default_factory=lambda: ["KubernetesPodOperator"])


class TeamSection(_Section):
    """`[teams.NAME]`: a team, its people, the folders it owns, where it hears of failures."""

    members: list[str] = Field(default_factory=list)
    folders: list[str] = Field(default_factory=list)
    slack_channel: str | None = None
    can_read: list[str] = Field(default_factory=list)
    # teams whose DAGs this team's DAGs may trigger, wait on, clear or feed assets to ("*": all)
    links_to: list[str] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    # hours between "still broken" reminders of a broken DAG file; unset: `[alerts]`'s value
    still_broken_reminder_hours: int | None = Field(default=None, ge=0, le=720)

    @field_validator("members")
    @classmethod
    def _personal_accounts(cls, members: list[str]) -> list[str]:
        for member in members:
            problem = account_problem(member)
            if problem:
                raise ValueError(problem)
        return members

    @field_validator("permissions")
    @classmethod
    def _known_permissions(cls, permissions: list[str]) -> list[str]:
        for permission in permissions:
            verb, _, resource = permission.strip().partition(" ")
            if verb not in PERMISSION_VERBS or resource.strip() not in PERMISSION_RESOURCES:
                raise ValueError(
                    f"{permission!r} is not a permission dagyard knows; write a verb "
                    f"({', '.join(PERMISSION_VERBS)}) and a thing "
                    f'({", ".join(PERMISSION_RESOURCES)}), like "read connections"'
                )
        return permissions


PERMISSION_VERBS = ("read", "edit", "create", "delete")
PERMISSION_RESOURCES = (
    "connections",
    "variables",
    "pools",
    "configuration",
    "audit logs",
    "providers",
    "plugins",
    "assets",
    "asset events",
    "xcoms",
)
_SHARED_LOCAL_PART = re.compile(
    r"^(team|teams|all|group|everyone|data|airflow|admin|admins|ops|root|noreply|no-reply|"
    r"info|support|dev|devs|shared)$|(^|[._+-])(team|teams|all|group|shared|list)([._+-]|$)"
)


def account_problem(member: str) -> str | None:
    """Why `member` cannot be a personal Airflow account (None when it can).

    Accounts are per person: an address that reads like a team alias or a mailing list
    (`lake-team@`, `data-all@`, `airflow@`) is refused, so nobody shares a login again.
    """
    if not EMAIL.match(member):
        return f"member {member!r} must be a person's e-mail address, like ana@example.com"
    if _SHARED_LOCAL_PART.search(member.split("@", 1)[0].lower()):
        return (
            f"member {member!r} looks like a shared address (a team alias or list); "
            "list each person's own e-mail address instead, one account per person"
        )
    return None


class SecuritySection(_Section):
    """`[security]`: who administers Airflow, who may read every DAG, which Airflow to manage.

    Teams and their permissions are under `[teams.NAME]`; where production secrets live and
    which auth manager it uses are under `[deploy.environments.NAME]`.
    """

    admins: list[str] = Field(default_factory=list)
    viewers: list[str] = Field(default_factory=list)
    airflow_url: str | None = None
    # addresses of groups or mailing lists in this organisation (globs, e.g. "data-*@example.com")
    group_addresses: list[str] = Field(default_factory=list)
    # addresses confirmed to be one person's own, although in several teams or like a group
    personal_accounts: list[str] = Field(default_factory=list)

    @field_validator("admins", "viewers")
    @classmethod
    def _personal_accounts(cls, people: list[str]) -> list[str]:
        for person in people:
            problem = account_problem(person)
            if problem:
                raise ValueError(problem.replace("member ", "", 1))
        return people

    @field_validator("personal_accounts")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            if not EMAIL.match(address):
                raise ValueError(f"{address!r} must be a person's e-mail address")
        return addresses

    @field_validator("group_addresses")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if "@" not in pattern:
                raise ValueError(
                    f"{pattern!r} is not an address pattern; write one like "
                    '"data-*@example.com" (* matches any text)'
                )
        return patterns


class CheckSection(_Section):
    """`[check]`: which `dagyard check` rules run, how severe they are, and their budgets."""

    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)
    max_tasks: int = Field(default=100, ge=1)
    max_parse_seconds: float = Field(default=2.0, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    memory_mb: int = Field(default=2048, ge=64)
    jobs: int = Field(default=2, ge=1, le=64)
    isolation: Literal["auto", "worker", "file"] = "auto"
    secrets_baseline: str = ".secrets.baseline"
    base_branch: str | None = None
    stand_in_variables: dict[str, str] = Field(default_factory=dict)
    stand_in_connections: dict[str, str] = Field(default_factory=dict)
    network_namespace: bool = True

    @field_validator("disable", "severity")
    @classmethod
    def _rule_ids(cls, ids: list[str] | dict[str, str]) -> list[str] | dict[str, str]:
        for rule_id in ids:
            if not re.fullmatch(r"DY\d{3}", rule_id):
                raise ValueError(f"{rule_id!r} is not a rule id; rule ids look like DY101")
        return ids


class AlertsSection(_Section):
    """`[alerts]`: the failure digest sent to each DAG owner on Slack (`dagyard alerts`)."""

    airflow_url: str | None = None
    ui_url: str | None = None
    default_channel: str = "#data-alerts"
    folder_channels: dict[str, str] = Field(default_factory=dict)
    quiet_dags: list[str] = Field(default_factory=list)
    recovered_notice: bool = True
    still_broken_reminder_hours: int = Field(default=0, ge=0, le=720)
    window_minutes: int = Field(default=60, ge=1, le=10080)
    lookup_cache_ttl_hours: float = Field(default=24, gt=0)
    state_file: str = ".dagyard/alerts.sqlite"
    slack_api_url: str = "https://slack.com/api/"
    slack_timeout_seconds: float = Field(default=10, gt=0)
    slack_retries: int = Field(default=3, ge=0, le=10)
    slack_backoff_seconds: float = Field(default=1.0, ge=0)
    error_lines: int = Field(default=5, ge=1, le=50)
    detailed_entries: int = Field(default=20, ge=0, le=200)


class CleanupSection(_Section):
    """`[cleanup]`: how long the metadata DB keeps history (`dagyard db clean`)."""

    retention_days: int = Field(default=90, ge=1)
    tables: dict[str, int] = Field(default_factory=dict)
    batch_size: int = Field(default=5000, ge=100)
    archive: Literal["drop", "export"] = "drop"
    export_folder: str = ".dagyard/db-archive"


class MonitoringSection(_Section):
    """`[monitoring]`: where Airflow and the alerter send statsd metrics."""

    statsd_host: str | None = None
    statsd_port: int = Field(default=9125, ge=1, le=65535)
    statsd_prefix: str = "airflow"


class ResourcePresetSection(_Section):
    """`[resources.presets.NAME]`: CPU and memory of a named size (Kubernetes quantities)."""

    request_cpu: str | None = None
    request_memory: str | None = None
    limit_cpu: str | None = None
    limit_memory: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _quantity(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return value
        try:
            parse_quantity(value)
        except ResourcesError as error:
            raise ValueError(str(error)) from None
        return quantity_text(value)

    @model_validator(mode="after")
    def _consistent(self) -> ResourcePresetSection:
        found = problems(self.to_resources())
        if found:
            raise ValueError("; ".join(found))
        return self

    def to_resources(self) -> Resources:
        """This preset as `dagyard.quantities.Resources`."""
        return Resources(self.request_cpu, self.request_memory, self.limit_cpu, self.limit_memory)


def _default_presets() -> dict[str, ResourcePresetSection]:
    sizes = {
        "small": ("250m", "512Mi", "500m", "1Gi"),
        "medium": ("1", "2Gi", "2", "4Gi"),
        "large": ("2", "8Gi", "4", "12Gi"),
    }
    return {
        name: ResourcePresetSection(
            request_cpu=rc, request_memory=rm, limit_cpu=lc, limit_memory=lm
        )
        for name, (rc, rm, lc, lm) in sizes.items()
    }


class ResourcesSection(_Section):
    """`[resources]`: task sizes (presets), per-folder defaults and the worker node's size."""

    presets: dict[str, ResourcePresetSection] = Field(default_factory=_default_presets)
    default: str | None = None
    folders: dict[str, str] = Field(default_factory=dict)
    worker_allocatable_cpu: str | None = None
    worker_allocatable_memory: str | None = None

    @field_validator("worker_allocatable_cpu", "worker_allocatable_memory", mode="before")
    @classmethod
    def _allocatable(cls, value: object) -> object:
        return ResourcePresetSection._quantity(value)

    @model_validator(mode="after")
    def _presets_fit(self) -> ResourcesSection:
        wanted = [("default", self.default)] if self.default else []
        wanted += [(f"folders.{folder}", name) for folder, name in self.folders.items()]
        for where, name in wanted:
            if name not in self.presets:
                guess = difflib.get_close_matches(name, list(self.presets), n=1)
                extra = f"; did you mean `{guess[0]}`?" if guess else ""
                raise ValueError(
                    f"`{where}` names preset {name!r}, which is not under [resources.presets] "
                    f"(known: {', '.join(sorted(self.presets))}){extra}"
                )
        allocatable = Allocatable(self.worker_allocatable_cpu, self.worker_allocatable_memory)
        for name, preset in self.presets.items():
            found = problems(preset.to_resources(), allocatable)
            if found:
                raise ValueError(f"preset `{name}`: " + "; ".join(found))
        return self


class DeployEnvironmentSection(_Section):
    """`[deploy.environments.NAME]`: one Kubernetes installation of the official Helm chart."""

    namespace: str = "airflow"
    kubernetes_version: str = "1.33"
    image_repository: str
    image_tag: str | None = None
    dags: Literal["git-sync", "baked"] = "git-sync"
    git_repository: str | None = None
    git_branch: str = "main"
    git_ssh_key_secret: str = "airflow-git-ssh-key"
    git_ssh_key_remote: str = "airflow-git-ssh-key"
    git_known_hosts: str | None = None
    # The official Airflow Helm chart the values are for, and where a copy of it is (`helm pull`).
    chart_version: Literal["1.21.0"] = "1.21.0"
    chart_path: str | None = None
    scheduler_replicas: int = Field(default=2, ge=1, le=10)
    api_server_replicas: int = Field(default=2, ge=1, le=20)
    pgbouncer: bool = True
    worker_node_selector: dict[str, str] = Field(default_factory=dict)
    worker_tolerations: list[dict[str, str]] = Field(default_factory=list)
    platform_node_selector: dict[str, str] = Field(default_factory=dict)
    secret_store: str = "gcp-secret-manager"
    secret_manager_project: str | None = None
    connections_prefix: str = "airflow-connections"
    variables_prefix: str = "airflow-variables"
    metadata_db_secret: str = "airflow-metadata-db-url"
    fernet_key_secret: str = "airflow-fernet-key"
    api_secret_key_secret: str = "airflow-api-secret-key"
    jwt_secret_secret: str = "airflow-jwt-secret"
    auth_manager: Literal["fab", "keycloak"] = "fab"
    keycloak_server_url: str | None = None
    keycloak_realm: str | None = None
    keycloak_client_id: str | None = None
    keycloak_client_secret_secret: str = "airflow-keycloak-client-secret"

    @field_validator("chart_path")
    @classmethod
    def _local_chart(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "://" in value):
            raise ValueError(
                "chart_path is a folder or .tgz on this machine (relative to the folder of "
                "dagyard.toml), as written by `helm pull apache-airflow/airflow --version "
                '1.21.0 --untar -d charts`: e.g. "charts/airflow"'
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> DeployEnvironmentSection:
        if self.dags == "git-sync" and not self.git_repository:
            raise ValueError(
                'dags = "git-sync" needs git_repository (the DAG repo\'s clone URL); '
                'set it, or use dags = "baked" to build the DAGs into the image'
            )
        if self.dags == "git-sync" and self.git_over_ssh and not self.git_known_hosts:
            raise ValueError(
                "git-sync over SSH needs git_known_hosts (the Git server's host keys, e.g. "
                "the lines of `ssh-keyscan github.com` checked against the provider's published "
                "fingerprints); without them git-sync would not check who it talks to"
            )
        if self.auth_manager == "keycloak":
            missing = [
                key
                for key in ("keycloak_server_url", "keycloak_realm", "keycloak_client_id")
                if not getattr(self, key)
            ]
            if missing:
                raise ValueError(f'auth_manager = "keycloak" needs {", ".join(missing)}')
        return self

    @property
    def git_over_ssh(self) -> bool:
        """True when the DAG repo is cloned over SSH (`git@host:...` or `ssh://...`)."""
        return is_ssh_url(self.git_repository or "")


def is_ssh_url(url: str) -> bool:
    """True for a Git address cloned over SSH: `ssh://...` or scp-like `user@host:path`."""
    return url.startswith("ssh://") or ("@" in url and "://" not in url)


class DeploySection(_Section):
    """`[deploy]`: the production installations (`dagyard deploy render --env NAME`)."""

    environments: dict[str, DeployEnvironmentSection] = Field(default_factory=dict)


class Config(_Section):
    """The whole `dagyard.toml`, plus the folder it was read from."""

    project: ProjectSection = Field(default_factory=ProjectSection)
    dev: DevSection = Field(default_factory=DevSection)
    owners: OwnersSection = Field(default_factory=OwnersSection)
    kubernetes: KubernetesSection = Field(default_factory=KubernetesSection)
    teams: dict[str, TeamSection] = Field(default_factory=dict)
    security: SecuritySection = Field(default_factory=SecuritySection)
    check: CheckSection = Field(default_factory=CheckSection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    cleanup: CleanupSection = Field(default_factory=CleanupSection)
    monitoring: MonitoringSection = Field(default_factory=MonitoringSection)
    resources: ResourcesSection = Field(default_factory=ResourcesSection)
    deploy: DeploySection = Field(default_factory=DeploySection)
    pipelines: PipelinesSection = Field(default_factory=PipelinesSection)
    root: Path = Field(default=Path("."), exclude=True)

    @cached_property
    def dags_path(self) -> Path:
        """Absolute path of the DAGs folder."""
        return (self.root / self.project.dags_folder).resolve()

    @property
    def templates_path(self) -> Path:
        """Absolute path of the pipeline templates folder (`[pipelines] templates_folder`)."""
        return (self.root / self.pipelines.templates_folder).resolve()

    def dev_paths(self) -> list[Path]:
        """Absolute paths of the folders `dagyard dev` parses by default."""
        return [self.dags_path / folder for folder in self.dev.folders]

    def team_of(self, relative_path: str) -> str | None:
        """The team owning a file, by the longest configured folder that contains it."""
        folders = ((folder, name) for name, team in self.teams.items() for folder in team.folders)
        return longest_folder_match(relative_path, folders)

    def team_of_file(self, path: str | Path) -> str | None:
        """The team owning a DAG file, by its folder (None outside the DAGs folder or any team)."""
        try:
            inside = Path(path).resolve().relative_to(self.dags_path).as_posix()
        except ValueError:
            return None
        return self.team_of(inside)

    def expand(self, value: str | None) -> Path | None:
        """Resolve a user path from the config: `~` and relative paths (to the project root)."""
        if not value:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.root / path).resolve()


def find_project_root(start: Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds a `dagyard.toml`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE_NAME).is_file():
            return folder
    return None


@functools.cache
def _config_at(root: str) -> Config:
    return load_config(Path(root))


def project_config() -> Config | None:
    """The DAG repository's config, read once per process.

    The repository is `$DAGYARD_PROJECT` (set by `dagyard dev`, `run` and the deploy), else the
    nearest `dagyard.toml` above the working directory; None when there is neither. Raises
    ConfigError when its `dagyard.toml` is wrong.
    """
    root = os.environ.get("DAGYARD_PROJECT")
    if not root:
        found = find_project_root(Path.cwd())
        root = str(found) if found else None
    return _config_at(str(Path(root).resolve())) if root else None


def forget_project_config() -> None:
    """Read `dagyard.toml` again on the next `project_config()` (after the file changed)."""
    _config_at.cache_clear()


def load_config(root: Path) -> Config:
    """Read `root/dagyard.toml` (defaults when absent) and return the typed config.

    Raises ConfigError with every problem found, each with its line number.
    """
    path = root / CONFIG_FILE_NAME
    if not path.is_file():
        return Config(root=root.resolve())
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([syntax_problem(path, text, error)]) from None
    try:
        config = Config.model_validate({**data, "root": root.resolve()})
    except ValidationError as error:
        raise ConfigError(validation_problems(path, text, error, Config)) from None
    problems = team_problems(config, path, text)
    if problems:
        raise ConfigError(problems)
    return config


def team_problems(config: Config, path: Path, text: str) -> list[ConfigProblem]:
    """Problems between teams: unknown team names, and accounts that may be shared.

    An address listed in more than one team, or matching `[security] group_addresses`, may be
    a shared mailbox: it is refused until `[security] personal_accounts` confirms it.
    """
    problems = []
    known = ", ".join(sorted(config.teams))
    for name, team in config.teams.items():
        for key in ("can_read", "links_to"):
            for other in getattr(team, key):
                if other != "*" and other not in config.teams:
                    problems.append(
                        ConfigProblem(
                            path,
                            locate_key(text, ("teams", name, key)),
                            f'[teams.{name}] {key} names "{other}", which is not a team',
                            f'known teams: {known}; use "*" for every team',
                        )
                    )
    confirmed = {address.lower() for address in config.security.personal_accounts}
    listed: dict[str, list[tuple[str, ...]]] = {}  # address -> the lists it is in
    for name, team in config.teams.items():
        for member in team.members:
            listed.setdefault(member.lower(), []).append(("teams", name, "members"))
    for key in ("admins", "viewers"):
        for person in getattr(config.security, key):
            listed.setdefault(person.lower(), []).append(("security", key))
    for address, places in listed.items():
        if address in confirmed:
            continue
        teams = [place[1] for place in places if place[0] == "teams"]
        patterns = [p for p in config.security.group_addresses if fnmatch(address, p.lower())]
        if len(teams) < 2 and not patterns:
            continue
        reason = (
            f"matches the group address pattern {patterns[0]!r}"
            if patterns
            else f"is listed in teams {', '.join(teams)}"
        )
        problems.append(
            ConfigProblem(
                path,
                address_line(text, places[-1], address),
                f"{address!r} {reason}: it may be a shared account, and every "
                "person behind it would act as one",
                "list each person's own address instead; if it is one person's own address, "
                f'confirm it under [security]: personal_accounts = ["{address}"]',
            )
        )
    return problems
