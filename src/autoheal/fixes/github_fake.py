"""A local fake of the GitHub REST API calls a fix's pull request uses (no GitHub can run here).

A real HTTP server on 127.0.0.1 (``api_url`` for ``fixes.github.api_url``) holding one repository
in memory: branches (name -> commit sha) and files per branch. It answers, with GitHub's documented
status codes and shapes, ``GET /repos/{o}/{r}/git/ref/heads/{b}`` (200 / 404), ``POST .../git/refs``
(201; 422 "Reference already exists"), ``GET .../contents/{path}?ref=`` (200 with ``sha``,
base64 ``content`` / 404), ``PUT .../contents/{path}`` (201 new, 200 updated; 422 when an existing
file's ``sha`` is missing or stale, as GitHub does), ``POST .../pulls`` (201 with ``number``,
``html_url``; 422 when head or base is not a branch). A missing or wrong bearer token is 401
"Bad credentials"; another repository is 404. Every call is recorded in ``calls``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


@dataclass
class GitHubCall:
    method: str
    path: str
    body: dict[str, Any] | None
    status: int


@dataclass
class FakeGitHub:
    token: str
    repository: str = "acme/rules"
    files: dict[str, str] = field(default_factory=dict)  # the base branch's files
    base: str = "main"
    calls: list[GitHubCall] = field(default_factory=list)
    branches: dict[str, dict[str, str]] = field(default_factory=dict)  # branch -> path -> content
    pulls: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, token: str, **kwargs: Any) -> FakeGitHub:
        fake = cls(token, **kwargs)
        fake.branches[fake.base] = dict(fake.files)
        handler = type("Handler", (_Handler,), {"fake": fake})
        fake._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=fake._server.serve_forever, name="fake-github", daemon=True).start()
        return fake

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def commit_of(self, branch: str) -> str:
        tree = json.dumps(sorted(self.branches[branch].items()))
        return hashlib.sha1(tree.encode()).hexdigest()

    def answer(self, method: str, raw_path: str, auth: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        with self._lock:
            status, out = self._answer(method, raw_path, auth, body)
            self.calls.append(GitHubCall(method, raw_path, body, status))
            return status, out

    def _answer(self, method: str, raw_path: str, auth: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        if auth != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        url = urlparse(raw_path)
        prefix = f"/repos/{self.repository}/"
        if not url.path.startswith(prefix):
            return 404, {"message": "Not Found"}
        rest = url.path[len(prefix) :]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "GET" and rest.startswith("git/ref/heads/"):
            branch = unquote(rest[len("git/ref/heads/") :])
            if branch not in self.branches:
                return 404, {"message": "Not Found"}
            return 200, {
                "ref": f"refs/heads/{branch}",
                "object": {"type": "commit", "sha": self.commit_of(branch)},
            }
        if method == "POST" and rest == "git/refs":
            ref, sha = str((body or {}).get("ref", "")), (body or {}).get("sha")
            if not ref.startswith("refs/heads/") or not sha:
                return 422, {"message": "Invalid request: ref and sha are required"}
            name = ref[len("refs/heads/") :]
            if name in self.branches:
                return 422, {"message": "Reference already exists"}
            source = next((b for b in self.branches if self.commit_of(b) == sha), None)
            if source is None:
                return 422, {"message": "Object does not exist"}
            self.branches[name] = dict(self.branches[source])
            return 201, {"ref": ref, "object": {"type": "commit", "sha": sha}}
        if rest.startswith("contents/"):
            path = unquote(rest[len("contents/") :])
            branch = query.get("ref") or (body or {}).get("branch") or self.base
            if branch not in self.branches:
                return 404, {"message": f"No commit found for the ref {branch}"}
            files = self.branches[branch]
            current = files.get(path)
            if method == "GET":
                if current is None:
                    return 404, {"message": "Not Found"}
                return 200, _content(path, current)
            if method == "PUT":
                try:
                    text = base64.b64decode(str((body or {}).get("content", "")), validate=True).decode()
                except ValueError:
                    return 422, {"message": "content is not valid Base64"}
                if not (body or {}).get("message"):
                    return 422, {"message": "Invalid request: message is required"}
                if current is not None and (body or {}).get("sha") != _content(path, current)["sha"]:
                    return 422, {
                        "message": f'Invalid request: "sha" wasn\'t supplied or does not match for {path}'
                    }
                files[path] = text
                return (201 if current is None else 200), {"content": _content(path, text)}
        if method == "POST" and rest == "pulls":
            head, base = (body or {}).get("head"), (body or {}).get("base")
            if head not in self.branches or base not in self.branches or not (body or {}).get("title"):
                return 422, {"message": "Validation Failed"}
            number = len(self.pulls) + 1
            pull = {
                "number": number,
                "html_url": f"https://github.com/{self.repository}/pull/{number}",
                "state": "open",
                "title": body["title"] if body else "",
                "body": (body or {}).get("body"),
                "head": {"ref": head},
                "base": {"ref": base},
            }
            self.pulls.append(pull)
            return 201, pull
        return 404, {"message": "Not Found"}


def _content(path: str, text: str) -> dict[str, Any]:
    raw = text.encode()
    sha = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
    return {
        "type": "file",
        "path": path,
        "sha": sha,
        "encoding": "base64",
        "content": base64.b64encode(raw).decode(),
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = None
        if length:
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, {"message": "Problems parsing JSON"})
                return
        status, out = self.fake.answer(method, self.path, self.headers.get("Authorization", ""), body)
        self._send(status, out)

    def _send(self, status: int, out: Any) -> None:
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")
