"""`dagyard run`: one DAG, once, now, without the dev environment; exit code tells the outcome."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support import DAGYARD, UNREACHABLE_KUBECONFIG, free_port

pytestmark = pytest.mark.timeout(300)


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, "run", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=240,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **env},
    )


POD_DAG = """from datetime import datetime, timedelta

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("train_in_a_pod", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"retries": 2, "retry_delay": timedelta(minutes=5)}):
    KubernetesPodOperator(task_id="train", name="train", image="python:3.11") >> EmptyOperator(
        task_id="publish"
    )
"""


def set_dev_kubeconfig(project: Path, value: str | None) -> None:
    """Point `[dev] kubeconfig` of the example repository at `value` (None: no such line)."""
    toml = project / "dagyard.toml"
    line = f'kubeconfig = "{value}"\n' if value is not None else ""
    text = toml.read_text()
    assert 'kubeconfig = "~/.kube/config"\n' in text
    toml.write_text(text.replace('kubeconfig = "~/.kube/config"\n', line))


def test_a_pod_step_without_a_kubeconfig_fails_at_once_and_says_what_to_do(dag_repo, tmp_path):
    """The example pipeline retries twice, five minutes apart: it must not wait for that."""
    missing = tmp_path / "kube" / "config"
    set_dev_kubeconfig(dag_repo, str(missing))
    result = run(dag_repo, "sync_vehicle_catalog")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✘ sync_catalog failed" in result.stdout
    text = " ".join(result.stdout.split())  # as one line, however the terminal wrapped it
    assert (
        "Task `sync_catalog` starts a Kubernetes pod and cannot reach a Kubernetes cluster from "
        f"this machine: the kubeconfig {missing} does not exist; set `[dev] kubeconfig` (and "
        "`kube_context`) in dagyard.toml to a cluster you can reach" in text
    )
    assert "The task was not retried" in text
    assert "up_for_retry" not in result.stdout
    assert "sync_vehicle_catalog failed" in result.stdout


def test_a_pod_task_whose_cluster_does_not_answer_fails_at_once(dag_repo, tmp_path):
    """No `[dev] kubeconfig`: the task reads $KUBECONFIG, which names a server that is not up."""
    port = free_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG.format(port=port))
    set_dev_kubeconfig(dag_repo, None)
    (dag_repo / "dags" / "_development" / "train_in_a_pod.py").write_text(POD_DAG)
    result = run(dag_repo, "train_in_a_pod", KUBECONFIG=str(kubeconfig))
    assert result.returncode == 1, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert (
        "Task `train` starts a Kubernetes pod and cannot reach a Kubernetes cluster from this "
        f"machine: its Kubernetes API server https://127.0.0.1:{port} (context `kind-laptop`) "
        f"refused the connection (nothing listens on 127.0.0.1:{port})" in text
    )
    assert "⊘ publish upstream_failed" in result.stdout
    assert "up_for_retry" not in result.stdout


def test_a_pod_task_with_kubeconfig_naming_no_file_fails_at_once(dag_repo, tmp_path):
    set_dev_kubeconfig(dag_repo, None)
    (dag_repo / "dags" / "_development" / "train_in_a_pod.py").write_text(POD_DAG)
    missing = tmp_path / "nowhere" / "kubeconfig"
    result = run(dag_repo, "train_in_a_pod", KUBECONFIG=str(missing))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the kubeconfig {missing} does not exist" in " ".join(result.stdout.split())
    assert "up_for_retry" not in result.stdout


def test_a_task_waiting_for_its_retry_says_so_and_when(dag_repo):
    (dag_repo / "dags" / "_development" / "flaky.py").write_text(
        "from datetime import datetime, timedelta\n"
        "from airflow.sdk import dag, task\n\n"
        "@dag(dag_id='flaky', schedule=None, start_date=datetime(2024, 1, 1),\n"
        "     default_args={'retries': 1, 'retry_delay': timedelta(seconds=1)})\n"
        "def flaky():\n"
        "    @task\n"
        "    def boom():\n"
        "        raise ValueError('the source table is empty')\n"
        "    boom()\n\n"
        "flaky()\n"
    )
    result = run(dag_repo, "flaky")
    assert result.returncode == 1
    waiting = result.stdout[result.stdout.index("↻ boom up_for_retry") :]
    assert waiting.splitlines()[0].endswith(" s") and "; try 2 of 2 in " in waiting.splitlines()[0]
    assert "ValueError: the source table is empty" in waiting
    assert waiting.index("▶ boom running") < waiting.index("✘ boom failed")


def test_taskflow_dag_succeeds_and_shows_each_task_and_its_log(dag_repo):
    result = run(dag_repo, "hello_taskflow")
    assert result.returncode == 0, result.stdout + result.stderr
    for task in ("extract", "transform", "load"):
        assert f"✔ {task} success" in result.stdout
    assert "Hello from dagyard! The total is 14." in result.stdout
    assert "hello_taskflow succeeded" in result.stdout


def test_seven_task_dag_with_fan_out_succeeds(dag_repo):
    result = run(dag_repo, "daily_revenue_mart")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(7 success)" in result.stdout
    assert "revenue: 111800" in result.stdout


def test_connection_and_variable_come_from_the_local_secrets_file(dag_repo):
    result = run(dag_repo, "my_first_report")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Reading from reporting.internal.example.com into analytics.daily_report_dev" in (
        result.stdout
    )


def test_failing_task_exits_non_zero_and_shows_the_error(dag_repo):
    (dag_repo / "dags" / "_development" / "fails.py").write_text(
        "from datetime import datetime\n"
        "from airflow.sdk import dag, task\n\n"
        "@dag(dag_id='fails', schedule=None, start_date=datetime(2024, 1, 1),\n"
        "     default_args={'retries': 0})\n"
        "def fails():\n"
        "    @task\n"
        "    def boom():\n"
        "        raise ValueError('the source table is empty')\n"
        "    @task\n"
        "    def after():\n"
        "        pass\n"
        "    boom() >> after()\n\n"
        "fails()\n"
    )
    result = run(dag_repo, "fails")
    assert result.returncode == 1
    assert "✘ boom failed" in result.stdout
    assert "the source table is empty" in result.stdout
    assert "⊘ after upstream_failed" in result.stdout
    assert "fails failed" in result.stdout


def test_single_task_and_conf(dag_repo):
    result = run(dag_repo, "hello_taskflow", "--task", "extract", "--conf", '{"day": "2024-01-01"}')
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ extract success" in result.stdout
    assert "transform" not in result.stdout


def test_unknown_task_is_explained(dag_repo):
    result = run(dag_repo, "hello_taskflow", "--task", "nope")
    assert result.returncode == 1
    assert "has no task 'nope'" in result.stderr
    assert "extract, load, transform" in result.stderr


def test_unknown_dag_suggests_a_close_name(dag_repo):
    result = run(dag_repo, "hello_taskflw")
    assert result.returncode == 1
    assert "No DAG with id 'hello_taskflw'" in result.stderr
    assert "Did you mean hello_taskflow?" in result.stderr


FACTORY = """from datetime import datetime
from pathlib import Path

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

