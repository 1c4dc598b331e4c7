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
    "psycopg2": "psycopg2-binary",
    "snowflake": "snowflake-connector-python",
    "googleapiclient": "google-api-python-client",
    "google_auth_oauthlib": "google-auth-oauthlib",
    "opensearchpy": "opensearch-py",
    "OpenSSL": "pyopenssl",
    "attr": "attrs",
    "git": "gitpython",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "slugify": "python-slugify",
    "jose": "python-jose",
    "ldap": "python-ldap",
    "dns": "dnspython",
    "dagfactory": "dag-factory",
    "cosmos": "astronomer-cosmos",
    "dbt": "dbt-core",
    "skimage": "scikit-image",
    "fitz": "pymupdf",
    "bson": "pymongo",
    "zmq": "pyzmq",
    "serial": "pyserial",
    "MySQLdb": "mysqlclient",
}

# `google.X` modules that are not Google Cloud client libraries.
_GOOGLE_PACKAGES = {"auth": "google-auth", "oauth2": "google-auth", "protobuf": "protobuf"}


def missing_module(text: str) -> str | None:
    """The module a `ModuleNotFoundError` in `text` names (None: no such error, or a moved
    Airflow import); `airflow.providers.x` itself names a provider package not installed."""
    found = _MISSING.findall(text)
    if not found:
        return None
    module = found[-1]
    parts = module.split(".")
    if parts[:2] == ["airflow", "providers"] and len(parts) == 3:
        return module  # a provider package that is not installed
    if parts[0] == "airflow":
        return None  # a moved Airflow import, not a missing package
    return module


def package_for(module: str) -> str:
    """The package that most likely provides `module` (`google.cloud.bigquery` ->
    `google-cloud-bigquery`, `yaml` -> `pyyaml`)."""
    parts = module.split(".")
    if parts[:2] == ["airflow", "providers"] and len(parts) >= 3:
        return f"apache-airflow-providers-{parts[2].replace('_', '-')}"
    if parts[0] == "google" and len(parts) >= 3 and parts[1] == "cloud":
        return f"google-cloud-{parts[2].replace('_', '-')}"
    if parts[0] == "google" and len(parts) >= 2 and parts[1] in _GOOGLE_PACKAGES:
        return _GOOGLE_PACKAGES[parts[1]]
    return _PACKAGES.get(parts[0], parts[0].replace("_", "-").lower())


def deps_add_hint(text: str) -> str | None:
    """The fix for a missing package named in `text`, or None when it names none."""
    return deps_add_hint_for_all([text])


def deps_add_hint_for_all(texts: list[str]) -> str | None:
    """One fix for every missing package named in `texts` (`dagyard deps add a b c`), or None
    when they name none."""
    modules = list(dict.fromkeys(m for m in map(missing_module, texts) if m))
    return install_hint(modules) if modules else None


def install_hint(modules: list[str]) -> str:
    """The `dagyard deps add` that installs the packages of `modules` (at least one)."""
    packages = " ".join(dict.fromkeys(map(package_for, modules)))
    if len(modules) == 1:
        return (
            f"{modules[0]} is not installed in this repository: `dagyard deps add {packages}` "
            "declares it in pyproject.toml, locks it and installs it here (CI and the image get "
            "it too)"
        )
    return (
        f"{', '.join(modules)} are not installed in this repository: `dagyard deps add "
        f"{packages}` declares them in pyproject.toml, locks them and installs them here (CI and "
        "the image get them too)"
    )
