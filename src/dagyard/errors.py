"""The one error type of dagyard: what is wrong and where, and what to do about it.

Every area raises its own subclass (`ConfigError`, `DevError`, `DeployError`, ...), so callers
can catch one area; the command line renders all of them the same way (`cli._common.fail_with`).
"""

from __future__ import annotations


class DagyardError(Exception):
    """Something dagyard cannot do: `message` says what is wrong and where, `hint` what to do."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message)
