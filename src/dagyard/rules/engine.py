"""Run a check: load the chosen files (`rules.targets`) in isolated children, apply every rule.

`Checker` lives as long as its process: Airflow is imported once (`parsing.runtime.prepare`),
so `--watch` re-checks a saved file at the cost of that file alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config
from dagyard.parsing import discovery, pool, runtime, sandbox, selection
from dagyard.parsing.imports import build_graph
from dagyard.parsing.loader import LoadResult
from dagyard.parsing.source import Source, open_source, quick_dag_ids, quick_pipeline_ids
from dagyard.pipelines import is_pipeline_file
from dagyard.rules import RULES, airflow_ruff, hardcoded_secret
from dagyard.rules._base import NEED_RUFF, NEED_SECRET_SCAN, CheckedFile, Context, Finding
from dagyard.rules._pipeline_wording import reword
from dagyard.rules.targets import FileChooser, Targets
from dagyard.startup import long_lived_objects


class Report(NamedTuple):
    """The outcome of one check."""

    findings: list[Finding]
    files: list[CheckedFile]
    seconds: float
    base: str | None = None
    scope: str = "all"
    notes: tuple[str, ...] = ()
    airflow_parses: int | None = None
    archives: int = 0
    dags_folder: str = "dags"

    @property
    def nothing_checked(self) -> bool:
        """True when nothing was checked because of what was asked (named files, or `--all`).

        `--changed` with no changed DAG file is not such a case: there was nothing to check.
        """
        return self.scope != "changed" and not self.files

    @property
    def errors(self) -> list[Finding]:
        """Findings at error severity (they make the command exit 1)."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings at warning severity."""
        return [f for f in self.findings if f.severity == "warning"]


