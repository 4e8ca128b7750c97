"""Language models: the interface, the providers and the scripted model."""

from autoheal.reasoning.models.base import (
    LanguageModel,
    Message,
    ModelGovernor,
    ModelReply,
    ModelRequest,
    governed_complete,
)
from autoheal.reasoning.models.scripted import ScriptedModel

__all__ = [
    "LanguageModel",
    "Message",
    "ModelGovernor",
    "ModelReply",
    "ModelRequest",
    "ScriptedModel",
    "governed_complete",
]
