"""What the tests share: the one whole-fixture run of a test session, Hypothesis profiles, the `slow` marker.

Hypothesis runs the `dev` profile (few examples, quick) unless ``HYPOTHESIS_PROFILE`` names another;
``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci`` (more examples). Tests marked ``slow`` (a real pre-commit
environment built with pip) are skipped by ``python -m pytest -m "not slow"`` and run in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, List

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

# The rule index (promptlint.rule_index) of this test session lives in a directory of its own, never in the
# user's cache; the subprocesses the tests start inherit it.
os.environ.setdefault("PROMPTLINT_CACHE_DIR", tempfile.mkdtemp(prefix="promptlint-tests-"))

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "dev", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def fixtures_report() -> dict:
    """One JSON run of every rule over every fixture (without the checkout's cache), shared by the session."""
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "--no-cache", "--output-format", "json"]
        + ["--select", "ALL", "fixtures"],
        cwd=str(ROOT),
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    return json.loads(result.stdout)


def fixture_diagnostics(report: dict, paths: Iterable[str], codes: Iterable[str]) -> List[dict]:
    """The diagnostics of ``codes`` in the fixture files under ``paths`` (files or folders, relative to the
    checkout), in report order: what a run with ``--select`` and those paths reports."""
    wanted = tuple(path.rstrip("/") for path in paths)
    selected = set(codes)
    return [
        d
        for d in report["diagnostics"]
        if d["code"] in selected and any(d["path"] == p or d["path"].startswith(p + "/") for p in wanted)
    ]
