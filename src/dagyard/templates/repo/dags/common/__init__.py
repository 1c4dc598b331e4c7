"""Code shared by the DAGs of this repository (import it as `common`)."""
