"""A real :class:`LanguageModel` that answers from a script (tests, demos, offline evaluation).

Replies are consumed in order; a reply may also be a function of the request. When the script is
exhausted the model answers ``error`` (as a real provider that stopped answering would).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autoheal.reasoning.models.base import ModelReply, ModelRequest

Reply = str | ModelReply | Callable[[ModelRequest], str | ModelReply]


class ScriptedModel:
    def __init__(self, replies: Sequence[Reply] = (), *, name: str = "scripted:test") -> None:
        self.name = name
        self._replies = list(replies)
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        if not self._replies:
            return ModelReply("error", model=self.name, message="the script has no more replies")
        reply = self._replies.pop(0)
        if callable(reply):
            reply = reply(request)
        if isinstance(reply, ModelReply):
            return reply
        words = sum(len(m.content.split()) for m in request.messages)
        return ModelReply(
            "ok", text=reply, model=self.name, input_tokens=words, output_tokens=len(reply.split())
        )
