"""dagyard's wheel carries every file of the package: code, the repository template, the
monitoring files; nothing of the example repository or the tests."""

from __future__ import annotations

import subprocess
import zipfile

from support import REPO

UV = str(REPO / ".tools" / "bin" / "uv")


def test_the_wheel_holds_every_package_file_and_nothing_else(tmp_path):
    subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("dagyard-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "src"
    expected = {
        path.relative_to(package).as_posix()
        for path in (package / "dagyard").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected <= names, sorted(expected - names)
    assert "dagyard/templates/repo/dot-github/workflows/dags-ci.yml" in names
    assert "dagyard/templates/repo/pyproject.toml.tmpl" in names
    assert "dagyard/deploy/monitoring/grafana_dashboard.json" in names
    stray = [n for n in names if n.startswith("dagyard/") and n not in expected]
    assert stray == []
