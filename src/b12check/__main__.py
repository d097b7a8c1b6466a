"""``python -m b12check``: the same as the ``b12check`` command."""

from b12check.cli import main

main()
