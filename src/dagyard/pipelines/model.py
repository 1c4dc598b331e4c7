"""The pipeline file's format, and every check that turns a parsed file into a valid spec.

`validate` reports all the mistakes it can find at once (each with line and column), not just
the first: the pipeline's own keys, each step's keys, each step's template configuration,
`needs`, and cycles.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dagyard.pipelines.catalogue import Catalogue, UnknownTemplate
from dagyard.pipelines.errors import PipelineError, Problem, did_you_mean
from dagyard.pipelines.reader import Document, Key
from dagyard.pipelines.template import Template

if TYPE_CHECKING:
    from dagyard.config import Config

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
PRESETS = (
    "@once", "@continuous", "@hourly", "@daily", "@midnight", "@weekly", "@monthly",
    "@quarterly", "@yearly", "@annually",
)  # fmt: skip
NO_SCHEDULE = ("none", "None", "null")


class StepSpec(BaseModel):
    """One step: which template it uses, what must finish first, and its configuration."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    uses: str = Field(description="the template: bash, python, sql, ... or name@vN")
    needs: list[str] = Field(default_factory=list, description="steps that must finish first")
    with_: dict[str, Any] = Field(
        default_factory=dict, alias="with", description="the template's settings"
    )
    retries: int | None = Field(default=None, ge=0, le=20, description="retries of this step")


class PipelineSpec(BaseModel):
    """A whole pipeline file."""

    model_config = ConfigDict(extra="forbid")

    pipeline: str = Field(
        pattern=ID_PATTERN, max_length=200, description="the pipeline's id, unique in the repo"
    )
    description: str | None = Field(default=None, description="one sentence: what it makes")
    owner: str = Field(description="e-mail address of the person responsible")
    schedule: str | None = Field(
        default=None, description='cron ("0 3 * * *"), a preset like "@daily", or none'
    )
    start_date: dt.date = Field(description="first day the pipeline runs for, e.g. 2024-01-01")
    catchup: bool = Field(default=False, description="also run for past days since start_date")
    tags: list[str] = Field(default_factory=list, description="labels to find it by")
    retries: int | None = Field(default=None, ge=0, le=20, description="retries of every step")
    retry_delay_minutes: int | None = Field(
        default=None, ge=0, description="minutes to wait before a retry"
    )
    steps: dict[str, Any] = Field(min_length=1, description="the steps, by id")

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        return value


class ValidStep(NamedTuple):
    """A valid step with its template and its validated configuration."""

    id: str
    spec: StepSpec
    template: type[Template]
    config: BaseModel


class ValidPipeline(NamedTuple):
    """A valid pipeline file, ready to be built."""

    spec: PipelineSpec
    steps: list[ValidStep]


_EXAMPLES = {
    "pipeline": "pipeline: daily_sales",
    "owner": "owner: you@example.com",
    "start_date": "start_date: 2024-01-01",
    "steps": "steps:\n  first_step:\n    uses: bash\n    with: {command: echo hello}",
    "uses": "uses: bash",
}


