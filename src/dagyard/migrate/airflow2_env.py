"""The Airflow 2 environment `dagyard migrate --verify` loads the files-as-they-were in.

It is made once with uv from `airflow2-requirements.txt` (every package pinned with its hashes),
kept in the user's cache, and never mixed with the DAG repository's own environment.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dagyard.errors import DagyardError

AIRFLOW2_VERSION = "2.10.5"
REQUIREMENTS = Path(__file__).with_name("airflow2-requirements.txt")


class Airflow2EnvError(DagyardError):
    """The Airflow 2 environment could not be made."""


def cache_root() -> Path:
    """Where dagyard keeps environments it makes for itself (shared by every project)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dagyard"


def airflow2_python(progress=None) -> Path:
    """The Python of the cached Airflow 2 environment, made first if needed."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    target = cache_root() / f"airflow-{AIRFLOW2_VERSION}-py311-{digest}"
    python = target / "bin" / "python"
    if python.exists():
        return python
    if progress:
        progress(f"making the Airflow {AIRFLOW2_VERSION} environment (once, about a minute)")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        _uv("venv", "--quiet", "--python", "3.11", str(building / "env"))
        _uv(
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "--python",
            str(building / "env" / "bin" / "python"),
            "-r",
            str(REQUIREMENTS),
        )
        os.replace(building / "env", target)
    except OSError as error:
        if not python.exists():  # else another process made it at the same time
            raise Airflow2EnvError(
                f"cannot keep the Airflow 2 environment in {target}: {error}"
            ) from error
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return python


def _uv(*arguments: str) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise Airflow2EnvError("uv is not installed; run `make install` in the DAG repository")
    result = subprocess.run([uv, *arguments], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Airflow2EnvError(
            f"uv could not make the Airflow {AIRFLOW2_VERSION} environment:\n"
            + result.stderr.strip()[-2000:],
            "--verify installs Airflow 2 from the package registry once; check that it can be "
            "reached from here, then run it again",
        )
