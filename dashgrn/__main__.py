"""``python -m dashgrn``: the same as the ``dashgrn`` command."""

from dashgrn.cli import main

main()
