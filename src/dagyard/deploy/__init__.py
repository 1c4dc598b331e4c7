"""Production on Kubernetes: Helm values for the official chart, ExternalSecrets, image build file.

`render(config, env)` turns `dagyard.toml` into the files an installation needs;
`drift(config, env, folder)` says how deployed files differ from what `dagyard.toml` says now.
"""

from dagyard.deploy.render import RenderedFile, drift, render, write

__all__ = ["RenderedFile", "drift", "render", "write"]
