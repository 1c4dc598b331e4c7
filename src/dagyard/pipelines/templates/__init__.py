"""The built-in templates, one module each; `BUILT_IN` lists their classes."""

from __future__ import annotations

from dagyard.pipelines.templates.bash import Bash
from dagyard.pipelines.templates.kubernetes_pod import KubernetesPod
from dagyard.pipelines.templates.python import Python
from dagyard.pipelines.templates.sql import Sql
from dagyard.pipelines.templates.trigger import Trigger
from dagyard.pipelines.templates.wait_for import WaitFor

BUILT_IN = (Bash, Python, Sql, KubernetesPod, WaitFor, Trigger)
