"""The organisation's name as typed, and the slug `dagyard init` makes from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dagyard.scaffold.org_name import SLUG_LENGTH, OrgName, default_org, org_name, slugify
from dagyard.scaffold.source import ScaffoldError

SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("acme", "acme"),
        ("Acme", "acme"),
        ("Acme Data", "acme-data"),
        ("  ACME   Data  ", "acme-data"),
        ("Acme Data, Inc.", "acme-data-inc"),
        ("acme_data.io", "acme-data-io"),
        ("Société Générale", "societe-generale"),
        ("Ørsted Data", "orsted-data"),
        ("Straße Æbeltoft", "strasse-aebeltoft"),
        ("Acme--Data", "acme-data"),
        ("3M", "3m"),
        ("Ａｃｍｅ", "acme"),  # full-width letters
    ],
)
def test_the_slug_is_made_from_what_people_type(typed, slug):
    assert org_name(typed).slug == slug
    assert SLUG.match(slug)


def test_the_display_name_is_kept_as_typed_on_one_line():
    assert org_name("  Acme   Data ") == OrgName("Acme Data", "acme-data")
    assert org_name("Acme\nData\t\x00Co\u200b") == OrgName("Acme Data Co", "acme-data-co")


def test_a_long_name_is_cut_to_a_slug_kubernetes_and_registries_take():
    slug = org_name("The " + "Very Long Name " * 10).slug
    assert len(slug) <= SLUG_LENGTH
    assert SLUG.match(slug)


@pytest.mark.parametrize("typed", ["!!!", "", "   ", "---", "\x00\n"])
def test_a_name_with_nothing_to_make_a_slug_of_is_refused_with_a_hint(typed):
    with pytest.raises(ScaffoldError) as refused:
        org_name(typed)
    assert "cannot be made into a slug" in refused.value.message
    assert repr(typed) in refused.value.message
    assert '--org "Acme Data" (slug acme-data)' in refused.value.hint


def test_a_slug_is_its_own_slug():
    for slug in ("acme", "acme-data", "a1-b2"):
        assert slugify(slug) == slug


@pytest.mark.parametrize(
    ("folder", "org"),
    [("acme-dags", "acme"), ("Acme Data DAGs", "acme-data"), ("dags", "dags"), ("!!!", "data")],
)
def test_the_default_organisation_is_the_folder_s_slug(tmp_path, folder, org):
    assert default_org(Path(tmp_path / folder)) == org
