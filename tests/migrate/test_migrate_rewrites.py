"""`dagyard migrate`'s rewrites, one idiom at a time, on source text (no Airflow 2 needed)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from dagyard.migrate.engine import migrate_python, migrate_template
from dagyard.migrate.findings import find_leftovers
from dagyard.migrate.templates import rewrite_template

TODAY = dt.date(2026, 12, 1)


def migrated(code: str) -> str:
    result = migrate_python(code, Path("dag.py"), today=TODAY)
    assert result.error is None
    return result.after


def test_old_operator_paths_move_to_the_airflow3_providers_and_old_imports_go():
    code = migrated(
        "from airflow.operators.bash_operator import BashOperator\n"
        "from airflow.operators.dummy_operator import DummyOperator\n"
        "from airflow.contrib.sensors.file_sensor import FileSensor\n"
        "from airflow.sensors.external_task_sensor import ExternalTaskSensor\n"
        "tasks = [BashOperator, DummyOperator, FileSensor, ExternalTaskSensor]\n"
    )
    assert "from airflow.providers.standard.operators.bash import BashOperator" in code
    assert "from airflow.providers.standard.operators.empty import EmptyOperator" in code
    assert "from airflow.providers.standard.sensors.filesystem import FileSensor" in code
    assert "from airflow.providers.standard.sensors.external_task import ExternalTaskSensor" in code
    assert "tasks = [BashOperator, EmptyOperator, FileSensor, ExternalTaskSensor]" in code
    assert "_operator" not in code and "contrib" not in code and "DummyOperator" not in code


def test_dataset_import_made_dead_by_ruff_is_removed_but_an_unused_import_of_the_user_stays():
    code = migrated(
        "import os\nfrom airflow.datasets import Dataset\nOUT = Dataset('s3://bucket/out')\n"
    )
    assert "airflow.datasets" not in code
    assert "from airflow.sdk import Asset" in code
    assert code.startswith("import os\n")


def test_schedule_interval_days_ago_and_provide_context():
    code = migrated(
        "from airflow import DAG\n"
        "from airflow.utils.dates import days_ago\n"
        "from airflow.operators.python import PythonOperator\n"
        "with DAG('d', schedule_interval='@daily', start_date=days_ago(2)) as dag:\n"
        "    PythonOperator(\n"
        "        task_id='t',\n"
        "        python_callable=print,\n"
        "        provide_context=True,\n"
        "    )\n"
    )
    assert "schedule='@daily'" in code
    assert 'start_date=pendulum.datetime(2026, 11, 29, tz="UTC")' in code
    assert "import pendulum" in code and "days_ago" not in code
    assert "provide_context" not in code
    assert "        python_callable=print,\n    )" in code  # the author's layout is kept


def test_templates_and_context_keys_with_the_same_meaning_are_replaced():
    code = migrated(
        "from airflow.operators.bash import BashOperator\n"
        "def f(**context):\n"
        "    return context['execution_date']\n"
        "BashOperator(task_id='a', bash_command='x {{ execution_date }} {{ next_ds }} "
        "{{ yesterday_ds_nodash }} {{ dag_run.execution_date }} {{ params.execution_date }}')\n"
    )
    assert "context['logical_date']" in code
    assert "{{ logical_date }}" in code
    assert "{{ data_interval_end | ds }}" in code
    assert '{{ macros.ds_format(macros.ds_add(ds, -1), "%Y-%m-%d", "%Y%m%d") }}' in code
    assert "{{ dag_run.logical_date }}" in code
    assert "{{ params.execution_date }}" in code  # a user's own param keeps its name


def test_formatting_outside_changed_lines_is_kept_byte_for_byte():
    original = (
        "# -*- coding: utf-8 -*-\n"
        "from airflow.operators.bash_operator import BashOperator  # the shell\n"
        "\n\n"
        "X = {  'odd':   1 ,\n"
        "       'spacing': 2}\n"
        "t = BashOperator(task_id = 'a' , bash_command = 'echo hi')\n"
    )
    code = migrated(original)
    kept = [line for line in original.splitlines() if "import" not in line]
    for line in kept:
        assert line in code.splitlines()


def test_a_file_that_does_not_parse_is_left_alone_with_its_line():
    result = migrate_python("def broken(:\n    pass\n", Path("broken.py"))
    assert result.after == result.before and not result.changed
    assert "line 1" in result.error and "left untouched" in result.error


def test_what_cannot_be_fixed_is_reported_with_its_line_and_advice():
    findings = find_leftovers(
        "from airflow import settings\n"
        "from airflow.models import Variable\n"
        "from airflow.operators.subdag import SubDagOperator\n"
        "TABLE = Variable.get('table')\n"
        "def clean(**context):\n"
        "    session = settings.Session()\n"
        "    session.query(1).delete()\n"
        "    return context['prev_ds']\n"
        "def report(execution_date, **kwargs):\n"
        "    pass\n"
        "op = SubDagOperator(task_id='s', subdag=None, sla=None)\n"
    )
    by_code = {(f.code, f.line) for f in findings}
    assert ("DYM04", 4) in by_code  # Variable.get at module level
    assert ("DYM01", 6) in by_code and ("DYM01", 7) in by_code  # the ORM
    assert ("DYM05", 8) in by_code  # prev_ds has no replacement
    assert ("DYM05", 9) in by_code  # a parameter named execution_date
    assert ("DYM02", 3) in by_code and ("DYM02", 11) in by_code  # SubDAG
    assert ("DYM03", 11) in by_code  # sla=
    assert all(f.hint for f in findings)


def test_an_import_airflow3_lacks_is_found_with_where_the_name_lives_now():
    result = migrate_python(
        "from airflow.utils.weekday import WeekDay\nDAY = WeekDay.MONDAY\n", Path("d.py")
    )
    (finding,) = [f for f in result.findings if f.code == "DYM06"]
    assert finding.line == 1 and "WeekDay" in finding.message
    assert "airflow.providers.standard.utils.weekday" in finding.hint


def test_an_old_name_airflow3_still_imports_as_an_alias_is_not_reported_missing():
    # a fresh interpreter: in this one another test may have created the alias already
    code = (
        "from airflow.utils import timezone\nfrom airflow.utils.task_group import TaskGroup\n"
        "from airflow.utils import no_such_helper\n"
    )
    script = (
        "import sys\nfrom dagyard.migrate.importable import missing_airflow_imports\n"
        "print([f.message for f in missing_airflow_imports(sys.argv[1])])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['Airflow 3 has no `no_such_helper` in `airflow.utils`']"


def test_a_missing_provider_a_removed_name_and_the_internal_api_each_get_their_own_advice():
    code = (
        "from airflow.providers.no_such_cloud.hooks.store import StoreHook\n"
        "from airflow.models import SlaMiss\n"
        "from airflow.api.common.experimental.trigger_dag import trigger_dag\n"
    )
    by_line = {f.line: f for f in migrate_python(code, Path("d.py")).findings if f.code == "DYM06"}
    assert "provider package apache-airflow-providers-no-such-cloud" in by_line[1].message
    assert "`dagyard deps add apache-airflow-providers-no-such-cloud`" in by_line[1].hint
    assert "deadline alert" in by_line[2].hint
    assert "TriggerDagRunOperator" in by_line[3].hint and "/api/v2/dags/" in by_line[3].hint


def test_template_files_are_rewritten_and_removed_variables_reported():
    result = migrate_template("echo {{ execution_date }}\necho {{ prev_ds }}\n", Path("x.sh"))
    assert result.after.startswith("echo {{ logical_date }}")
    assert [(f.code, f.line) for f in result.findings] == [("DYM05", 2)]


def test_finding_lines_map_back_to_the_file_as_it_was():
    result = migrate_python(
        "from airflow.utils.dates import days_ago\n"
        "from airflow.models import Variable\n"
        "\n"
        "X = days_ago(1)\n"
        "TABLE = Variable.get('t')\n",
        Path("d.py"),
    )
    (finding,) = [f for f in result.findings if f.code == "DYM04"]
    assert result.original_line(finding.line) == 5


def test_jinja_statement_and_nested_expressions():
    text = rewrite_template("{% if execution_date %}{{ macros.ds_add(next_ds, 1) }}{% endif %}")
    assert text.text == (
        "{% if logical_date %}{{ macros.ds_add((data_interval_end | ds), 1) }}{% endif %}"
    )


def test_a_note_about_many_dags_names_a_few_and_counts_the_rest():
    from dagyard.cli.migrate import _some_of

    names = [f"pipeline_{n}" for n in range(700)]
    assert _some_of(names[:3]) == "pipeline_0, pipeline_1, pipeline_2"
    assert _some_of(names).endswith("pipeline_4 and 695 more DAGs")
