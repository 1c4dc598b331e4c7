"""Who may do what, and what stays out of code.

`rbac` is the role model built from `dagyard.toml` (no HTTP: the cluster policy loads it at every
DAG parse); `rbac_sync` applies it to FAB through Airflow's REST API, `rbac_keycloak` exports it
as a Keycloak realm and `rbac_table` writes the permission tables of docs/security.md.
`dag_links` finds ties between DAGs of different teams. `secrets` is the local secret store and
`secrets_push` sends it to GCP Secret Manager. `audit` reads who did what from Airflow's log.
"""
