"""Benchmark promptlint against the builtin ``ast`` and ruff on two pinned corpora of real code.

Usage (from anywhere; needs network access to PyPI the first time)::

    python benchmarks/run.py                   # all corpora, best of 3
    python benchmarks/run.py --only-baselines  # ast and ruff only
    python benchmarks/run.py --corpus mixed --repeat 5 --json-out /tmp/bench.json
    python benchmarks/run.py --inventory       # per-package file and line counts, no timing

The corpora are built from sdists pinned by version and sha256 below, downloaded once with ``pip download``
into ``benchmarks/.corpora/sdists`` and extracted under ``benchmarks/.corpora/<corpus>/<name>-<version>/``.
Stdlib only, Python 3.9+.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List, Optional, Sequence, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CORPORA_DIR = BENCH_DIR / ".corpora"
SDIST_DIR = CORPORA_DIR / "sdists"
STAGING_DIR = CORPORA_DIR / ".staging"


@dataclass(frozen=True)
class Sdist:
    """One pinned source distribution: what to ask pip for and what the file must hash to."""

    name: str
    version: str
    filename: str
    sha256: str
    why: str

    @property
    def dirname(self) -> str:
        """Directory the sdist is extracted to inside its corpus."""
        return f"{self.name}-{self.version}"


# Pinned on 2026-11-28 from `pip download --no-deps --no-binary :all: NAME==VERSION`. To change a pin:
# download the new sdist once, record its file name and sha256 here, and update benchmarks/README.md.
CORPORA: Dict[str, Tuple[Sdist, ...]] = {
    # A large codebase where almost nothing talks to an LLM: the prefilter should make promptlint cheap.
    "mixed": (
        Sdist(
            "django",
            "5.2.19",
            "django-5.2.19.tar.gz",
            "ad03d8abc51dbff95ebf34b27123cf0c26a3b62db7ba0cd520783686362533d1",
            "web framework, with its test suite",
        ),
        Sdist(
            "sphinx",
            "9.2.0",
            "sphinx-9.2.0.tar.gz",
            "90470459f3cab15d9dfed146c71cf77694b0445df17b2e0e69059cb9f7fc9ee4",
            "docs generator; its test roots hold deliberately invalid Python",
        ),
        Sdist(
            "chatblade",
            "0.7.0",
            "chatblade-0.7.0.tar.gz",
            "bfa5f96aa02b869df76e6f0910b0c2528c44de7b2f95ae08de7d192cb30c7892",
            "CLI: `import openai`, `client.chat.completions.create`",
        ),
        Sdist(
            "git-ai-commit",
            "1.0.13",
            "git_ai_commit-1.0.13.tar.gz",
            "b1f4be5b05cbbd60f733c19405e55920d4a650028449327969c6a59a5a1b52c6",
            "CLI: `self.client.chat.completions.create` and `self.client.messages.create`",
        ),
        Sdist(
            "anthropic-cli",
            "0.2.3",
            "anthropic-cli-0.2.3.tar.gz",
            "c0a255caf8a83d71e9047b7ab250c7ee996a0cb23766475025a56b2aa5e0a515",
            "CLI: `Anthropic()`, `client.messages.create`",
        ),
    ),
    # Libraries and apps built around the SDKs: a large share of files reaches libcst.
    "llm-heavy": (
        Sdist(
            "openai-agents",
            "0.24.0",
            "openai_agents-0.24.0.tar.gz",
            "4b4b285f4fed81fdf1b4ac426a9101658d9cd29b4fb1aaeee18f639b77e704e3",
            "agents SDK on `openai`; tests and examples import it throughout",
        ),
        Sdist(
            "langchain-openai",
            "1.7.4",
            "langchain_openai-1.7.4.tar.gz",
            "8fd90e41588526d990f32262447adf8e130d7ce28ed66cefa315e64cc9dd12ce",
            "LangChain's OpenAI integration",
        ),
        Sdist(
            "langchain-anthropic",
            "1.7.10",
            "langchain_anthropic-1.7.10.tar.gz",
            "72869686960b3d6665f99e7c91c9f6dd4a1d9ccf73d23edd8702eb603cc2e498",
            "LangChain's Anthropic integration",
        ),
        Sdist(
            "llama-index-llms-openai",
            "0.8.3",
            "llama_index_llms_openai-0.8.3.tar.gz",
            "a27c174fb8670209581513cb592291508043f10b5afea5198454501921808ba6",
            "`chat.completions.create` / `responses.create`",
        ),
        Sdist(
            "llama-index-llms-anthropic",
            "0.12.3",
            "llama_index_llms_anthropic-0.12.3.tar.gz",
            "3f4d389bd97ccd706c7064687ba425d6fe2b3a1d26b9b16c3cb879cc314e0276",
            "`self._client.messages.create`",
        ),
        Sdist(
            "instructor",
            "1.6.4",
            "instructor-1.6.4.tar.gz",
            "0ab379dc098a236dcd9dea52137364026876986fc046920800183884cc457ebb",
            "structured outputs over many SDKs (later sdists are ~70 MB)",
        ),
        Sdist(
            "magentic",
            "0.41.1",
            "magentic-0.41.1.tar.gz",
            "91e9fde3455c53891d43301cc15ca6dfd5bb5670a1e9ebb173c0ec880187fbad",
            "OpenAI and Anthropic chat models",
        ),
        Sdist(
            "llm",
            "0.36",
            "llm-0.36.tar.gz",
            "e59ad30875a99be2eea0c880543b1ebfe40eea24ae55d4008eb1e12c77964626",
            "CLI/library; OpenAI plugin with many direct calls",
        ),
        Sdist(
            "llm-anthropic",
            "0.30",
            "llm_anthropic-0.30.tar.gz",
            "40a3f94f76d393f0101d3aac649000944396b5c8ce4dfd4b36df54e4418c63d0",
            "`llm` plugin on `anthropic`",
        ),
        Sdist(
            "aider-chat",
            "0.86.2",
            "aider_chat-0.86.2.tar.gz",
            "f38a9d322f5609f0c13af82d50c6a11170185b3fdf26956e4a7e89ba19819159",
            "coding agent; calls `litellm.completion`",
        ),
        Sdist(
            "claudette",
            "0.3.15",
            "claudette-0.3.15.tar.gz",
            "e5b582b4e28779600d5d3d65059166a9c480f17c082ee3cfd2c9f4b30f411ff7",
            "thin `anthropic` wrapper",
        ),
    ),
}


def _pinned(corpus: str, name: str) -> Sdist:
    """A pin of another corpus, reused as it is."""
    return next(sdist for sdist in CORPORA[corpus] if sdist.name == name)


# A large codebase with two real LLM applications inside: the prefilter keeps Django and Sphinx away from
# libcst, while aider and shell-gpt (clients, wrappers, loops, prompt files) are parsed and analysed.
CORPORA["mixed-apps"] = (
    _pinned("mixed", "django"),
    _pinned("mixed", "sphinx"),
    _pinned("llm-heavy", "aider-chat"),
    Sdist(
        "shell-gpt",
        "1.5.1",
        "shell_gpt-1.5.1.tar.gz",
        "1c528f960b1c515c882eec351ba3ac78ba6f306cece9cbe554d3ad350c8b5bfe",
        "CLI app: a module-level alias of `client.chat.completions.create` or `litellm.completion`",
    ),
)

# Written into each corpus directory: an empty promptlint configuration that is nearer to every corpus file than
# the repository's own pyproject.toml, whose [tool.promptlint] excludes `benchmarks` and `tests`.
CORPUS_PYPROJECT = (
    "# Written by benchmarks/run.py. An empty promptlint configuration, so that the repository's own\n"
    "# [tool.promptlint] (which excludes benchmarks/ and tests/) does not apply to the corpus.\n"
    "[tool.promptlint]\n"
)

# Informational only (the --inventory column): files with an import statement of a common LLM SDK.
SDK_IMPORT = re.compile(rb"^[ \t]*(?:import|from)[ \t]+(?:openai|anthropic|litellm)\b", re.MULTILINE)

TRACEBACK_MARK = "Traceback (most recent call last)"


class BenchError(Exception):
    """A setup problem that stops the benchmark (download, hash, extraction)."""


# --------------------------------------------------------------------------------------------- corpora


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_sdist(sdist: Sdist) -> Path:
    """Return the verified sdist, downloading it with pip unless it is already cached."""
    path = SDIST_DIR / sdist.filename
    if not path.is_file():
        SDIST_DIR.mkdir(parents=True, exist_ok=True)
        # --ignore-requires-python: the corpus is only read, so the running interpreter's version must not
        # decide which pinned sdist pip is allowed to fetch (Django 5.2 requires 3.10, for instance).
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--ignore-requires-python",
            "--disable-pip-version-check",
            "--quiet",
            f"{sdist.name}=={sdist.version}",
            "-d",
            str(SDIST_DIR),
        ]
        print(f"  downloading {sdist.name}=={sdist.version} ...", flush=True)
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BenchError(
                f"pip download {sdist.name}=={sdist.version} failed (exit {proc.returncode}):\n"
                + proc.stderr[-3000:]
            )
        if not path.is_file():
            got = ", ".join(sorted(p.name for p in SDIST_DIR.iterdir())) or "nothing"
            raise BenchError(
                f"pip did not produce {path.name} for {sdist.name}=={sdist.version} (found: {got})"
            )
    actual = sha256_of(path)
    if actual != sdist.sha256:
        raise BenchError(
            f"sha256 mismatch for {path}:\n  expected {sdist.sha256}\n  actual   {actual}\n"
            "Delete the file to download it again, or update the pin in benchmarks/run.py if the change is intended."
        )
    return path


def _safe_relative(name: str) -> Optional[PurePosixPath]:
    """Member path without the sdist's top directory, or None when empty or escaping the target."""
    parts = PurePosixPath(name.replace("\\", "/")).parts[1:]
    if not parts or any(p in ("..", "") for p in parts) or parts[0].startswith("/"):
        return None
    return PurePosixPath(*parts)


