"""Deliver a fix: its files written under a directory, or a unified patch against the rules
repository (``fixes.rules_dir``): a file that exists there is diffed against its current content,
a new file is added (``/dev/null`` on the left), as ``git apply`` and ``patch -p1`` read it.
(Opening a pull request through the GitHub REST API is not built yet: docs/fixes.md.)
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from autoheal.errors import InputError


def safe_relative(path: str) -> PurePosixPath:
    """A fix's file path, refused when it would leave the target directory."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise InputError(f"fix file path {path!r} is not a relative path inside the repository")
    return rel


def write_files(files: Mapping[str, str], directory: Path) -> list[Path]:
    out = []
    for name, content in sorted(files.items()):
        target = Path(directory) / safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        out.append(target)
    return out


def unified_patch(files: Mapping[str, str], repository: Path | None) -> str:
    chunks = []
    for name, content in sorted(files.items()):
        rel = safe_relative(name)
        current = Path(repository) / rel if repository is not None else None
        if current is not None and current.is_file():
            before = current.read_text(encoding="utf-8").splitlines(keepends=True)
            left = f"a/{rel}"
        else:
            before, left = [], "/dev/null"
        after = content.splitlines(keepends=True)
        chunks.append("".join(difflib.unified_diff(before, after, left, f"b/{rel}")))
    return "".join(chunks)
