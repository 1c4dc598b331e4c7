"""`dagyard rbac`: Airflow roles and per-person accounts from the teams in dagyard.toml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import httpx
import typer
import yaml

from dagyard.cli._common import (
    EXIT_USAGE,
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    ProjectOption,
    console,
    fail,
    fail_with,
    open_project,
    relative,
)
from dagyard.config import Config
from dagyard.security import dag_links, rbac, rbac_keycloak, rbac_sync
from dagyard.workspace import Workspace, write_private

app = typer.Typer(
    help="Roles and accounts as code: teams in dagyard.toml -> Airflow (FAB or Keycloak).",
    no_args_is_help=True,
)


def new_accounts_file(workspace: Workspace) -> Path:
    """Where `rbac sync` keeps the first passwords of the accounts it created (0600)."""
    return workspace.secrets_dir / "new-accounts.yaml"


def _fail_on(error: rbac.RbacError) -> NoReturn:
    fail_with(error)


@app.command("show")
def show_command(project: ProjectOption = None) -> None:
    """Print who can do what, from dagyard.toml (nothing is contacted)."""
    config = open_project(project)
    try:
        rbac.check_config(config)
    except rbac.RbacError as error:
        _fail_on(error)
    if not config.teams:
        console.print("No teams in dagyard.toml yet: add a [teams.NAME] section.")
        return
    starters = [t for t in config.teams if rbac.creates_asset_events(config, t)]
    scheduled = _asset_scheduled(config) if starters else []
    for name, team in sorted(config.teams.items()):
        readers = ", ".join(rbac.readers_of(config, name)) or "no other team"
        extra = ", ".join(team.permissions) or "nothing else"
        people = f"{len(team.members)} {'person' if len(team.members) == 1 else 'people'}"
        console.print(f"[bold]{rbac.team_role(name)}[/] ({people})")
        console.print(f"  edits and runs the DAGs in: {', '.join(team.folders) or '(no folder)'}")
        console.print(f"  its DAGs are readable by: {readers}")
        console.print(f"  may also: {extra}")
        if team.links_to:
            console.print(
                f"  its DAGs may trigger, wait on, clear and feed those of: "
                f"{', '.join(team.links_to)}"
            )
        if name in starters:
            started = ", ".join(
                f"{dag_id} ({f'team {owner}' if owner else 'no team'})"
                for dag_id, owner, _ in scheduled
            )
            console.print(
                "  creating asset events starts every asset-scheduled DAG: "
                f"{started or 'none in this repository'}",
                markup=False,
            )
    if config.security.admins:
        console.print(f"[bold]Admin[/]: {', '.join(config.security.admins)}")
    if config.security.viewers:
        console.print(f"[bold]Viewer[/] (reads every DAG): {', '.join(config.security.viewers)}")


def _asset_scheduled(config: Config) -> list[tuple[str, str | None, tuple[str, ...]]]:
    with console.status("Loading the DAG files to see which DAGs assets start..."):
        dags, errors = dag_links.load_dags(config)
    for error in errors:
        console.print(f"[yellow]not loaded[/] {error}", highlight=False)
    return dag_links.asset_scheduled(config, dags)


@app.command("sync")
def sync_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Airflow API server (default: \\[security] airflow_url)."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help=f"Admin account to log in with (or ${USER_VARIABLE})."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the differences; change nothing.")
    ] = False,
    keycloak: Annotated[
        bool,
        typer.Option("--keycloak", help="Write the Keycloak realm JSON instead (no server)."),
    ] = False,
    env: Annotated[
        str, typer.Option("--env", help="With --keycloak: the \\[deploy.environments] entry.")
    ] = "prod",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="With --keycloak: the JSON file.")
    ] = None,
    project: ProjectOption = None,
) -> None:
    """Create or update Airflow roles and accounts so they match dagyard.toml.

    Idempotent. Roles and accounts not in the config are reported, never deleted. The admin
    password is read from $DAGYARD_AIRFLOW_PASSWORD, or asked for (hidden).
    """
    config = open_project(project)
    if keycloak:
        _write_keycloak(config, env, url, output)
        return
    base_url = url or config.security.airflow_url
    if not base_url:
        fail(
            "which Airflow? no --url given and no airflow_url under [security]",
            "pass --url https://airflow.example.com, or set it in dagyard.toml",
            code=EXIT_USAGE,
        )
    username = user or os.environ.get(USER_VARIABLE) or typer.prompt("Airflow admin user")
    password = os.environ.get(PASSWORD_VARIABLE) or typer.prompt(
        f"Password of {username}", hide_input=True
    )
    try:
        api = rbac_sync.FabApi(base_url, rbac_sync.login(base_url, username, password))
        try:
            changes = rbac_sync.plan_sync(config, api)
            for change in changes:
                console.print(rbac_sync.describe(change), markup=False)
            todo = [c for c in changes if c.applies]
            if not todo:
                console.print(f"Nothing to change: {base_url} matches dagyard.toml.")
                return
            if dry_run:
                console.print(f"Dry run: {len(todo)} change(s) not made. Run without --dry-run.")
                return
            passwords = rbac_sync.apply_sync(api, changes)
        finally:
            api.close()
    except rbac.RbacError as error:
        _fail_on(error)
    except httpx.HTTPError as error:
        fail(
            f"could not talk to Airflow at {base_url}: {error}",
            "check the URL, and that the API server is running and reachable from here",
        )
    console.print(f"Made {len(todo)} change(s) on {base_url}.")
    if passwords:
        path = _save_passwords(Workspace(config.root), passwords)
        console.print(
            f"{len(passwords)} new account(s): their first passwords are in "
            f"{relative(path, config.root)} (readable only by you). Send each person theirs "
            "privately, ask them to change it under Your Profile, then delete the file."
        )


def _save_passwords(workspace: Workspace, passwords: dict[str, str]) -> Path:
    workspace.ensure_secret_files()
    path = new_accounts_file(workspace)
    known = yaml.safe_load(path.read_text()) if path.exists() else {}
    write_private(path, yaml.safe_dump({**(known or {}), **passwords}, sort_keys=True))
    return path


def _write_keycloak(config: Config, env_name: str, url: str | None, output: Path | None) -> None:
    env = config.deploy.environments.get(env_name)
    realm = (env.keycloak_realm if env else None) or "airflow"
    client_id = (env.keycloak_client_id if env else None) or "airflow"
    airflow_url = url or config.security.airflow_url
    if not airflow_url:
        fail(
            "the realm needs Airflow's address for its login redirects",
            "pass --url https://airflow.example.com, or set airflow_url under [security]",
            code=EXIT_USAGE,
        )
    try:
        text = rbac_keycloak.keycloak_json(
            rbac_keycloak.keycloak_realm(config, realm, client_id, airflow_url)
        )
    except rbac.RbacError as error:
        _fail_on(error)
    target = output or Path(f"keycloak-realm-{realm}.json")
    target.write_text(text)
    console.print(
        f"Wrote realm {realm!r} (client {client_id!r}, {len(config.teams)} team group(s)) "
        f"to {target}."
    )
    console.print(
        "Import it in the Keycloak admin console: Realm settings -> Action -> Partial import, "
        "then run `airflow keycloak-auth-manager create-all` once against that realm."
    )