for team in ("sales", "stock"):
    with DAG(f"{team}_daily_load", schedule=None, start_date=datetime(2024, 1, 1)):
        BashOperator(task_id="load", bash_command=f"echo loading {team}")

with DAG(Path(__file__).stem, schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="named", bash_command="echo named after its file")
"""


def test_a_dag_whose_id_no_file_writes_out_is_found_by_loading(dag_repo):
    (dag_repo / "dags" / "data_mart" / "team_loads.py").write_text(FACTORY)
    result = run(dag_repo, "stock_daily_load")
    assert result.returncode == 0, result.stderr
    assert "stock_daily_load from dags/data_mart/team_loads.py" in result.stdout
    assert "loading stock" in result.stdout
    assert run(dag_repo, "team_loads").returncode == 0
    misspelt = run(dag_repo, "stock_dayly_load")
    assert misspelt.returncode == 1
    assert "Did you mean stock_daily_load" in misspelt.stderr
    (dag_repo / "dags" / "data_mart" / "team_loads.py").write_text(FACTORY + "undefined_name\n")
    broken = run(dag_repo, "stock_daily_load")
    assert broken.returncode == 1
    assert "1 file(s) did not load, so it may be in one of them: dags/data_mart/team_loads.py" in (
        broken.stderr.replace("\n", " ")
    )


def test_conf_must_be_a_json_object(dag_repo):
    assert run(dag_repo, "hello_taskflow", "--conf", "{not json").returncode == 2
    assert run(dag_repo, "hello_taskflow", "--conf", "[1, 2]").returncode == 2


def test_dag_file_that_does_not_import_is_reported(dag_repo):
    (dag_repo / "dags" / "_development" / "broken.py").write_text(
        "from airflow.sdk import DAG\nDAG(dag_id='broken_dag')\nundefined_name\n"
    )
    result = run(dag_repo, "broken_dag")
    assert result.returncode == 1
    assert "could not be imported" in result.stderr
    assert "NameError" in result.stderr


def test_nothing_is_left_running_after_the_run(dag_repo):
    import psutil

    result = run(dag_repo, "daily_revenue_mart")
    assert result.returncode == 0, result.stdout + result.stderr
    left = []
    for process in psutil.process_iter(["pid", "name"]):
        try:
            environment = process.environ()
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
            continue
        if any(str(dag_repo) in value for value in environment.values()):
            left.append((process.pid, process.info["name"]))
    assert left == []


def test_a_pipeline_runs_once_step_after_step(dag_repo):
    (dag_repo / "dags" / "_development" / "hello.pipeline.yaml").write_text(
        "pipeline: hello_pipeline\n"
        "owner: ana@example.com\n"
        "schedule: none\n"
        "start_date: 2024-01-01\n"
        "steps:\n"
        "  greet:\n"
        "    uses: bash\n"
        '    with: {command: "echo hello from a pipeline on {{ ds }}"}\n'
        "  after:\n"
        "    uses: bash\n"
        "    needs: [greet]\n"
        '    with: {command: "echo second step"}\n'
    )
    result = run(dag_repo, "hello_pipeline")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hello_pipeline from dags/_development/hello.pipeline.yaml" in result.stdout
    assert result.stdout.index("✔ greet success") < result.stdout.index("✔ after success")
    assert "hello from a pipeline on 20" in result.stdout
    assert "hello_pipeline succeeded" in result.stdout