def validate(doc: Document, catalogue: Catalogue, project: Config | None) -> ValidPipeline:
    """Check a parsed pipeline file; raise `PipelineError` listing every mistake found."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else "not a block of 'key: value' lines"
        raise PipelineError(
            [
                doc.problem_at(
                    (1, 1),
                    f"the pipeline file is {what}",
                    "start from `dagyard pipelines new`, or copy the example in docs/pipelines.md",
                )
            ]
        )
    spec = None
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as error:
        problems += _pydantic_problems(doc, error, (), PipelineSpec)
    problems += _value_problems(doc, data)
    raw_steps = data.get("steps") if isinstance(data.get("steps"), dict) else {}
    steps, step_problems = _steps(doc, raw_steps, catalogue, project)
    problems += step_problems
    if problems or spec is None:
        raise PipelineError(sorted(problems, key=lambda p: (p.line, p.column)))
    return ValidPipeline(spec, steps)


def _value_problems(doc: Document, data: dict) -> list[Problem]:
    """The schedule, checked whatever else is wrong in the file.

    The owner's value is not checked here (an e-mail address, of a domain in `[owners]
    email_domains`): that is a rule of the organisation, not of the file's format, and a file
    that fails to load is taken away in production, where a Python DAG with the same owner
    loads. `dagyard check` reports it for both (DY110).
    """
    found = []
    schedule = data.get("schedule")
    if isinstance(schedule, str) and schedule not in NO_SCHEDULE:
        reason = schedule_problem(schedule)
        if reason:
            found.append(
                doc.problem_at(
                    doc.positions.of_value(("schedule",)),
                    reason,
                    'write five fields "minute hour day month weekday" (e.g. "0 3 * * *" for '
                    '3:00 every day), a preset such as "@daily", or none',
                )
            )
    return found


@functools.lru_cache(maxsize=512)
def schedule_problem(schedule: str) -> str | None:
    """Why `schedule` is not a cron expression or preset Airflow accepts (None when it is)."""
    if schedule.startswith("@"):
        if schedule in PRESETS:
            return None
        return f"'{schedule}' is not a known preset.{did_you_mean(schedule, PRESETS)}"
    from croniter import croniter

    fields = schedule.split()
    if len(fields) != 5:
        return f"the schedule '{schedule}' has {len(fields)} fields; a cron schedule has 5"
    try:
        croniter(schedule)
    except (ValueError, KeyError) as error:
        return f"the schedule '{schedule}' is not a valid cron expression ({error})"
    return None


def _steps(
    doc: Document, raw: dict, catalogue: Catalogue, project: Config | None
) -> tuple[list[ValidStep], list[Problem]]:
    problems: list[Problem] = []
    steps: list[ValidStep] = []
    context = {"folder": str(doc.path.parent), "project": project}
    for step_id, body in raw.items():
        where: Key = ("steps", step_id)
        if not re.match(ID_PATTERN, str(step_id)):
            problems.append(
                doc.problem_at(
                    doc.positions.of_key(where),
                    f"the step id '{step_id}' has characters that cannot be used",
                    "use letters, digits, _ . and - only, e.g. load_sales",
                )
            )
            continue
        try:
            spec = StepSpec.model_validate(body if body is not None else {})
        except ValidationError as error:
            problems += _pydantic_problems(doc, error, where, StepSpec)
            continue
        try:
            template = catalogue.find(spec.uses)
        except UnknownTemplate as error:
            problems.append(
                doc.problem_at(doc.positions.of_value((*where, "uses")), error.message, error.hint)
            )
            continue
        try:
            config = template.Config.model_validate(spec.with_, context=context)
        except ValidationError as error:
            label = f"the template '{template.name}'"
            problems += _pydantic_problems(doc, error, (*where, "with"), template.Config, label)
            continue
        steps.append(ValidStep(str(step_id), spec, template, config))
    problems += _needs_problems(doc, raw)
    return steps, problems


def _needs_problems(doc: Document, raw: dict) -> list[Problem]:
    problems = []
    ids = [str(k) for k in raw]
    graph: dict[str, list[str]] = {}
    for step_id, body in raw.items():
        needs = body.get("needs") if isinstance(body, dict) else None
        if not isinstance(needs, list):
            continue
        graph[str(step_id)] = []
        for index, name in enumerate(needs):
            if not isinstance(name, str):
                continue
            if name == step_id:
                problems.append(
                    doc.problem_at(
                        doc.positions.of_value(("steps", step_id, "needs", index)),
                        f"the step '{step_id}' needs itself",
                        f"remove '{name}' from its needs",
                    )
                )
            elif name not in raw:
                others = [i for i in ids if i != step_id]
                problems.append(
                    doc.problem_at(
                        doc.positions.of_value(("steps", step_id, "needs", index)),
                        f"there is no step '{name}' in this pipeline.{did_you_mean(name, others)}",
                        f"the steps of this file are: {', '.join(others) or '(none)'}",
                    )
                )
            else:
                graph[str(step_id)].append(name)
    cycle = find_cycle(graph)
    if cycle:
        circle = " → ".join([*cycle, cycle[0]])
        problems.append(
            doc.problem_at(
                doc.positions.of_key(("steps", cycle[0], "needs")),
                f"these steps wait for each other in a circle: {circle}",
                "remove one of them from a 'needs' list so that one step can start first",
            )
        )
    return problems


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The steps of one cycle in `graph` (step -> steps it needs), in order; None if none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


_KINDS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list, e.g. [a, b]",
    "dict_type": "must be a block of 'key: value' lines",
    "model_type": "must be a block of 'key: value' lines",
    "model_attributes_type": "must be a block of 'key: value' lines",
    "date_type": "must be a date like 2024-01-01",
    "date_parsing": "must be a date like 2024-01-01",
    "date_from_datetime_parsing": "must be a date like 2024-01-01",
    "date_from_datetime_inexact": "must be a date like 2024-01-01",
    "too_short": "must not be empty",
    "string_pattern_mismatch": "may only use letters, digits, _ . and -",
}


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _pydantic_problems(
    doc: Document, error: ValidationError, prefix: Key, model: type[BaseModel], label: str = ""
) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        path = (*prefix, *loc)
        kind = item["type"]
        field = str(loc[-1]) if loc else (str(prefix[-1]) if prefix else "the pipeline")
        where_name = label or ("a step" if prefix else "a pipeline")
        if kind == "extra_forbidden":
            names = _field_names(model) if len(loc) == 1 else []
            allowed = ", ".join(names)
            problems.append(
                doc.problem_at(
                    doc.positions.of_key(path),
                    f"'{field}' is not a setting of {where_name}.{did_you_mean(field, names)}",
                    f"the settings are: {allowed}" if allowed else "remove this key",
                )
            )
            continue
        if kind == "missing":
            parent = path[:-1]
            at = doc.positions.of_key(parent) if parent else (1, 1)
            example = _EXAMPLES.get(field, f"{field}: ...")
            problems.append(
                doc.problem_at(
                    at,
                    f"'{field}' is missing" + (f" in '{parent[-1]}'" if parent else ""),
                    f"add it, e.g. {example}",
                )
            )
            continue
        value = item.get("input")
        shown = value if isinstance(value, str | int | float | bool) else None
        if kind in _KINDS:
            message = f"'{field}' {_KINDS[kind]}"
            if shown is not None:
                message += f", not '{shown}'"
        elif kind == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
            if "does not exist next to the pipeline file" in message:
                kind = "missing_file"
            elif "is outside the repository" in message:
                kind = "outside_file"
        else:
            message = f"'{field}': {item['msg']}"
        hint = _hint_for(field, kind, model)
        problems.append(doc.problem_at(doc.positions.of_value(path), message, hint))
    return problems


def _hint_for(field: str, kind: str, model: type[BaseModel]) -> str:
    info = model.model_fields.get("with_" if field == "with" else field)
    described = f"'{field}' is {info.description}" if info and info.description else ""
    if kind.startswith("int"):
        return f"write a number, e.g. {field}: 2"
    if kind.startswith("date"):
        return f"write the date as year-month-day, e.g. {field}: 2024-01-01"
    if kind.startswith("bool"):
        return f"write {field}: true or {field}: false"
    if kind == "missing_file":
        return "create the file, or correct the path: it is relative to this file's folder"
    if kind == "outside_file":
        return "keep the file in the repository, next to the pipeline (e.g. sql/daily.sql)"
    if kind == "list_type":
        return f"write a list, e.g. {field}: [first, second]"
    return described or "see docs/pipelines.md for what this setting accepts"
