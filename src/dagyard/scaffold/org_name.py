"""The organisation's name as people type it, and the slug tools need, made from it.

`dagyard init --org "Acme Data"` takes the company's name as written. People read that name
(the README's title, comments, the package's description); tools read the slug made from it:
the Python package is `acme-data-dags` and `dagyard.toml` names the project `acme-data`. A slug
has lower-case letters a-z, digits and single dashes, starts and ends with a letter or digit and
has at most 63 characters, so that it is also a valid Kubernetes name, image name component and
git repository name. `python-slugify` makes it, transliterating other scripts ("Ørsted" ->
"orsted", "Société Générale" -> "societe-generale").
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import NamedTuple

from dagyard.scaffold.source import ScaffoldError

SLUG_LENGTH = 63


class OrgName(NamedTuple):
    """An organisation's `display` name (for people) and its `slug` (for tools)."""

    display: str
    slug: str


def _printable(text: str) -> str:
    """`text` on one line: control and format characters dropped, white space made one space."""
    kept = "".join(" " if char.isspace() else char for char in text)
    kept = "".join(char for char in kept if not unicodedata.category(char).startswith("C"))
    return " ".join(kept.split())


def slugify(text: str) -> str:
    """`text` as a slug: transliterated to Latin letters, lower case, every run of other
    characters one dash, at most 63 characters (empty when nothing of it is a letter or digit)."""
    from slugify import slugify as python_slugify

    return python_slugify(text, max_length=SLUG_LENGTH, word_boundary=True)


def org_name(typed: str) -> OrgName:
    """The organisation `typed` (e.g. "Acme Data") with its slug ("acme-data").

    Raises ScaffoldError when nothing of it can make a slug (e.g. "!!!").
    """
    display = _printable(typed)
    slug = slugify(display)
    if not slug:
        raise ScaffoldError(
            f"the organisation name {typed!r} cannot be made into a slug (the short name of "
            "the package and of the project in dagyard.toml): it has no letter a-z or digit",
            'give the name with at least one letter or digit, for example --org "Acme Data" '
            "(slug acme-data), or the slug itself, for example --org acme",
        )
    return OrgName(display, slug)


def default_org(directory: Path) -> str:
    """The organisation suggested for a new repository in `directory`: its folder's slug.

    A trailing `-dags` is dropped (`acme-dags` -> `acme`); "data" when nothing is left.
    """
    slug = slugify(directory.resolve().name)
    return slug.removesuffix("-dags") or "data"
