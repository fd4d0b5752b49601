"""``python -m groundswell.cli``: the ``groundswell`` command."""

from groundswell.cli import main

main()
