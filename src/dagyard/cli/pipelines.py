"""`dagyard pipelines`: the templates a pipeline can use, the editor schema, a new pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dagyard.cli._common import EXIT_USAGE, ProjectOption, console, err_console, fail, open_project

app = typer.Typer(help="YAML pipelines: templates, editor schema, new pipeline files.")


def _catalogue(config):
    from dagyard.pipelines.catalogue import load_catalogue

    catalogue = load_catalogue(config.templates_path)
    for problem in catalogue.broken:
        err_console.print(
            f"[red]✗[/] {escape(problem.location())}: {escape(problem.message)}\n"
            f"  [dim]what to do:[/] {escape(problem.hint)}"
        )
    return catalogue


@app.command("templates")
def templates_command(project: ProjectOption = None) -> None:
    """List the templates (built in and the repository's own) and their settings."""
    config = open_project(project)
    catalogue = _catalogue(config)
    for cls in catalogue.all():
        console.print(f"[bold]{cls.reference()}[/]  {escape(cls.summary())}")
        for name, field in cls.Config.model_fields.items():
            default = field.get_default(call_default_factory=True)
            need = "required" if field.is_required() else f"default {default!r}"
            kind = getattr(field.annotation, "__name__", str(field.annotation))
            console.print(
                f"    {name:<20} {escape(kind):<22} {escape(field.description or '')} "
                f"[dim]({escape(need)})[/]"
            )
        console.print()
    console.print(
        "[dim]Use one in a step with `uses: NAME` (the newest version) or `uses: NAME@vN`.[/]"
    )


@app.command("schema")
def schema_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write it (default: pipeline.schema.json)."),
    ] = None,
    project: ProjectOption = None,
) -> None:
    """Write the JSON schema of pipeline files, for editors to validate and complete them."""
    from dagyard.pipelines.schema import pipeline_schema

    config = open_project(project)
    schema = pipeline_schema(_catalogue(config))
    target = output or config.root / "pipeline.schema.json"
    target.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    console.print(f"[green]✔[/] wrote {target}")
    console.print(
        'Next: in VS Code add to .vscode/settings.json: "yaml.schemas": '
        f'{{"./{target.name}": "*.pipeline.yaml"}}'
    )


@app.command("new")
def new_command(
    name: Annotated[str, typer.Option("--name", prompt="Pipeline id (e.g. daily_sales)")],
    folder: Annotated[str, typer.Option("--folder", prompt="Folder under the DAGs folder")],
    owner: Annotated[str, typer.Option("--owner", prompt="Your e-mail address")],
    schedule: Annotated[
        str, typer.Option("--schedule", prompt='When (cron like "0 3 * * *", @daily, or none)')
    ] = "@daily",
    command: Annotated[
        str, typer.Option("--command", prompt="First step: the command to run")
    ] = "echo hello",
    project: ProjectOption = None,
) -> None:
    """Ask a few questions and write a valid pipeline file."""
    from dagyard.addresses import owner_problem
    from dagyard.pipelines.catalogue import load_catalogue
    from dagyard.pipelines.errors import PipelineError
    from dagyard.pipelines.model import validate
    from dagyard.pipelines.reader import read

    config = open_project(project)
    target = config.dags_path / folder / f"{name}.pipeline.yaml"
    if target.exists():
        fail(f"{target} already exists", "pick another id, or edit that file", EXIT_USAGE)
    domains = config.owners.email_domains
    why = owner_problem(owner, domains)
    if why:  # what `dagyard check` would report (DY110), said before the file is written
        example = f"name@{domains[0]}" if domains else "name@example.com"
        fail(f"the pipeline {why}", f"give your own e-mail address, e.g. {example}", EXIT_USAGE)
    text = NEW_PIPELINE.format(
        name=name, owner=owner, schedule=json.dumps(schedule), command=json.dumps(command)
    )
    try:
        validate(read(target, text), load_catalogue(config.templates_path), config)
    except PipelineError as error:
        first = error.problems[0]
        fail(f"the answers do not make a valid pipeline: {first.message}", first.hint, EXIT_USAGE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    console.print(f"[green]✔[/] wrote {target}")
    console.print(f"Next: add steps (docs/pipelines.md), then `dagyard check {target}`.")


NEW_PIPELINE = """\
pipeline: {name}
description: What this pipeline makes, in one sentence
owner: {owner}
schedule: {schedule}
start_date: 2024-01-01
tags: []
retries: 2
steps:
  first_step:
    uses: bash
    with:
      command: {command}
"""
