"""The command-line door: ``b12check assess | interview | labs | kb | serve | db | diary``.

``main`` holds the light commands; ``interview`` the terminal questionnaire; ``store`` the
database-backed ``db`` and ``diary`` groups, imported only when asked for.
"""

from b12check.cli.main import app, main

__all__ = ["app", "main"]
