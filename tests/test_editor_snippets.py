"""The README's editor and agent snippets: each parses in its own language and starts ``promptlint server``
(or ``promptlint mcp``); the Neovim ones are run in a real Neovim, headless, when one of 0.10 or later is
on the PATH (they need ``vim.fs.root`` and ``vim.lsp.config``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EDITORS = README.split("\n## Editors\n", 1)[1].split("\n## pre-commit\n", 1)[0]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib


def blocks(language: str) -> List[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", EDITORS, flags=re.MULTILINE | re.DOTALL)


def test_the_json_snippets_start_the_servers() -> None:
    vscode, zed, agents = (json.loads(block) for block in blocks("json"))
    assert (vscode["glspc.server.command"], vscode["glspc.server.commandArguments"]) == (
        "promptlint",
        ["server"],
    )
    assert vscode["glspc.server.languageId"] == ["python"]
    assert zed["languages"]["Python"]["language_servers"][0] == "promptlint"
    assert agents["mcpServers"]["promptlint"] == {"command": "promptlint", "args": ["mcp"]}


def test_the_toml_snippets_start_the_server() -> None:
    helix, zed_extension = (tomllib.loads(block) for block in blocks("toml"))
    assert helix["language-server"]["promptlint"] == {"command": "promptlint", "args": ["server"]}
    assert helix["language"] == [{"name": "python", "language-servers": ["pylsp", "promptlint"]}]
    assert zed_extension["language_servers"]["promptlint"]["languages"] == ["Python"]
    [rust] = blocks("rust")
    assert 'worktree.which("promptlint")' in rust and 'args: vec!["server".into()]' in rust


def _neovim() -> str:
    found = shutil.which("nvim")
    if found is None:
        pytest.skip("no nvim on the PATH")
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout.split()[1]
    if tuple(int(part) for part in re.findall(r"\d+", version)[:2]) < (0, 11):
        pytest.skip(f"Neovim {version}: the snippets need 0.10 (vim.fs.root) and 0.11 (vim.lsp.config)")
    if shutil.which("promptlint") is None:
        pytest.skip("no promptlint on the PATH")
    return found


CHECK = """
function Check(out)
  vim.wait(60000, function() return #vim.diagnostic.get(0) >= 1 end, 100)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(found, { d.lnum, d.col, d.code, d.source })
  end
  local before = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\\n")
  vim.lsp.buf.code_action({ context = { only = { "source.fixAll.promptlint" } }, apply = true })
  vim.wait(60000, function()
    return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\\n") ~= before
  end, 100)
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\\n")
  vim.fn.writefile({ vim.json.encode({ diagnostics = found, text = text }) }, out)
  vim.cmd("qa!")
end
"""

APP = (
    "from openai import OpenAI\n\nclient = OpenAI()\n"
    'r = client.chat.completions.create(messages=[{"role": "user", "content": "😀"}], model="gpt-5-mini",'
    " max_tokens=500)\n"
)


@pytest.mark.parametrize("which", [0, 1], ids=["vim.lsp.start", "vim.lsp.config"])
def test_the_neovim_snippets_in_a_real_neovim(tmp_path: Path, which: int) -> None:
    nvim = _neovim()
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\n")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "init.lua").write_text(blocks("lua")[which] + CHECK, encoding="utf-8")
    out = tmp_path / "out.json"
    subprocess.run(
        [nvim, "--headless", "-u", "init.lua", "app.py", "-c", f"lua Check('{out}')"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    # Neovim counts columns in bytes: `max_tokens` starts 100 characters in, after a 4-byte 😀.
    assert result["diagnostics"] == [[3, 103, "LLM204", "promptlint"]]
    assert result["text"] == APP.replace("max_tokens", "max_completion_tokens").rstrip("\n")
