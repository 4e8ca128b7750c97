"""`autoheal maintenance list | create | expire`: maintenance windows stored in Autoheal (the same
commands as `autoheal silences`, see cli/silences.py)."""

from __future__ import annotations

from autoheal.cli.silences import build

app = build("maintenance")
