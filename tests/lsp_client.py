"""A minimal LSP client over a subprocess's stdin/stdout (raw JSON-RPC framing), for the
language server's tests and its latency benchmark."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from typing import Any, Callable, Dict, List, Optional


class LspError(Exception):
    pass


class LspClient:
    def __init__(self, args: List[str], cwd=None, env=None):
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd, env=env)
        self.condition = threading.Condition()
        self.notifications: List[dict] = []   # in order of arrival
        self.received_at: List[float] = []    # perf_counter() of each notification
        self.responses: Dict[int, dict] = {}
        self.server_requests: List[dict] = []
        self.stderr: List[bytes] = []
        self.closed = False
        self._next_id = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- transport --------------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                message = json.loads(stream.read(length))
                now = time.perf_counter()
                if "id" in message and "method" in message:  # a request from the server
                    self.server_requests.append(message)
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                    continue
                with self.condition:
                    if "id" in message:
                        self.responses[message["id"]] = message
                    else:
                        self.notifications.append(message)
                        self.received_at.append(now)
                    self.condition.notify_all()
        finally:
            with self.condition:
                self.closed = True
                self.condition.notify_all()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        with self._lock:
            assert self.process.stdin is not None
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    # -- messages ---------------------------------------------------------------------------
    def request(self, method: str, params: Any = None, timeout: float = 60) -> Any:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self.condition:
            while ident not in self.responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    raise LspError(f"no response to {method}; stderr: {self.error_text()}")
                self.condition.wait(remaining)
            response = self.responses.pop(ident)
        if "error" in response:
            raise LspError(f"{method}: {response['error']}")
        return response.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def mark(self) -> int:
        """The number of notifications received so far (to wait for later ones)."""
        with self.condition:
            return len(self.notifications)

    def wait_for(self, predicate: Callable[[dict], bool], after: int = 0,
                 timeout: float = 60) -> dict:
        """The first notification from index `after` on that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        index = after
        with self.condition:
            while True:
                while index < len(self.notifications):
                    if predicate(self.notifications[index]):
                        return self.notifications[index]
                    index += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    raise LspError(f"no such notification; stderr: {self.error_text()}")
                self.condition.wait(remaining)

    def diagnostics(self, uri: str, after: int = 0, timeout: float = 60) -> List[dict]:
        message = self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri, after, timeout)
        return message["params"]["diagnostics"]

    def logs(self) -> List[str]:
        with self.condition:
            return [m["params"]["message"] for m in self.notifications
                    if m.get("method") == "window/logMessage"]

    def error_text(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-4000:]

    # -- life -------------------------------------------------------------------------------
    def initialize(self, root_uri: Optional[str] = None, options: Any = None,
                   capabilities: Optional[dict] = None) -> dict:
        result = self.request("initialize", {
            "processId": None, "rootUri": root_uri,
            "capabilities": capabilities or {},
            "initializationOptions": options,
            "workspaceFolders": [{"uri": root_uri, "name": "root"}] if root_uri else None})
        self.notify("initialized", {})
        return result

    def shutdown_and_exit(self, timeout: float = 30) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