def extract_sdist(archive: Path, target: Path) -> None:
    """Extract regular files of ``archive`` into ``target``, dropping the top directory; atomic via rename."""
    STAGING_DIR.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + "-", dir=STAGING_DIR))
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    rel = _safe_relative(info.filename)
                    if rel is None or info.is_dir():
                        continue
                    dest = staging.joinpath(*rel.parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, dest.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
        else:
            with tarfile.open(archive, "r:*") as tf:
                for member in tf:
                    rel = _safe_relative(member.name)
                    if rel is None or not member.isfile():  # skips links, devices and directories
                        continue
                    dest = staging.joinpath(*rel.parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    src = tf.extractfile(member)
                    if src is None:
                        continue
                    with src, dest.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def prepare_corpus(name: str) -> Path:
    """Download, verify and extract every sdist of corpus ``name``; drop stale packages; return its directory."""
    corpus_dir = CORPORA_DIR / name
    corpus_dir.mkdir(parents=True, exist_ok=True)
    wanted = {s.dirname for s in CORPORA[name]}
    for entry in corpus_dir.iterdir():
        if entry.is_dir() and entry.name not in wanted:
            print(f"  removing stale {entry.relative_to(REPO_ROOT)}", flush=True)
            shutil.rmtree(entry)
    for sdist in CORPORA[name]:
        archive = fetch_sdist(sdist)
        target = corpus_dir / sdist.dirname
        if not target.is_dir():
            print(f"  extracting {archive.name} -> {target.relative_to(REPO_ROOT)}", flush=True)
            extract_sdist(archive, target)
    (corpus_dir / "pyproject.toml").write_text(CORPUS_PYPROJECT, encoding="utf-8")
    return corpus_dir


def python_files(root: Path) -> List[Path]:
    """Every ``*.py`` file under ``root`` (sorted, symlinks not followed)."""
    found: List[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        found.extend(Path(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return found


def count_lines(data: bytes) -> int:
    """Physical lines, counting a last line without a newline."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


@dataclass
class Inventory:
    """File, line and SDK-import counts of a tree."""

    files: int = 0
    lines: int = 0
    sdk_files: int = 0


def inventory(root: Path) -> Inventory:
    """Count ``.py`` files, their lines, and files with an SDK import statement (also warms the file cache)."""
    inv = Inventory()
    for path in python_files(root):
        data = path.read_bytes()
        inv.files += 1
        inv.lines += count_lines(data)
        if SDK_IMPORT.search(data):
            inv.sdk_files += 1
    return inv


# --------------------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One finished child process."""

    seconds: float
    returncode: int
    maxrss_kib: Optional[int]
    stdout: str
    stderr: str


# Runs one measured command in a small fresh interpreter (-I -S: no site, nothing of this script imported), so
# that the command's peak RSS, read with getrusage(RUSAGE_CHILDREN) once it has exited, is neither the
# benchmark's own memory (inherited at fork) nor that of earlier runs. Prints {seconds, returncode, maxrss_kib}.
LAUNCHER = """
import json, subprocess, sys, time
out_path, err_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    start = time.perf_counter()
    try:
        code = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    except OSError as exc:
        err.write(("cannot run %r: %s" % (cmd[0], exc)).encode())
        code = 127
    seconds = time.perf_counter() - start
try:
    import resource
except ImportError:
    rss = None
else:
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rss = rss // 1024 if sys.platform == "darwin" else rss
print(json.dumps({"seconds": seconds, "returncode": code, "maxrss_kib": rss}))
"""


def run_measured(cmd: Sequence[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> Run:
    """Run ``cmd`` through ``LAUNCHER``: wall time by perf_counter around the command alone, and peak RSS.

    The RSS is the largest of the command's process and its reaped worker processes (per process, not
    summed), floored by the launcher's own ~10 MiB.
    """
    with tempfile.TemporaryDirectory(prefix="promptlint-bench-") as tmp:
        out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, str(out_path), str(err_path), *cmd],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise BenchError(f"the measuring launcher failed (exit {proc.returncode}):\n{tail(proc.stderr)}")
        data = json.loads(proc.stdout)
        return Run(
            seconds=data["seconds"],
            returncode=data["returncode"],
            maxrss_kib=data["maxrss_kib"],
            stdout=out_path.read_bytes().decode("utf-8", "replace"),
            stderr=err_path.read_bytes().decode("utf-8", "replace"),
        )


def ast_worker(root: Path) -> None:
    """Child-process body: walk, read and ``ast.parse`` every ``.py`` file under ``root``; print JSON."""
    warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes would otherwise flood stderr
    failed: List[str] = []
    files = lines = 0
    start = time.perf_counter()
    for path in python_files(root):
        data = path.read_bytes()
        files += 1
        lines += count_lines(data)
        try:
            ast.parse(data, filename=str(path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            failed.append(str(path.relative_to(root)))
    seconds = time.perf_counter() - start
    json.dump({"seconds": seconds, "files": files, "lines": lines, "failed": failed}, sys.stdout)


@dataclass
class ToolResult:
    """Best-of-N outcome of one tool on one corpus."""

    seconds: Optional[float] = None
    maxrss_kib: Optional[int] = None
    note: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)

    def record(self, seconds: float, maxrss: Optional[int]) -> None:
        """Keep the fastest time and the highest peak RSS."""
        self.seconds = seconds if self.seconds is None else min(self.seconds, seconds)
        if maxrss is not None:
            self.maxrss_kib = maxrss if self.maxrss_kib is None else max(self.maxrss_kib, maxrss)


def measure_ast(root: Path, repeat: int, failures: List[str]) -> ToolResult:
    """Best of ``repeat`` fresh single-process ``ast.parse`` passes (time measured inside the child)."""
    result = ToolResult()
    for _ in range(repeat):
        run = run_measured(
            [sys.executable, str(Path(__file__).resolve()), "--ast-worker", str(root)], cwd=root
        )
        if run.returncode != 0:
            failures.append(f"ast worker on {root.name} exited {run.returncode}:\n{tail(run.stderr)}")
            result.note = "failed"
            return result
        data = json.loads(run.stdout)
        result.record(data["seconds"], run.maxrss_kib)
        result.extra = {"files": data["files"], "lines": data["lines"], "failed": data["failed"]}
    return result


def find_ruff(explicit: Optional[str]) -> Optional[str]:
    """The ruff executable: ``--ruff`` (must exist), then PATH, then next to this interpreter."""
    if explicit:
        resolved = shutil.which(explicit)
        if resolved is None:
            raise BenchError(f"--ruff {explicit}: no such executable")
        return resolved
    on_path = shutil.which("ruff")
    if on_path:
        return on_path
    exe = "ruff.exe" if os.name == "nt" else "ruff"
    beside = Path(sys.executable).parent / exe
    return str(beside) if beside.is_file() else None


def tool_version(cmd: Sequence[str]) -> str:
    """First line of ``cmd --version``-style output, or '?'."""
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if proc.returncode == 0 and text else "?"


def measure_ruff(ruff: str, root: Path, repeat: int, failures: List[str]) -> ToolResult:
    """Best of ``repeat`` runs of ``ruff check --isolated --select E,F`` on the corpus."""
    result = ToolResult()
    cmd = [ruff, "check", "--no-cache", "--isolated", "--select", "E,F", "--exit-zero", "--quiet", str(root)]
    for _ in range(repeat):
        run = run_measured(cmd, cwd=root)
        if run.returncode != 0:
            failures.append(f"ruff on {root.name} exited {run.returncode}:\n{tail(run.stderr)}")
            result.note = "failed"
            return result
        result.record(run.seconds, run.maxrss_kib)
    return result


def promptlint_env() -> Dict[str, str]:
    """Environment for the promptlint child: this checkout first on the import path, no colour."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["NO_COLOR"] = "1"
    # An installed package has its bytecode compiled (pip does it at install): let the first, untimed run
    # write it, rather than timing the compilation of every module on each run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("FORCE_COLOR", None)
    return env


def promptlint_help() -> Tuple[Optional[str], str]:
    """Text of ``promptlint check --help`` (None when the command is unavailable) and the failure output."""
    proc = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "--help"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
        env=promptlint_env(),
        timeout=120,
    )
    if proc.returncode != 0:
        return None, (proc.stderr or proc.stdout)
    return proc.stdout, ""


def promptlint_command(root: Path, help_text: str, cache: bool = False) -> List[str]:
    """The promptlint invocation, with optional flags only when ``--help`` lists them."""
    cmd = [sys.executable, "-m", "promptlint", "check", str(root), "--output-format", "json", "--exit-zero"]
    if "--no-cache" in help_text and not cache:
        cmd.append("--no-cache")
    if "--config" in help_text:
        cmd += ["--config", str(root / "pyproject.toml")]
    return cmd


def check_promptlint_run(run: Run, corpus: str) -> Tuple[List[str], Optional[Dict[str, Any]]]:
    """Problems with one promptlint run (exit code, traceback, unparsable output, reported errors)."""
    problems: List[str] = []
    if run.returncode != 0:
        problems.append(f"promptlint on {corpus} exited {run.returncode} (expected 0 with --exit-zero)")
    if TRACEBACK_MARK in run.stderr:
        problems.append(f"promptlint on {corpus} printed a Python traceback on stderr")
    report: Optional[Dict[str, Any]] = None
    try:
        parsed = json.loads(run.stdout)
        if isinstance(parsed, dict):
            report = parsed
        else:
            problems.append(f"promptlint on {corpus}: JSON output is not an object")
    except ValueError as exc:
        problems.append(
            f"promptlint on {corpus}: stdout is not JSON ({exc}); first bytes: {run.stdout[:200]!r}"
        )
    if report is not None:
        errors = report.get("errors") or []
        if errors:
            lines = [f"promptlint on {corpus} reported {len(errors)} error(s):"]
            for err in errors:
                if isinstance(err, dict):
                    lines.append(f"    {err.get('path', '?')}: {err.get('reason', err)}")
                else:
                    lines.append(f"    {err}")
            problems.append("\n".join(lines))
        for key in ("diagnostics", "summary"):
            if key not in report:
                problems.append(f"promptlint on {corpus}: JSON output has no {key!r} key")
    if problems and run.stderr.strip():
        problems[-1] += f"\n    stderr (tail):\n{tail(run.stderr)}"
    return problems, report


def measure_promptlint(
    root: Path, help_text: str, repeat: int, expected_files: int, failures: List[str], cache: bool = False
) -> ToolResult:
    """Best of ``repeat`` runs of ``promptlint check`` as a subprocess; stops at the first failing run.

    With ``cache``, the result cache is emptied, filled by one untimed run, and the timed runs are warm.
    Also fails when the summary's ``files_checked`` (if present) is under half the corpus's ``.py`` files.
    """
    result = ToolResult()
    cmd = promptlint_command(root, help_text, cache)
    result.extra["command"] = " ".join(cmd)
    counts: List[int] = []
    if cache:
        shutil.rmtree(root / ".promptlint_cache", ignore_errors=True)
        result.extra["cold_output"] = run_measured(cmd, cwd=root, env=promptlint_env()).stdout
    for _ in range(repeat):
        run = run_measured(cmd, cwd=root, env=promptlint_env())
        result.extra["output"] = run.stdout
        problems, report = check_promptlint_run(run, root.name)
        if problems:
            failures.extend(problems)
            result.note = "failed"
            return result
        assert report is not None
        result.record(run.seconds, run.maxrss_kib)
        counts.append(len(report.get("diagnostics") or []))
        result.extra["diagnostics"] = counts[-1]
        result.extra["errors"] = len(report.get("errors") or [])
        result.extra["summary"] = report.get("summary")
    if len(set(counts)) > 1:
        result.note = f"diagnostic counts differ between runs: {counts}"
    summary = result.extra.get("summary")
    checked = summary.get("files_checked") if isinstance(summary, dict) else None
    if isinstance(checked, int) and checked != expected_files:
        message = f"promptlint checked {checked:,} files of the {expected_files:,} .py files in {root.name}"
        if checked < expected_files / 2:  # the corpus was mostly excluded: the timing would mean nothing
            failures.append(message + "; is the corpus excluded by configuration or a .gitignore?")
        else:
            result.note = message
    return result


@dataclass(frozen=True)
class ShortCase:
    """One short invocation, as a pre-commit hook or an editor makes it, on named files of the mixed corpus."""

    key: str
    label: str
    files: Tuple[str, ...]  # relative to the corpus root, which is the working directory
    target_ms: float
    exit_code: int  # what the run must exit with
    shows: str  # what its stdout must contain
    options: Tuple[str, ...] = ()
    color: bool = False  # FORCE_COLOR=1: rich's styled output, as on a terminal


_PLAIN = (  # Django modules: no LLM SDK import, so the prefilter turns them away
    "django-5.2.19/django/utils/text.py",
    "django-5.2.19/django/utils/html.py",
    "django-5.2.19/django/db/models/query.py",
    "django-5.2.19/django/forms/forms.py",
    "django-5.2.19/django/urls/base.py",
)
SHORT_CASES = (
    ShortCase("hook_1", "pre-commit, 1 file without LLM code", _PLAIN[:1], 40, 0, "All checks passed"),
    ShortCase("hook_5", "pre-commit, 5 files without LLM code", _PLAIN, 45, 0, "All checks passed"),
    # A hook sees changed files, which the result cache cannot know: --no-cache.
    ShortCase(
        "llm_clean",
        "1 file with LLM calls, no findings",
        ("chatblade-0.7.0/chatblade/chat.py",),
        250,
        0,
        "All checks passed",
        ("--no-cache",),
    ),
    ShortCase(
        "llm_findings",
        "1 file with LLM calls, findings, rich output",
        ("git-ai-commit-1.0.13/ai_commit_msg/services/openai_service.py",),
        350,
        1,
        "LLM201",
        ("--no-cache",),
        color=True,
    ),
)


def measure_short(root: Path, rounds: int, failures: List[str]) -> Dict[str, Dict[str, Any]]:
    """Each ``SHORT_CASES`` command ``rounds`` times, the cases alternating (so that a busy moment of the
    machine slows them alike), after one untimed run each (which writes bytecode and the rule index).
    Milliseconds: the best and the median run."""
    results: Dict[str, Dict[str, Any]] = {}
    times: Dict[str, List[float]] = {case.key: [] for case in SHORT_CASES}
    for attempt in range(rounds + 1):
        for case in SHORT_CASES:
            if case.key in results:
                continue
            cmd = [sys.executable, "-m", "promptlint", "check", "--force-exclude", *case.options, *case.files]
            env = promptlint_env()
            if case.color:
                env.pop("NO_COLOR", None)
                env["FORCE_COLOR"] = "1"
            run = run_measured(cmd, cwd=root, env=env)
            problem = None
            if run.returncode != case.exit_code or TRACEBACK_MARK in run.stderr:
                problem = f"exited {run.returncode}, expected {case.exit_code}"
            elif case.shows not in run.stdout or (case.color and "\x1b[" not in run.stdout):
                problem = f"printed {run.stdout[:300]!r}"
            if problem is not None:
                failures.append(f"{case.label}: {' '.join(cmd)} {problem}:\n{tail(run.stderr)}")
                results[case.key] = {"label": case.label, "failed": True}
                continue
            if attempt:
                times[case.key].append(run.seconds * 1000)
    for case in SHORT_CASES:
        if case.key in results:
            continue
        ms = sorted(times[case.key])
        results[case.key] = {
            "label": case.label,
            "files": list(case.files),
            "best_ms": ms[0],
            "median_ms": ms[len(ms) // 2],
            "target_ms": case.target_ms,
        }
    return results


def small_tree(root: Path) -> List[Path]:
    """The llm-heavy corpus without openai-agents: about 400 files of LLM libraries and apps."""
    return [root / sdist.dirname for sdist in CORPORA["llm-heavy"] if sdist.name != "openai-agents"]


def measure_jobs(root: Path, repeat: int, failures: List[str]) -> Dict[str, Any]:
    """A cold run on a small tree with the default worker count and with ``--jobs 1``, alternating; best
    of ``repeat`` each. The outputs must be identical."""
    paths = [str(path) for path in small_tree(root)]
    base = [sys.executable, "-m", "promptlint", "check", *paths, "--output-format", "json", "--exit-zero"]
    base += ["--no-cache", "--config", str(root / "pyproject.toml")]
    best: Dict[str, float] = {}
    outputs: Dict[str, str] = {}
    for _ in range(repeat):
        for label, extra in (("default", []), ("jobs_1", ["--jobs", "1"])):
            run = run_measured(base + extra, cwd=root, env=promptlint_env())
            if run.returncode != 0 or TRACEBACK_MARK in run.stderr:
                failures.append(f"small tree, {label}: exited {run.returncode}:\n{tail(run.stderr)}")
                return {}
            outputs[label] = run.stdout
            best[label] = min(best.get(label, run.seconds), run.seconds)
    if outputs["default"] != outputs["jobs_1"]:
        failures.append("small tree: the output with the default worker count differs from --jobs 1")
    files = sum(1 for path in small_tree(root) for _ in python_files(path))
    return {"files": files, "default_s": best["default"], "jobs_1_s": best["jobs_1"]}


def tail(text: str, lines: int = 40) -> str:
    """Last ``lines`` lines of ``text``, indented."""
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


# --------------------------------------------------------------------------------------------- reporting


def fmt_s(value: Optional[float]) -> str:
    """Seconds with three decimals, or '-'."""
    return "-" if value is None else f"{value:.3f}"


def fmt_ratio(num: Optional[float], den: Optional[float]) -> str:
    """``num/den`` as '12.3x', or '-'."""
    return "-" if num is None or not den else f"{num / den:.1f}x"


def fmt_int(value: Optional[float]) -> str:
    """Integer with thousands separators, or '-'."""
    return "-" if value is None else f"{value:,.0f}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Left-aligned first column, right-aligned others."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells))


def print_inventory(names: Sequence[str]) -> None:
    """Markdown table of every package of the given corpora: version, sdist size, files, lines, SDK files."""
    print(
        "| corpus | package | version | sdist MB | .py files | lines | files importing openai/anthropic/litellm |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for name in names:
        root = CORPORA_DIR / name
        total = Inventory()
        size = 0
        for sdist in CORPORA[name]:
            inv = inventory(root / sdist.dirname)
            mb = (SDIST_DIR / sdist.filename).stat().st_size
            size += mb
            total.files += inv.files
            total.lines += inv.lines
            total.sdk_files += inv.sdk_files
            print(
                f"| {name} | {sdist.name} | {sdist.version} | {mb / 1e6:.2f} | {inv.files:,} | {inv.lines:,} "
                f"| {inv.sdk_files:,} |"
            )
        print(
            f"| **{name}** | **total** | | **{size / 1e6:.2f}** | **{total.files:,}** | **{total.lines:,}** "
            f"| **{total.sdk_files:,}** |"
        )


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best is kept (default 3)")
    parser.add_argument(
        "--corpus", action="append", choices=sorted(CORPORA), help="corpus to run (repeatable; default all)"
    )
    parser.add_argument(
        "--only-baselines", action="store_true", help="time ast and ruff only, not promptlint"
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="download and extract the corpora, then stop"
    )
    parser.add_argument(
        "--inventory", action="store_true", help="print per-package counts as Markdown, no timing"
    )
    parser.add_argument("--ruff", help="ruff executable (default: PATH, then next to this Python)")
    parser.add_argument("--no-ruff", action="store_true", help="skip ruff even when it is installed")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--short-rounds", type=int, default=15, help="runs of each short invocation (default 15)"
    )
    parser.add_argument(
        "--only-short",
        action="store_true",
        help="time only the short invocations (and the small tree's worker counts), not whole corpora",
    )
    parser.add_argument("--ast-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the corpora, time the tools, print the table; 1 on any failure."""
    args = parse_args(argv)
    if args.ast_worker is not None:
        ast_worker(args.ast_worker)
        return 0
    names: List[str] = args.corpus or list(CORPORA)

    try:
        roots = {}
        for name in names:
            print(f"corpus {name}: preparing", flush=True)
            roots[name] = prepare_corpus(name)
    except BenchError as exc:
        print(f"\nFAILED while preparing the corpora:\n{exc}", file=sys.stderr)
        return 1
    if args.prepare_only:
        return 0
    if args.inventory:
        print_inventory(names)
        return 0

    help_text: Optional[str] = None
    if not args.only_baselines:
        help_text, why = promptlint_help()
        if help_text is None:
            print(
                "\nFAILED: `python -m promptlint check --help` does not run "
                "(use --only-baselines to time ast and ruff alone):\n" + tail(why),
                file=sys.stderr,
            )
            return 1
    try:
        ruff = None if args.no_ruff else find_ruff(args.ruff)
    except BenchError as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    bench = Bench(
        repeat=args.repeat,
        ruff=ruff,
        ruff_missing="skipped (--no-ruff)" if args.no_ruff else "not installed",
        help_text=help_text,
        short_rounds=args.short_rounds,
    )
    if args.only_short:
        if help_text is None or "mixed" not in roots or "llm-heavy" not in roots:
            print(
                "\nFAILED: --only-short needs promptlint and the mixed and llm-heavy corpora", file=sys.stderr
            )
            return 1
        bench.measure_short(roots["mixed"])
        bench.measure_jobs(roots["llm-heavy"])
        names = []
    for name in names:
        try:
            bench.measure_corpus(name, roots[name])
        except BenchError as exc:
            bench.failures.append(f"{name}: {exc}")
            break
    bench.report(args.json_out)
    if bench.failures:
        print(f"\nFAILED ({len(bench.failures)} problem(s)):", file=sys.stderr)
        for problem in bench.failures:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


@dataclass
class Bench:
    """Settings of one benchmark session, the results per corpus and the failures met so far."""

    repeat: int
    ruff: Optional[str]
    ruff_missing: str
    help_text: Optional[str]
    results: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)
    short_rounds: int = 15
    short: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    jobs: Dict[str, Any] = field(default_factory=dict)

    def measure_corpus(self, name: str, root: Path) -> None:
        """Time ast, ruff and (unless ``--only-baselines``) promptlint on one corpus, printing as it goes."""
        inv = inventory(root)  # also brings every file into the page cache before the first timed run
        print(f"\ncorpus {name}: {inv.files:,} .py files, {inv.lines:,} lines ({root})", flush=True)
        ast_res = measure_ast(root, self.repeat, self.failures)
        print(f"  ast.parse   {fmt_s(ast_res.seconds)} s", flush=True)
        failed = ast_res.extra.get("failed") or []
        if failed:
            print(f"              {len(failed)} file(s) do not parse (still timed), e.g. {failed[0]}")
        ruff_res = ToolResult(note=self.ruff_missing)
        if self.ruff:
            ruff_res = measure_ruff(self.ruff, root, self.repeat, self.failures)
            print(f"  ruff        {fmt_s(ruff_res.seconds)} s", flush=True)
        else:
            print(f"  ruff: {self.ruff_missing}")
        pl_res = ToolResult(note="skipped (--only-baselines)")
        if self.help_text is not None:
            pl_res = measure_promptlint(root, self.help_text, self.repeat, inv.files, self.failures)
            rss = "" if pl_res.maxrss_kib is None else f"  peak RSS {pl_res.maxrss_kib / 1024:.0f} MiB"
            print(f"  promptlint  {fmt_s(pl_res.seconds)} s{rss}  {pl_res.note}".rstrip(), flush=True)
            summary = pl_res.extra.get("summary")
            if summary:
                print(f"              summary: {json.dumps(summary, sort_keys=True)[:400]}")
            warm_res = measure_promptlint(
                root, self.help_text, self.repeat, inv.files, self.failures, cache=True
            )
            print(f"  promptlint  {fmt_s(warm_res.seconds)} s warm cache", flush=True)
            for label, other in (
                ("cold-cache", warm_res.extra.get("cold_output")),
                ("warm-cache", warm_res.extra.get("output")),
            ):
                if other is not None and other != pl_res.extra.get("output"):
                    self.failures.append(
                        f"promptlint on {name}: {label} output differs from the --no-cache output"
                    )
            if name == "mixed":
                self.measure_short(root)
            if name == "llm-heavy":
                self.measure_jobs(root)
            for res in (pl_res, warm_res):
                res.extra.pop("output", None)
                res.extra.pop("cold_output", None)
            self.results.setdefault(name, {})["promptlint_warm"] = dict(warm_res.__dict__)
        self.results[name] = {
            **self.results.get(name, {}),
            "files": inv.files,
            "lines": inv.lines,
            "sdk_import_files": inv.sdk_files,
            "ast": dict(ast_res.__dict__),
            "ruff": dict(ruff_res.__dict__),
            "promptlint": dict(pl_res.__dict__),
        }

    def measure_short(self, root: Path) -> None:
        """The short runs (``SHORT_CASES``), printed as they are known."""
        self.short = measure_short(root, self.short_rounds, self.failures)
        for result in self.short.values():
            if not result.get("failed"):
                print(
                    f"  {result['label']}: best {result['best_ms']:.0f} ms, median {result['median_ms']:.0f} ms "
                    f"of {self.short_rounds}",
                    flush=True,
                )

    def measure_jobs(self, root: Path) -> None:
        """The small tree with the default worker count and with ``--jobs 1``."""
        self.jobs = measure_jobs(root, self.repeat, self.failures)
        if self.jobs:
            print(
                f"  small tree ({self.jobs['files']:,} files): default jobs {fmt_s(self.jobs['default_s'])} s, "
                f"--jobs 1 {fmt_s(self.jobs['jobs_1_s'])} s",
                flush=True,
            )

    def targets(self) -> List[Tuple[str, str, Optional[bool]]]:
        """(target, measured, met) for every target of the speed issue that this run measured."""
        rows: List[Tuple[str, str, Optional[bool]]] = []
        for result in self.short.values():
            if result.get("failed"):
                continue
            rows.append(
                (
                    f"{result['label']}: at most {result['target_ms']:.0f} ms",
                    f"{result['best_ms']:.0f} ms best, {result['median_ms']:.0f} ms median",
                    result["best_ms"] <= result["target_ms"],
                )
            )

        def ratio(corpus: str, tool: str, other: str, limit: float, label: str) -> None:
            r = self.results.get(corpus)
            mine = (r or {}).get(tool, {}).get("seconds")
            theirs = (r or {}).get(other, {}).get("seconds")
            if mine and theirs:
                rows.append(
                    (
                        f"{corpus}, {label}: at most {limit:g}x `{other}`",
                        f"{mine:.2f} s vs {theirs:.2f} s ({mine / theirs:.2f}x)",
                        mine <= limit * theirs,
                    )
                )

        ratio("llm-heavy", "promptlint", "ast", 1.5, "cold")
        ratio("mixed-apps", "promptlint", "ruff", 2.0, "cold")
        for corpus in self.results:
            ratio(corpus, "promptlint_warm", "ruff", 0.33, "warm")
        if self.jobs:
            default, single = self.jobs["default_s"], self.jobs["jobs_1_s"]
            rows.append(
                (
                    f"small tree ({self.jobs['files']:,} files): default jobs not slower than `--jobs 1`",
                    f"{default:.2f} s vs {single:.2f} s ({default / single:.2f}x)",
                    default <= single,
                )
            )
        return rows

    def report(self, json_out: Optional[Path]) -> None:
        """Print the compact table and the machine line; write the JSON file when asked."""
        headers = [
            "corpus",
            "files",
            "lines",
            "ast s",
            "ruff s",
            "promptlint s",
            "warm s",
            "pl/ast",
            "pl/ruff",
            "warm/ruff",
            "pl files/s",
            "pl lines/s",
            "pl RSS MiB",
            "diagnostics",
            "errors",
        ]
        rows = []
        for name, r in self.results.items():
            pl, a, rf = r["promptlint"], r["ast"], r["ruff"]
            warm = r.get("promptlint_warm") or {"seconds": None, "note": ""}
            pls = pl["seconds"]
            rss = pl["maxrss_kib"]
            rows.append(
                [
                    name,
                    fmt_int(r["files"]),
                    fmt_int(r["lines"]),
                    cell_s(a),
                    cell_s(rf) if self.ruff else "n/a",
                    cell_s(pl),
                    cell_s(warm),
                    fmt_ratio(pls, a["seconds"]),
                    fmt_ratio(pls, rf["seconds"]),
                    fmt_ratio(warm["seconds"], rf["seconds"]),
                    fmt_int(r["files"] / pls) if pls else "-",
                    fmt_int(r["lines"] / pls) if pls else "-",
                    "-" if rss is None else f"{rss / 1024:.0f}",
                    fmt_int(pl["extra"].get("diagnostics")),
                    fmt_int(pl["extra"].get("errors")),
                ]
            )
        if rows:
            print()
            print_table(headers, rows)
        ruff_version = tool_version([self.ruff, "--version"]) if self.ruff else self.ruff_missing
        machine = (
            f"cores: {os.cpu_count()}  python: {platform.python_implementation()} {platform.python_version()}  "
            f"ruff: {ruff_version}  best of {self.repeat}  {platform.platform()}"
        )
        print(machine)
        targets = self.targets()
        if targets:
            print("\n| target | measured | met |\n| --- | --- | --- |")
            for target, measured, met in targets:
                print(f"| {target} | {measured} | {'yes' if met else 'no'} |")
        if json_out:
            payload = {
                "machine": machine,
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "ruff": ruff_version,
                "repeat": self.repeat,
                "corpora": self.results,
                "failures": self.failures,
                "short": self.short,
                "small_tree_jobs": self.jobs,
                "targets": [{"target": t, "measured": m, "met": ok} for t, m, ok in targets],
            }
            json_out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


def cell_s(result: Dict[str, Any]) -> str:
    """Table cell for a tool's best time: seconds, or FAILED."""
    return "FAILED" if result["note"] == "failed" else fmt_s(result["seconds"])


if __name__ == "__main__":
    sys.exit(main())
