"""A new DAG repository: where its dagyard comes from, and the files `dagyard init` writes."""
