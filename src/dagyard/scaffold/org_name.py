"""The organisation's name as people type it, and the slug tools need, made from it.

`dagyard init --org "Acme Data"` takes the company's name as written. People read that name
(the README's title, comments, the package's description); tools read the slug made from it:
the Python package is `acme-data-dags` and `dagyard.toml` names the project `acme-data`. A slug
has lower-case letters a-z, digits and single dashes, starts and ends with a letter or digit and
has at most 63 characters, so that it is also a valid Kubernetes name, image name component and
git repository name.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from dagyard.scaffold.source import ScaffoldError

SLUG_LENGTH = 63
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


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
    """`text` as a slug: accents dropped, lower case, every run of other characters one dash.

    Empty when `text` has no letter a-z or digit, even after its accents are dropped.
    """
    latin = unicodedata.normalize("NFKD", text.lower().translate(_LATIN_LETTERS))
    ascii_text = latin.encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:SLUG_LENGTH].rstrip("-")


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
