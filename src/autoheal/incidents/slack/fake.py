"""A faithful local fake of the Slack Web API, for tests and the demo (no Slack server can run here).

It is a real HTTP server on 127.0.0.1 that the official ``slack_sdk.WebClient`` talks to through
its ``base_url``. It answers the methods Autoheal uses with the documented response shapes and
errors (``{"ok": false, "error": "..."}`` with HTTP 200, as Slack does), checks the bot token
(``invalid_auth``), validates what Slack validates (channel names, blocks, known channels and
messages), and records every call in ``calls`` for assertions.

Methods: ``auth.test``, ``conversations.create``, ``conversations.invite``, ``chat.postMessage``
(a user id as channel opens the direct message, as Slack does), ``chat.update``,
``chat.postEphemeral``. Anything else is ``unknown_method``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None = None


@dataclass
class FakeSlack:
    """``FakeSlack.start(token)``; ``api_url`` for ``WebClient(base_url=...)``; ``stop()``."""

    token: str
    calls: list[SlackCall] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> channel (+ "members")
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, ts) -> msg
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, token: str) -> FakeSlack:
        fake = cls(token)
        handler = type("Handler", (_Handler,), {"fake": fake})
        fake._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=fake._server.serve_forever, name="fake-slack", daemon=True).start()
        return fake

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def calls_of(self, method: str) -> list[SlackCall]:
        return [c for c in self.calls if c.method == method]

    # --- the API ------------------------------------------------------------------------------
    def call(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        with self._lock:
            if token != self.token:
                answer: dict[str, Any] = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            else:
                handler = getattr(self, "_" + method.replace(".", "_"), None)
                answer = handler(args) if handler else {"ok": False, "error": "unknown_method"}
            self.calls.append(SlackCall(method, args, bool(answer.get("ok")), answer.get("error")))
            return answer

    def _next_ts(self) -> str:
        return f"1767225600.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake-workspace.slack.com/",
            "team": "Fake Workspace",
            "user": "autoheal",
            "team_id": "T0FAKE",
            "user_id": "U0AUTOHEAL",
            "bot_id": "B0AUTOHEAL",
            "is_enterprise_install": False,
        }

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if not CHANNEL_NAME.match(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        cid = f"C{next(self._ids):08d}"
        private = str(args.get("is_private", "false")).lower() in ("true", "1")
        channel = {
            "id": cid,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_private": private,
            "created": 1767225600,
            "creator": "U0AUTOHEAL",
            "is_archived": False,
            "is_member": True,
            "members": ["U0AUTOHEAL"],
        }
        self.channels[cid] = channel
        return {"ok": True, "channel": {k: v for k, v in channel.items() if k != "members"}}

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"ok": False, "error": "no_user"}
        if len(users) > 1000:
            return {"ok": False, "error": "too_many_users"}
        for user in users:
            if not re.match(r"^[UW][A-Z0-9]{2,}$", user):
                return {
                    "ok": False,
                    "error": "user_not_found",
                    "errors": [{"user": user, "ok": False, "error": "user_not_found"}],
                }
        if len(users) == 1 and users[0] in channel["members"]:
            return {"ok": False, "error": "already_in_channel"}
        channel["members"].extend(u for u in users if u not in channel["members"])
        return {"ok": True, "channel": {k: v for k, v in channel.items() if k != "members"}}

    def _resolve_channel(self, ref: str) -> str | None:
        if ref in self.channels:
            return ref
        if re.match(r"^[UW][A-Z0-9]{2,}$", ref):  # a user id: the bot's direct message with them
            dm = "D" + ref[1:]
            self.channels.setdefault(dm, {"id": dm, "name": ref, "is_im": True, "members": [ref]})
            return dm
        by_name = [cid for cid, c in self.channels.items() if c["name"] == ref.lstrip("#")]
        return by_name[0] if by_name else None

    def _blocks_error(self, blocks: Any) -> str | None:
        if blocks is None:
            return None
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                return "invalid_blocks_format"
        if not isinstance(blocks, list) or len(blocks) > 50:
            return "invalid_blocks"
        for block in blocks:
            if not isinstance(block, dict) or "type" not in block:
                return "invalid_blocks"
            text = block.get("text")
            if isinstance(text, dict) and len(str(text.get("text", ""))) > 3000:
                return "invalid_blocks"
            if block["type"] == "actions" and not 0 < len(block.get("elements", [])) <= 25:
                return "invalid_blocks"
        return None

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        cid = self._resolve_channel(str(args.get("channel", "")))
        if cid is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        error = self._blocks_error(args.get("blocks"))
        if error:
            return {"ok": False, "error": error}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": "U0AUTOHEAL",
            "bot_id": "B0AUTOHEAL",
            "text": args.get("text", ""),
            "ts": ts,
            "blocks": args.get("blocks") or [],
        }
        self.messages[(cid, ts)] = message
        return {"ok": True, "channel": cid, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        cid = str(args.get("channel", ""))
        ts = str(args.get("ts", ""))
        if cid not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        message = self.messages.get((cid, ts))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        error = self._blocks_error(args.get("blocks"))
        if error:
            return {"ok": False, "error": error}
        message.update(
            {"text": args.get("text", message["text"]), "blocks": args.get("blocks") or message["blocks"]}
        )
        message["edited"] = {"user": "U0AUTOHEAL", "ts": self._next_ts()}
        return {"ok": True, "channel": cid, "ts": ts, "text": message["text"], "message": message}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        cid = self._resolve_channel(str(args.get("channel", "")))
        if cid is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def do_POST(self) -> None:
        url = urlparse(self.path)
        method = url.path.removeprefix("/api/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        args: dict[str, Any] = dict(parse_qsl(url.query))
        content_type = self.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            try:
                args.update(json.loads(raw))
            except ValueError:
                self._answer({"ok": False, "error": "invalid_json"})
                return
        elif raw:
            args.update(dict(parse_qsl(raw.decode("utf-8"))))
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else args.pop("token", None)
        self._answer(self.fake.call(method, args, token))

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass
