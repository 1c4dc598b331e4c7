"""`dagyard deploy`: production files for the official Helm chart, and drift checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dagyard.cli._common import EXIT_FAILED, ProjectOption, console, fail, open_project, relative

app = typer.Typer(
    help="Render Helm values, ExternalSecrets and the image build file; check for drift.",
    no_args_is_help=True,
)

EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment in dagyard.toml.")]


@app.command("render")
def render_command(
    env: EnvOption = "prod",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    wheel: Annotated[
        bool, typer.Option("--wheel/--no-wheel", help="Build dagyard's wheel into image/.")
    ] = True,
    project: ProjectOption = None,
) -> None:
    """Write values.yaml, ExternalSecrets and the image build file for environment ENV."""
    from dagyard.deploy import render, write
    from dagyard.deploy.image import DeployError, build_dagyard_wheel

    config = open_project(project)
    out = (out or config.root / "deploy" / env).resolve()
    try:
        files = render(config, env, out_hint=relative(out, config.root))
        written = write(files, out)
        built = build_dagyard_wheel(out / "image" / "dagyard-wheel") if wheel else None
    except DeployError as error:
        fail(str(error))
    for path in written:
        console.print(f"[green]✔[/] {relative(path, config.root)}")
    if built:
        console.print(f"[green]✔[/] {relative(built, config.root)}")
    shown = relative(out, config.root)
    namespace = config.deploy.environments[env].namespace
    console.print(
        f"next: build the image (command at the top of {shown}/image/Dockerfile), then "
        f"`kubectl apply -f {shown}/namespace.yaml -f {shown}/external-secrets.yaml` and "
        f"`helm upgrade --install airflow apache-airflow/airflow -n {namespace} "
        f"-f {shown}/values.yaml`"
    )


@app.command("check")
def check_command(
    env: EnvOption = "prod",
    folder: Annotated[
        Path | None, typer.Option("--dir", "-d", help="Folder of the rendered files.")
    ] = None,
    project: ProjectOption = None,
) -> None:
    """Exit 1 if the files in DIR no longer match what dagyard.toml and the lock render."""
    from dagyard.deploy import drift
    from dagyard.deploy.image import DeployError

    config = open_project(project)
    folder = (folder or config.root / "deploy" / env).resolve()
    try:
        found = drift(config, env, folder)
    except DeployError as error:
        fail(str(error))
    if not found:
        console.print(f"[green]✔[/] {relative(folder, config.root)} matches dagyard.toml")
        return
    for line in found:
        console.print(f"[red]✘[/] {line}")
    fail(
        f"{len(found)} difference(s) between {relative(folder, config.root)} and dagyard.toml",
        f"run `dagyard deploy render --env {env} --out {relative(folder, config.root)}` and "
        "commit the result, or change dagyard.toml back",
        code=EXIT_FAILED,
    )
