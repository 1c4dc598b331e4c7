"""docs/rules.md, written from the rules themselves (so the page cannot drift from the code).

Regenerate with `python -m dagyard.rules._docs > docs/rules.md`; a test compares them.
"""

from __future__ import annotations

import textwrap

from dagyard.rules import RULES

SECTIONS = ("What it does", "Why it matters", "Example", "Fix")

INTRO = """# dagyard check — rules

`dagyard check` loads exactly the files Airflow's DAG processor would parse, the way Airflow
does, in sandboxed forked child processes (Airflow is imported once), then applies the rules
below. Each rule has a stable id, a default severity, a plain-language message and a fix hint.

A file that raises, loops, exits, crashes or eats memory is reported as that file's error and
the check carries on. Up to 50 files, each gets its own fork. For more files (a whole-repository
sweep), a fork loads up to 20 files in turn: between files it forgets the project modules the
file imported and puts back the environment, `sys.path`, the working directory and Airflow's
DAG context, and a file that leaves a thread running gets a fresh fork after it. A fork per
file costs about 40 ms of CPU on a 2-core machine, three times the loading itself; set
`isolation = "file"` to pay it on every sweep.

## Using the rules

- **Run**: `dagyard check` (whole repo), `dagyard check dags/team/x.py` (files; a shared module
  checks every DAG file that imports it), `dagyard check --changed [--base REF]` (changed against
  the merge base with the default branch, plus the DAG files importing changed modules),
  `dagyard check --staged` (pre-commit), `dagyard check --watch` (re-check on save; a saved
  `.airflowignore` re-checks the files it now lets Airflow parse and names the ones it now
  hides; a saved data file, such as a YAML config, re-checks the DAG files that name it). The
  last line says how many files Airflow would parse and how many were checked.
- **Output**: `--format text` (default), `json`, `github` (workflow annotations), `sarif`;
  `--output FILE` writes it to a file.
- **Exit codes**: 0 no finding at error severity; 1 at least one; 2 usage or configuration
  error, or nothing was checked (the named files are not files Airflow parses and no such file
  imports them, or Airflow would parse no file at all). `--changed` with no changed DAG file
  exits 0.
- **Explain a rule**: `dagyard check --explain DY110`; list them with `dagyard check --list-rules`.
- **Silence one finding**: put `# dagyard: ignore[DY110]` at the end of the line the finding
  points at (several ids: `ignore[DY110, DY141]`; every rule: `# dagyard: ignore`). For a whole
  file: `# dagyard: ignore-file[DY141]` on any line.
- **Configure** in `dagyard.toml`:

```toml
[check]
disable = ["DY147"]                  # rules that do not run
severity = { DY140 = "error" }       # "error" fails the check, "warning" does not
max_tasks = 100                      # DY145
max_parse_seconds = 2.0              # DY146
timeout_seconds = 30                 # a file loading longer is stopped (DY102)
memory_mb = 2048                     # memory cap per file (DY102)
jobs = 2                             # files loaded in parallel
isolation = "auto"                   # "file": a fork per file (strictest); "worker": a fork
                                     # loads up to 20 files in turn, cleaned in between (~3x
                                     # faster on 700 files); "auto": "file" up to 50 files
secrets_baseline = ".secrets.baseline"   # accepted DY130 findings
base_branch = "main"                 # default branch for --changed (else origin/HEAD, main, master)
stand_in_variables = { report_table = "analytics.daily" }
stand_in_connections = { warehouse = "postgresql://user:pass@stand-in.invalid/db" }
network_namespace = true             # also load files in a network namespace of their own
                                     # (Linux; silently skipped where the kernel refuses)
```

Owner domains come from `[owners] email_domains`, pod operators from `[kubernetes] pod_operators`,
teams and their folders from `[teams.NAME] folders`.

## Which files are checked

The files Airflow would parse, asked of Airflow itself (`airflow.utils.file.list_py_file_paths`,
as its DAG processor calls it): every `.py` file of the DAGs folder that no `.airflowignore`
excludes (`[core] dag_ignore_file_syntax` glob or regexp) and that passes Airflow's safe-mode
test (the file mentions both "airflow" and "dag" or "asset"). A file imported by other files
is still checked when Airflow parses it; a test module importing a DAG file changes nothing.
Zip archives Airflow would parse are counted but not loaded (the summary line says so).
Pipeline files (`*.pipeline.yaml`, `*.pipeline.yml`; see docs/pipelines.md) that no
`.airflowignore` excludes are checked too: dagyard's importer has the DAG processor parse them,
whatever safe mode says. With `--changed`, a changed file of the templates folder brings every
pipeline.

A file you name, or a file `--changed` finds, brings every parsed file that imports it
(directly or through other modules): a helper brings the DAG files that use it. Imports from
files Airflow does not parse (tests, scripts) do not count. A named file that is not checked
gets a line saying why: "it is not under the DAGs folder `dags/`", "an .airflowignore file in
`dags/` excludes it", "Airflow would skip it: it never mentions both 'airflow' and 'dag'", each
followed by "and no file Airflow parses imports it" or replaced by "checked the 3 DAG file(s)
that import it". When nothing at all was checked, the last line starts with
`✗ Nothing checked: Airflow would parse 5 file(s) in dags/, checked 0` and the exit code is 2.

With `--all`, a file Airflow skips in safe mode that seems to create a DAG is reported (DY103).

## The sandbox: nothing the DAG code does leaves the machine

While a file loads, the child that loads it refuses every network call Python makes
(connections, name look-ups, datagrams, server sockets) and every new program (`subprocess`,
`os.system`, `exec`, `spawn`, `fork`): the call raises an error inside the DAG code, and DY106
reports it at the deepest line of your repository on the stack, even when the code catches the
error. On Linux, where the kernel allows it (root, or unprivileged user namespaces), the child
also runs in a network namespace of its own, with no usable interface: a database driver
written in C, which opens its sockets without Python, cannot reach anything either. Without
the namespace (`network_namespace = false`, or a kernel that refuses) such a driver is not
stopped; Python-level calls always are. Variables and connections read while loading are
reported by DY107. One thing runs outside the sandbox: installed libraries that the DAG files
import (pandas, provider packages, ...) are imported once in the parent process before it forks
the loading children, so that each file costs only its own code; their own import-time code is
not sandboxed, the DAG files' code and everything it calls is.

## Variables and connections while checking (stand-ins)

A DAG file may read a variable or a connection at the top level (`Variable.get("x")`,
`BaseHook.get_connection("db")`). `dagyard check` never reaches a database or a secrets manager:
it configures Airflow with a stand-in secrets backend
(`dagyard.parsing.standins.StandInSecretsBackend`) and a scratch `AIRFLOW_HOME`. Each look-up
gets, in order: the environment variable Airflow itself reads (`AIRFLOW_VAR_X`,
`AIRFLOW_CONN_DB`); the value in `[check] stand_in_variables` / `stand_in_connections`; a
placeholder: the text `dagyard-stand-in-<key>` for a variable (`{}` when the code asks for JSON),
a `generic` connection to host `stand-in.invalid` with login and password `stand-in`. Nobody's
DAG code changes. Reading variables at the top level still makes Airflow query its database at
every parse in production: DY107 reports each such read, at the line that made it.

## Secrets baseline

`DY130` findings you accept (a test fixture, a public key) are recorded, as hashes only, in the
detect-secrets baseline file `.secrets.baseline`: run `dagyard check --all --update-baseline` and
commit the file. A line may also carry detect-secrets' own marker `# pragma: allowlist secret`.

## The rules
"""


