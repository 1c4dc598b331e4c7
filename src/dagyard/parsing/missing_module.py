"""A DAG file that imports a package the repository does not have: which one, and the fix.

`ModuleNotFoundError: No module named 'humanize'` becomes the hint `dagyard deps add humanize`,
the one command that declares, locks and installs it for everyone (laptops, CI, the image).
"""

from __future__ import annotations

import re

_MISSING = re.compile(r"ModuleNotFoundError: No module named '(?P<module>[^']+)'")

# Import names whose package on the index is named otherwise (the common ones).
_PACKAGES = {
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "pyjwt",
    "Crypto": "pycryptodome",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "snowflake": "snowflake-connector-python",
}


def missing_module(text: str) -> str | None:
    """The module a `ModuleNotFoundError` in `text` names (None: no such error, or Airflow's)."""
    found = _MISSING.findall(text)
    if not found:
        return None
    module = found[-1]
    if module.split(".")[0] == "airflow":
        return None  # a moved Airflow import, not a missing package
    return module


def package_for(module: str) -> str:
    """The package that most likely provides `module` (`google.cloud.bigquery` ->
    `google-cloud-bigquery`, `yaml` -> `pyyaml`)."""
    parts = module.split(".")
    if parts[0] == "google" and len(parts) >= 3 and parts[1] == "cloud":
        return f"google-cloud-{parts[2].replace('_', '-')}"
    return _PACKAGES.get(parts[0], parts[0].replace("_", "-").lower())


def deps_add_hint(text: str) -> str | None:
    """The fix for a missing package named in `text`, or None when it names none."""
    module = missing_module(text)
    if module is None:
        return None
    package = package_for(module)
    return (
        f"{module} is not installed in this repository: `dagyard deps add {package}` declares "
        "it in pyproject.toml, locks it and installs it here (CI and the image get it too)"
    )