def _child_secret_scan(path: Path) -> list[list]:
    """Runs in each loading child: scan the DAG file for secrets there, in parallel."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [list(s[1:]) for s in hardcoded_secret.scan_text(path, text)]


class Checker(FileChooser):
    """Checks DAG files of one project; reuse it to check again without re-importing Airflow."""

    def __init__(self, config: Config):
        super().__init__(config)
        runtime.prepare(config)
        self._ids_cache: dict[Path, tuple[int, list[str]]] = {}

    def run(
        self,
        targets: Targets,
        on_result: Callable[[LoadResult], None] | None = None,
        partial: bool = True,
    ) -> Report:
        """Load `targets`' DAG files, run every enabled rule, and return the findings.

        File rules run as each file's result arrives (while the children load the next files);
        repository rules run once all files are loaded.
        """
        started = time.monotonic()
        config = self.config
        files = targets.dag_files
        enabled = self.enabled()
        python = [f for f in files if f.suffix == ".py"]
        needs = self.needs()
        ruff = airflow_ruff.start(python, config.root) if NEED_RUFF in needs else None
        pool.warm_up(self._libraries(files))
        pipelines = [f for f in files if is_pipeline_file(f)]
        if pipelines:
            from dagyard.pipelines.load import templates_used, warm_up

            with long_lived_objects():
                warm_up(config, templates_used(pipelines))
        sandbox.configure(str(config.root.resolve()), config.check.network_namespace)
        scan = NEED_SECRET_SCAN in needs
        if scan:
            hardcoded_secret.warm_up()
        shared = self.shared_modules()
        early = Context(config=config, files=[], other_dag_ids={}, shared=shared)
        file_rules = [r for r in RULES if r.ID in enabled and hasattr(r, "check_file")]
        checked: list[CheckedFile] = []
        raw: list[tuple] = []

        def arrived(result: LoadResult) -> None:
            path = Path(result.path)
            file = CheckedFile(path, self.relative(path), open_source(path), result)
            checked.append(file)
            for rule in file_rules:
                raw.extend((rule, issue) for issue in rule.check_file(file, early))
            if on_result:
                on_result(result)

        results = pool.load_many(
            files,
            jobs=config.check.jobs,
            timeout=config.check.timeout_seconds,
            memory_mb=config.check.memory_mb,
            project_root=config.root.resolve(),
            on_result=arrived,
            extra=_child_secret_scan if scan else None,
            isolation=config.check.isolation,
        )
        position = {Path(r.path): n for n, r in enumerate(results)}
        checked.sort(key=lambda f: position.get(f.path, 0))
        loaded = set(files)
        modules = sorted({Path(m) for r in results for m in r.modules} - loaded)
        scans = {
            Path(r.path): [
                hardcoded_secret.Secret(Path(r.path), line, kind, tuple(hashes))
                for line, kind, hashes in r.extra
            ]
            for r in results
            if isinstance(r.extra, list)
        }
        ctx = Context(
            config=config,
            files=checked,
            other_dag_ids=self._other_dag_ids(loaded) if partial else {},
            base=targets.base,
            base_dag_ids=self._base_dag_ids(targets),
            deleted=targets.deleted,
            scanned_modules=tuple(modules),
            secret_scans=scans,
            ruff_diagnostics=airflow_ruff.collect(ruff) if ruff or not python else None,
            skipped=tuple(self.skipped_orphans()) if targets.scope == "all" else (),
            shared=shared,
        )
        for rule in RULES:
            if rule.ID in enabled and hasattr(rule, "check_repo"):
                raw.extend((rule, issue) for issue in rule.check_repo(ctx))
        findings = self.findings(raw, checked)
        listing = self.listing()
        return Report(
            findings,
            checked,
            time.monotonic() - started,
            targets.base,
            targets.scope,
            targets.notes,
            len(listing.parsed) + len(self.pipeline_files()),
            len(selection.skipped_archives(listing)),
            self.relative(self.config.dags_path),
        )

    def enabled(self) -> set[str]:
        """Rule ids that run (all but `[check] disable`)."""
        return {rule.ID for rule in RULES} - set(self.config.check.disable)

    def needs(self) -> set[str]:
        """What the enabled rules need done while the files load (`NEED_*` of `_base`)."""
        enabled = self.enabled()
        return {need for rule in RULES if rule.ID in enabled for need in getattr(rule, "NEEDS", ())}

    def apply_rules(self, ctx: Context, enabled: set[str]) -> list[Finding]:
        """Run each enabled rule on `ctx`; return the findings (see `findings`)."""
        raw: list[tuple] = []
        for rule in RULES:
            if rule.ID not in enabled:
                continue
            if hasattr(rule, "check_file"):
                for file in ctx.files:
                    raw.extend((rule, issue) for issue in rule.check_file(file, ctx))
            if hasattr(rule, "check_repo"):
                raw.extend((rule, issue) for issue in rule.check_repo(ctx))
        return self.findings(raw, ctx.files)

    def findings(self, raw: list[tuple], files: list[CheckedFile]) -> list[Finding]:
        """Drop suppressed issues; attach rule id, severity and the offending source line."""
        sources: dict[Path, Source] = {f.path: f.source for f in files}
        findings: list[Finding] = []
        for rule, issue in raw:
            path = Path(issue.file).resolve()
            if path not in sources:
                sources[path] = open_source(path)
            source = sources[path]
            inline_ok = getattr(rule, "SUPPRESSIBLE", True)
            if inline_ok and source.suppressed(rule.ID, issue.line):
                continue
            message, hint = issue.message, issue.hint
            if is_pipeline_file(path) and not getattr(rule, "SPEAKS_PIPELINES", False):
                message, hint = reword(rule.ID, message, hint)
            findings.append(
                Finding(
                    rule.ID,
                    rule.NAME,
                    self.config.check.severity.get(rule.ID, rule.SEVERITY),
                    message,
                    hint,
                    str(path),
                    issue.line,
                    source.line(issue.line).strip(),
                    issue.column,
                )
            )
        findings.sort(key=lambda f: (f.file, f.line or 0, f.rule))
        return findings

    def _libraries(self, files: list[Path]) -> list[str]:
        if self._graph is not None:
            names = {n for f in files for n in self._graph.external.get(f, ())}
        else:
            external = build_graph(files, self.search_paths).external
            names = {name for group in external.values() for name in group}
        return runtime.library_modules(names)

    def _other_dag_ids(self, checked: set[Path]) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for path in self.dag_files():
            if path in checked:
                continue
            for dag_id in self._quick_ids(path):
                found.setdefault(dag_id, []).append(path)
        for path in self.pipeline_files():
            if path not in checked:
                for dag_id in self._quick_ids(path):
                    found.setdefault(dag_id, []).append(path)
        return found

    def _quick_ids(self, path: Path) -> list[str]:
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return []
        cached = self._ids_cache.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        text = path.read_text(encoding="utf-8", errors="replace")
        ids = quick_pipeline_ids(text) if is_pipeline_file(path) else quick_dag_ids(text)
        self._ids_cache[path] = (stamp, ids)
        return ids

    def _base_dag_ids(self, targets: Targets) -> dict[str, Path]:
        if targets.base is None:
            return {}
        found: dict[str, Path] = {}
        for path in [*targets.changed, *targets.deleted]:
            if not path.is_relative_to(self.config.dags_path):
                continue
            text = discovery.file_at(self.config.root, targets.base, path)
            if text is None:
                continue
            for dag_id in open_source(path, text).static_dag_ids():
                found.setdefault(dag_id, path)
        return found
