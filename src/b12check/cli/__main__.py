"""``python -m b12check.cli``."""

from b12check.cli.main import main

main()
