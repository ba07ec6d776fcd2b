"""The command line builds only the subcommand it runs (start-up matters for one-line commands)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from textkit.cli import COMMANDS, build_parser

PROBE = """
import sys
from textkit.cli import main
try:
    main([{command!r}, "--help"])
except SystemExit:
    pass
print(sorted(m for m in ("sklearn", "matplotlib") if m in sys.modules))
"""


@pytest.mark.parametrize("command", ["ingest", "prepare", "run"])
def test_a_subcommand_does_not_load_what_it_does_not_use(command):
    done = subprocess.run([sys.executable, "-c", PROBE.format(command=command)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_full_parser_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    shown = capsys.readouterr().out
    assert all(name in shown for name in COMMANDS)