def _sections(doc: str) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current = None
    for line in textwrap.dedent("\n".join(doc.splitlines()[1:])).splitlines():
        if line.strip() in SECTIONS:
            current = line.strip()
            found[current] = []
        elif current:
            found[current].append(line)
    return {name: textwrap.dedent("\n".join(lines)).strip() for name, lines in found.items()}


def _prose(text: str) -> str:
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.splitlines()]
        if lines and lines[0].startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line)
                else:
                    items[-1] += " " + line
            paragraphs.append("\n".join(items))
        else:
            paragraphs.append(" ".join(lines))
    return "\n\n".join(paragraphs)


def rules_markdown() -> str:
    """The whole docs/rules.md page."""
    out = [INTRO, "| id | name | default severity | what |", "|---|---|---|---|"]
    out += [f"| [{r.ID}](#{r.ID.lower()}) | {r.NAME} | {r.SEVERITY} | {r.SUMMARY} |" for r in RULES]
    for rule in RULES:
        doc = (rule.__doc__ or "").strip()
        title = doc.splitlines()[0].split(": ", 1)[1]
        out += ["", f"### {rule.ID}", "", f"**{rule.NAME}** ({rule.SEVERITY}): {title}"]
        for name, text in _sections(doc).items():
            code = name == "Example" or (name == "Fix" and not text.rstrip().endswith("."))
            body = f"```python\n{text}\n```" if code else _prose(text)
            out += ["", f"*{name}*", "", body]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(rules_markdown(), end="")
