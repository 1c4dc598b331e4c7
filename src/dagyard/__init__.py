"""dagyard: the platform kit for Apache Airflow 3."""
