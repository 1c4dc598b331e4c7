"""The permission model from dagyard.toml: config checks, access_control, policy, Keycloak."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from dagyard import policy
from dagyard.cli import app
from dagyard.config import ConfigError, load_config
from dagyard.security import rbac
from support import free_port


def write_config(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dagyard.toml").write_text(text)
    return root


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--project", str(project)], env={"COLUMNS": "400"})
    return result.exit_code, " ".join(result.output.split())


TEAMS = """
[teams.lake]
members = ["lake-lead@example.com"]
folders = ["data_lake"]

[teams.mart]
members = ["mart-lead@example.com", "lake-lead@example.com"]
folders = ["data_mart"]
can_read = ["lake"]
permissions = ["read connections", "edit variables"]

[teams.ops]
members = ["ops.person@example.com"]
folders = ["monitoring"]
can_read = ["*"]

[security]
admins = ["boss@example.com"]
viewers = ["cto@example.com"]
personal_accounts = ["lake-lead@example.com"]   # in two teams: confirmed to be one person
"""


@pytest.mark.parametrize(
    ("member", "line", "message"),
    [
        ("lake-team@example.com", 4, "looks like a shared address"),
        ("data-all@example.com", 4, "looks like a shared address"),
        ("airflow@example.com", 4, "looks like a shared address"),
        ("lake lead", 4, "must be a person's e-mail address"),
    ],
)
def test_shared_or_invalid_accounts_are_config_errors(tmp_path, member, line, message) -> None:
    text = f'\n[teams.lake]\nfolders = ["data_lake"]\nmembers = ["ok@example.com", "{member}"]\n'
    root = write_config(tmp_path / "p", text)
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    problem = caught.value.problems[0]
    assert problem.line == line and message in problem.message
    code, out = run(root, "rbac", "show")
    assert code == 2 and f"dagyard.toml:{line}" in out


def test_shared_admin_and_unknown_permission_are_config_errors(tmp_path: Path) -> None:
    root = write_config(tmp_path / "a", '[security]\nadmins = ["admins@example.com"]\n')
    with pytest.raises(ConfigError, match="looks like a shared address"):
        load_config(root)
    text = '[teams.x]\nmembers = ["a@example.com"]\npermissions = ["read secrets"]\n'
    root = write_config(tmp_path / "b", text)
    with pytest.raises(ConfigError, match="'read secrets' is not a permission dagyard knows"):
        load_config(root)


@pytest.mark.parametrize("key", ["can_read", "links_to"])
def test_can_read_and_links_to_must_name_a_team(tmp_path: Path, key: str) -> None:
    text = f'[teams.x]\nmembers = ["a@example.com"]\n{key} = ["nobody"]\n'
    root = write_config(tmp_path / "p", text)
    code, out = run(root, "rbac", "show")
    assert (
        code == 2 and f'dagyard.toml:3: [teams.x] {key} names "nobody", which is not a team' in out
    )


SHARED = """
[teams.lake]
folders = ["data_lake"]
members = ["lake-lead@example.com", "{address}"]

