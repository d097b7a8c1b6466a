"""The command-line door: ``b12check assess | interview | labs | kb | serve | db | diary |
synth | screen``.

``main`` holds the light commands; ``interview`` the terminal questionnaire; ``db`` and ``diary``
the database-backed groups, imported only when asked for; ``screening`` the population screening
(its engines imported only when it runs).
"""

from b12check.cli.main import app, main

__all__ = ["app", "main"]
