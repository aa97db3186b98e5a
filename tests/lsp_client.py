"""A small language-server client for the tests: starts ``promptlint server`` as an editor does and speaks
JSON-RPC to it over its stdin and stdout (Content-Length framing).

It keeps every notification it receives, answers the server's requests (registering a capability,
applying an edit to its own copy of the document) and applies edits itself, counting positions in
UTF-16 code units as editors do. Waits are bounded so that a broken server fails a test instead of
hanging it; no test measures time.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

WAIT = 60.0  # seconds before a missing answer fails the test


class ServerGone(AssertionError):
    pass


def utf16_offset(text: str, line: int, character: int) -> int:
    """The index in ``text`` of an LSP position (lines split at \\n, \\r\\n, \\r; UTF-16 columns)."""
    index = 0
    for _ in range(line):
        breaks = [i for i in (text.find("\n", index), text.find("\r", index)) if i >= 0]
        if not breaks:
            return len(text)
        index = min(breaks)
        index += 2 if text.startswith("\r\n", index) else 1
    units = 0
    while index < len(text) and units < character and text[index] not in "\r\n":
        units += 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


def apply_text_edits(text: str, edits: List[dict]) -> str:
    spans = sorted(
        (
            utf16_offset(text, e["range"]["start"]["line"], e["range"]["start"]["character"]),
            utf16_offset(text, e["range"]["end"]["line"], e["range"]["end"]["character"]),
            e["newText"],
        )
        for e in edits
    )
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


class Client:
    def __init__(self, cwd: Path, env: Optional[Dict[str, str]] = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "promptlint", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.next_id = 0
        self.responses: Dict[int, queue.Queue[dict]] = {}
        self.notifications: queue.Queue[dict] = queue.Queue()
        self.seen: List[dict] = []
        self.documents: Dict[str, dict] = {}  # uri -> {"text", "version"}
        self.applied: List[dict] = []  # workspace/applyEdit params received
        self.registrations: List[dict] = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # --- wire ----------------------------------------------------------------------------------------

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self.notifications.put({"method": "$gone"})
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            message = json.loads(stream.read(int(headers["content-length"])))
            if "id" in message and "method" in message:
                self._answer(message)
            elif "id" in message:
                with self.lock:
                    box = self.responses.setdefault(message["id"], queue.Queue())
                box.put(message)
            else:
                self.notifications.put(message)

    def _answer(self, request: dict) -> None:
        method, params = request["method"], request.get("params")
        result: Any = None
        if method == "workspace/applyEdit":
            self.applied.append(params)
            self.apply_workspace_edit(params["edit"])
            result = {"applied": True}
        elif method == "client/registerCapability":
            self.registrations.extend(params["registrations"])
        self._send({"id": request["id"], "result": result})

    # --- requests and notifications ----------------------------------------------------------------

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        number = self.next_id
        with self.lock:
            box = self.responses.setdefault(number, queue.Queue())
        self._send({"id": number, "method": method, "params": params})
        try:
            message = box.get(timeout=WAIT)
        except queue.Empty:
            raise ServerGone(f"no answer to {method}: {self.stderr_so_far()}") from None
        if "error" in message:
            raise AssertionError(f"{method} failed: {message['error']}")
        return message["result"]

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_for(self, accept: Callable[[dict], bool]) -> dict:
        """The first notification (received before or from now) that ``accept`` takes."""
        for message in self.seen:
            if accept(message):
                self.seen.remove(message)
                return message
        while True:
            try:
                message = self.notifications.get(timeout=WAIT)
            except queue.Empty:
                raise ServerGone(f"no such notification: {self.stderr_so_far()}") from None
            if message.get("method") == "$gone":
                raise ServerGone(f"the server exited: {self.stderr_so_far()}")
            if accept(message):
                return message
            self.seen.append(message)

    def diagnostics(self, uri: str, version: Optional[int]) -> List[dict]:
        """The diagnostics the server publishes for ``uri`` at ``version`` (None: without a version)."""
        message = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            )
        )
        return message["params"]["diagnostics"]

    def log_messages(self) -> List[str]:
        self.drain()
        return [m["params"]["message"] for m in self.seen if m.get("method") == "window/logMessage"]

    def drain(self) -> None:
        while True:
            try:
                self.seen.append(self.notifications.get_nowait())
            except queue.Empty:
                return

    def stderr_so_far(self) -> str:
        if self.process.poll() is None:
            return "(server still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")[-2000:]

    # --- an editor's life -------------------------------------------------------------------------------

    def initialize(self, root: Path, capabilities: Optional[dict] = None) -> dict:
        caps = capabilities or {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {
                "applyEdit": True,
                "workspaceEdit": {"documentChanges": True},
                "didChangeWatchedFiles": {"dynamicRegistration": True},
                "workspaceFolders": True,
            },
            "textDocument": {
                "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}},
                "hover": {"contentFormat": ["markdown"]},
            },
        }
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": caps,
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.documents[uri] = {"text": text, "version": version}
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )
        return uri

    def change(self, uri: str, text: str) -> int:
        document = self.documents[uri]
        document["version"] += 1
        document["text"] = text
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": document["version"]},
                "contentChanges": [{"text": text}],
            },
        )
        return document["version"]

    def save(self, uri: str) -> None:
        self.notify("textDocument/didSave", {"textDocument": {"uri": uri}})

    def apply_workspace_edit(self, edit: dict) -> None:
        """Apply an edit as an editor does: refused whole if a document's version has moved on."""
        if "documentChanges" in edit:
            for change in edit["documentChanges"]:
                uri, version = change["textDocument"]["uri"], change["textDocument"]["version"]
                if version is not None and version != self.documents[uri]["version"]:
                    raise AssertionError(f"edit for version {version} of a document at {self.documents[uri]}")
            for change in edit["documentChanges"]:
                self._edit(change["textDocument"]["uri"], change["edits"])
        for uri, edits in (edit.get("changes") or {}).items():
            self._edit(uri, edits)

    def _edit(self, uri: str, edits: List[dict]) -> None:
        document = self.documents[uri]
        document["text"] = apply_text_edits(document["text"], edits)

    def code_actions(
        self,
        uri: str,
        start: tuple,
        end: tuple,
        only: Optional[List[str]] = None,
        diagnostics: Optional[List[dict]] = None,
    ) -> List[dict]:
        context: Dict[str, Any] = {"diagnostics": diagnostics or []}
        if only is not None:
            context["only"] = only
        return self.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {
                    "start": {"line": start[0], "character": start[1]},
                    "end": {"line": end[0], "character": end[1]},
                },
                "context": context,
            },
        )

    def close(self) -> int:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            return self.process.wait(timeout=WAIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