[teams.mart]
folders = ["data_mart"]
members = [
    "mart-lead@example.com",
    "{address}",
]
"""


@pytest.mark.parametrize(
    "address", ["datateam@example.com", "airflow-admin@example.com", "data-eng@example.com"]
)
def test_an_address_in_two_teams_needs_a_confirmation(tmp_path: Path, address: str) -> None:
    root = write_config(tmp_path / "p", SHARED.format(address=address))
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    [problem] = caught.value.problems
    assert problem.line == 10
    assert problem.message == (
        f"{address!r} is listed in teams lake, mart: it may be a shared account, "
        "and every person behind it would act as one"
    )
    assert f'confirm it under [security]: personal_accounts = ["{address}"]' in problem.hint
    code, out = run(root, "rbac", "show")
    assert code == 2 and f"dagyard.toml:10: {address!r} is listed in teams lake, mart" in out
    confirmed = SHARED.format(address=address) + f'[security]\npersonal_accounts = ["{address}"]\n'
    config = load_config(write_config(tmp_path / "q", confirmed))
    assert rbac.desired_people(config)[address].roles == {"team-lake", "team-mart"}


def test_group_address_patterns_need_a_confirmation(tmp_path: Path) -> None:
    text = (
        '[security]\ngroup_addresses = ["data-*@example.com", "*-admin@example.com"]\n\n'
        '[teams.lake]\nfolders = ["x"]\nmembers = ["ok@example.com", "Data-Eng@example.com"]\n'
    )
    root = write_config(tmp_path / "p", text)
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    [problem] = caught.value.problems
    assert problem.line == 6
    assert "matches the group address pattern 'data-*@example.com'" in problem.message
    text = text.replace(
        "[security]\n", '[security]\npersonal_accounts = ["data-eng@example.com"]\n'
    )
    assert load_config(write_config(tmp_path / "q", text)).teams["lake"].members


def test_access_control_follows_the_owner_and_readers(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "p", TEAMS))
    assert rbac.readers_of(config, "lake") == ["mart", "ops"]
    assert rbac.readers_of(config, "mart") == ["ops"]
    assert rbac.access_control_for(config, "mart") == {
        "team-mart": {
            "DAGs": {"can_read", "can_edit", "can_delete"},
            "DAG Runs": {"can_read", "can_create", "can_delete", "menu_access"},
        },
        "team-ops": {"DAGs": {"can_read"}, "DAG Runs": {"can_read"}},
    }
    people = rbac.desired_people(config)
    assert people["lake-lead@example.com"].roles == {"team-lake", "team-mart"}
    assert people["boss@example.com"].roles == {"Admin"}
    assert people["cto@example.com"].roles == {"Viewer"}


def test_team_roles_never_hold_all_dags_and_grant_only_what_is_listed(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "p", TEAMS))
    for team in config.teams:
        permissions = rbac.team_permissions(config, team)
        assert not {("can_read", "DAGs"), ("can_edit", "DAGs"), ("can_delete", "DAGs")} & (
            permissions
        )
    lake, mart = rbac.team_permissions(config, "lake"), rbac.team_permissions(config, "mart")
    assert ("can_read", "Connections") not in lake
    assert {("can_read", "Connections"), ("can_edit", "Variables")} <= mart
    assert ("can_read", "Variables") not in mart


def test_dag_policy_sets_access_control_from_the_folder(tmp_path, monkeypatch) -> None:
    root = write_config(tmp_path / "p", TEAMS)
    monkeypatch.setenv("DAGYARD_PROJECT", str(root))
    policy._policy_config.cache_clear()
    try:
        dags = root / "dags"
        mart_dag = SimpleNamespace(fileloc=str(dags / "data_mart" / "x.py"), access_control=None)
        handmade = {"someone": {"DAGs": {"can_edit"}}}
        other = SimpleNamespace(fileloc=str(dags / "elsewhere" / "y.py"), access_control=handmade)
        outside = SimpleNamespace(fileloc="/tmp/z.py", access_control=None)
        for dag in (mart_dag, other, outside):
            policy.dag_policy(dag)
        assert set(mart_dag.access_control) == {"team-mart", "team-ops"}
        assert other.access_control is handmade  # no team owns the folder: left alone
        assert outside.access_control is None
    finally:
        policy._policy_config.cache_clear()
    assert "dag_policy" in policy.LOCAL_SETTINGS_MODULE


def test_keycloak_realm_export(tmp_path: Path) -> None:
    root = write_config(tmp_path / "p", TEAMS)
    target = tmp_path / "realm.json"
    code, out = run(
        root, "rbac", "sync", "--keycloak", "--url", "https://airflow.example.com",
        "--output", str(target),
    )  # fmt: skip
    assert code == 0, out
    assert "Wrote realm 'airflow' (client 'airflow', 3 team group(s))" in out
    realm = json.loads(target.read_text())
    client = realm["clients"][0]
    assert client["clientId"] == "airflow" and client["publicClient"] is False
    assert client["redirectUris"] == ["https://airflow.example.com/*"]
    roles = {r["name"] for r in realm["roles"]["client"]["airflow"]}
    assert roles == {"Admin", "Viewer", "team-lake", "team-mart", "team-ops"}
    groups = {g["name"]: g["clientRoles"]["airflow"] for g in realm["groups"]}
    assert groups == {"lake": ["team-lake"], "mart": ["team-mart"], "ops": ["team-ops"]}
    users = {u["username"]: u for u in realm["users"]}
    assert users["lake-lead@example.com"]["groups"] == ["/lake", "/mart"]
    assert users["boss@example.com"]["clientRoles"] == {"airflow": ["Admin"]}
    assert all("credentials" not in u for u in realm["users"])

    code, out = run(root, "rbac", "sync", "--keycloak", "--output", str(target))
    assert code == 2 and "needs Airflow's address" in out


def test_sync_needs_a_server(tmp_path: Path) -> None:
    root = write_config(tmp_path / "p", TEAMS)
    code, out = run(root, "rbac", "sync")
    assert code == 2 and "no --url given and no airflow_url under [security]" in out


def test_unreachable_airflow_is_a_plain_error(tmp_path: Path, monkeypatch) -> None:
    root = write_config(tmp_path / "p", TEAMS)
    monkeypatch.setenv("DAGYARD_AIRFLOW_PASSWORD", "x")
    url = f"http://127.0.0.1:{free_port()}"
    code, out = run(root, "rbac", "sync", "--url", url, "--user", "admin")
    assert code == 1 and f"could not talk to Airflow at {url}" in out


def test_asset_events_are_a_grant(tmp_path: Path) -> None:
    text = TEAMS.replace('permissions = ["read connections", "edit variables"]',
                         'permissions = ["create asset events"]')  # fmt: skip
    config = load_config(write_config(tmp_path / "p", text))
    assert ("can_create", "Assets") not in rbac.TEAM_BASE_PERMISSIONS
    assert not rbac.creates_asset_events(config, "lake")
    assert rbac.creates_asset_events(config, "mart")
    assert ("can_create", "Assets") in rbac.team_permissions(config, "mart")


def test_the_guide_holds_the_generated_permission_tables() -> None:
    from dagyard.security import rbac_table
    from support import REPO

    tables = rbac_table.tables()
    assert tables in (REPO / "docs" / "security.md").read_text(), (
        "regenerate: python -m dagyard.security.rbac_table"
    )
    assert "| create asset events (starts every DAG scheduled on the asset) | no |" in tables


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('personal_accounts = ["kim"]', "[security] `personal_accounts`: 'kim' must be a person's"),
        ('group_addresses = ["data-*"]', "'data-*' is not an address pattern"),
    ],
)
def test_confirmations_and_patterns_must_be_addresses(tmp_path: Path, line, message) -> None:
    root = write_config(tmp_path / "p", f"\n[security]\n{line}\n")
    code, out = run(root, "rbac", "show")
    assert code == 2 and "dagyard.toml:3:" in out and message in out


def test_every_permission_word_the_config_accepts_has_a_fab_permission():
    from dagyard.config import PERMISSION_RESOURCES, PERMISSION_VERBS

    assert set(rbac.VERBS) == set(PERMISSION_VERBS)
    assert set(rbac.RESOURCES) == set(PERMISSION_RESOURCES)
