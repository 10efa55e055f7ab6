"""Allows ``python -m seedwalk``, the same as the ``seedwalk`` command."""

from seedwalk.cli import main

main()
