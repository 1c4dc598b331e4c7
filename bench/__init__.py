"""dagyard benchmarks: run by hand or with `make bench`; results go to docs/benchmarks.md."""
