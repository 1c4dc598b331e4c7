"""Contract: the Airflow internals dagyard._airflow.dag_importers relies on, on the
installed Airflow: the importer registry routes by extension, DagBag stores the importer's
error under the file it names, and the DAG processor lists files through
`DagFileProcessorManager._find_files_in_bundle(self, bundle)`."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

CONTRACT = """
import json, sys
from pathlib import Path
from dagyard.pipelines.airflow_importer import PipelineImporter, register
from airflow.dag_processing.dagbag import DagBag
from airflow.dag_processing.importers import get_importer_registry
from airflow.dag_processing.manager import DagFileProcessorManager

folder = Path(sys.argv[1])
register()
register()  # twice: still one importer, one wrapper
registry = get_importer_registry()
report = {
    "routed": type(registry.get_importer("a/b.pipeline.yaml")).__name__,
    "py_still_python": type(registry.get_importer("a/b.py")).__name__,
    "listed": sorted(Path(p).name for p in registry.list_dag_files(str(folder), safe_mode=True)),
}
bag = DagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="b")
report["dags"] = sorted(bag.dags)
report["errors"] = {k: v.splitlines()[0] for k, v in bag.import_errors.items()}
report["fileloc"] = bag.dags["good"].relative_fileloc


class Bundle:
    path = folder
    name = "b"


found = DagFileProcessorManager(max_runs=1)._find_files_in_bundle(Bundle)
report["processor_lists"] = sorted(str(p) for p in found)
print(json.dumps(report))
"""


def test_the_importer_registry_and_the_processor_listing_behave_as_expected(tmp_path: Path):
    folder = tmp_path / "dags"
    folder.mkdir()
    good = "pipeline: good\nowner: a@example.com\nstart_date: 2024-01-01\n"
    (folder / "good.pipeline.yaml").write_text(
        good + "steps:\n  a: {uses: bash, with: {command: echo}}\n"
    )
    (folder / "bad.pipeline.yml").write_text("pipeline: bad\nowner: a@example.com\nretries: two\n")
    (folder / "values.yaml").write_text("not: a pipeline\n")
    (folder / "dag.py").write_text("# airflow dag\n")
    (tmp_path / "dagyard.toml").write_text("")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DAGYARD_PROJECT": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", CONTRACT, str(folder)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["routed"] == "PipelineImporter"
    assert report["py_still_python"] == "PythonDagImporter"
    assert "good.pipeline.yaml" in report["listed"] and "values.yaml" not in report["listed"]
    assert report["dags"] == ["good"]
    assert report["errors"] == {"bad.pipeline.yml": "bad.pipeline.yml:1:1: 'start_date' is missing"}
    assert report["fileloc"] == "good.pipeline.yaml"
    assert {"bad.pipeline.yml", "good.pipeline.yaml", "dag.py"} <= set(report["processor_lists"])
    assert "values.yaml" not in report["processor_lists"]


def test_the_processor_listing_method_keeps_its_signature():
    from airflow.dag_processing.manager import DagFileProcessorManager

    method = DagFileProcessorManager._find_files_in_bundle
    assert list(inspect.signature(method).parameters) == ["self", "bundle"]
