"""The local runtime behind `dagyard dev`: supervisor, watcher, database template."""
