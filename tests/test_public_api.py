"""What DAG code may import from `dagyard` is exactly the documented public names."""

from __future__ import annotations

import pytest

import dagyard


def test_the_public_names_are_the_documented_ones():
    from dagyard import Resources, Template, TemplateConfig, with_resources
    from dagyard.pipelines.template import Template as TemplateHome
    from dagyard.quantities import Resources as ResourcesHome
    from dagyard.resources import with_resources as with_resources_home

    assert dir(dagyard) == ["Resources", "Template", "TemplateConfig", "with_resources"]
    assert Resources is ResourcesHome and Template is TemplateHome
    assert with_resources is with_resources_home and TemplateConfig is not None


def test_anything_else_is_not_there():
    with pytest.raises(AttributeError):
        dagyard.load_config  # noqa: B018
