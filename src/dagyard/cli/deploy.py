"""`dagyard deploy`: production files for the official Helm chart, and drift checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ProjectOption,
    console,
    fail,
    fail_with,
    open_project,
    relative,
)
from dagyard.config import Config

app = typer.Typer(
    help="Render Helm values, ExternalSecrets and the image build file; check for drift.",
    no_args_is_help=True,
)

EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment in dagyard.toml.")]
ChartOption = Annotated[
    Path | None,
    typer.Option(
        "--chart",
        help="The official Airflow Helm chart as `helm pull` writes it (folder or .tgz); "
        "default: chart_path in dagyard.toml.",
    ),
]


def _helm_chart(config: Config, env: str, given: Path | None, *, render: bool = False):
    """The chart to check against, or None after saying once what is skipped without it."""
    from dagyard.deploy.chart import locate, skipped_note
    from dagyard.deploy.image import DeployError
    from dagyard.deploy.render import environment

    try:
        environment(config, env)
        helm_chart = locate(config, env, given)
    except DeployError as error:
        fail_with(error, code=EXIT_USAGE)
    if helm_chart is None:
        note = skipped_note(env, config.deploy.environments[env].chart_version, render=render)
        console.print(f"[yellow]![/] {escape(note)}")
    return helm_chart


@app.command("render")
def render_command(
    env: EnvOption = "prod",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    wheel: Annotated[
        bool, typer.Option("--wheel/--no-wheel", help="Build dagyard's wheel into image/.")
    ] = True,
    chart: ChartOption = None,
    project: ProjectOption = None,
) -> None:
    """Write values.yaml, ExternalSecrets and the image build file for environment ENV."""
    from dagyard.deploy import render, write
    from dagyard.deploy.chart import CHART_NAME
    from dagyard.deploy.image import DeployError, build_dagyard_wheel

    config = open_project(project)
    out = (out or config.root / "deploy" / env).resolve()
    helm_chart = _helm_chart(config, env, chart, render=True)
    try:
        files = render(config, env, out_hint=relative(out, config.root), helm_chart=helm_chart)
        written = write(files, out)
        built = build_dagyard_wheel(out / "image" / "dagyard-wheel") if wheel else None
    except DeployError as error:
        fail_with(error)
    for path in written:
        console.print(f"[green]✔[/] {relative(path, config.root)}")
    if built:
        console.print(f"[green]✔[/] {relative(built, config.root)}")
    shown = relative(out, config.root)
    namespace = config.deploy.environments[env].namespace
    chart_version = config.deploy.environments[env].chart_version
    console.print(
        f"next: build the image (command at the top of {shown}/image/Dockerfile), then "
        f"`kubectl apply -f {shown}/namespace.yaml -f {shown}/external-secrets.yaml` and "
        f"`helm upgrade --install airflow {CHART_NAME} --version {chart_version} "
        f"-n {namespace} -f {shown}/values.yaml`"
    )


@app.command("check")
def check_command(
    env: EnvOption = "prod",
    folder: Annotated[
        Path | None, typer.Option("--dir", "-d", help="Folder of the rendered files.")
    ] = None,
    chart: ChartOption = None,
    project: ProjectOption = None,
) -> None:
    """Exit 1 if the files in DIR differ from what dagyard.toml renders or would run unsafely."""
    from dagyard.deploy import drift
    from dagyard.deploy.image import DeployError
    from dagyard.deploy.render import findings

    config = open_project(project)
    folder = (folder or config.root / "deploy" / env).resolve()
    shown = relative(folder, config.root)
    helm_chart = _helm_chart(config, env, chart)
    try:
        found = drift(config, env, folder)
        problems = findings(config, env, folder, helm_chart)
    except DeployError as error:
        fail_with(error, code=EXIT_USAGE)
    if not found and not problems:
        checked = "would start safely" if helm_chart else "no problem found without the chart"
        console.print(f"[green]✔[/] {shown} matches dagyard.toml; {checked}")
        return
    for line in found:
        console.print(f"[red]✘[/] {escape(line)}")
    for problem in problems:
        where = relative(folder / problem.file, config.root)
        where += f":{problem.line}" if problem.line else ""
        console.print(f"[red]✘[/] {escape(where)}: {escape(problem.what)}")
        console.print(f"  → {escape(problem.fix)}", highlight=False)
    fail(
        f"{len(found)} difference(s) from dagyard.toml and {len(problems)} problem(s) in {shown}",
        f"run `dagyard deploy render --env {env} --out {shown}` and commit the result, or "
        "change dagyard.toml back",
        code=EXIT_FAILED,
    )
