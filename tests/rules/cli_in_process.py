"""The command line run in this process (no interpreter start-up per case), with a subprocess's interface."""

from __future__ import annotations

import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from promptlint.cli import main


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``promptlint *args`` in ``cwd``: its exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
