"""Files dagyard ships as package data: the template of a new DAG repository (`repo/`)."""
