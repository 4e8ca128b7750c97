"""Deliver a fix: its files written under a directory, or a unified patch against the rules
repository (``fixes.rules_dir``): a file that exists there is diffed against its current content,
a new file is added (``/dev/null`` on the left), as ``git apply`` and ``patch -p1`` read it.
A pull request through the GitHub REST API: :func:`open_pull_request` (:mod:`autoheal.fixes.github`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

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


def open_pull_request(
    sessions: Any, audit: Any, clock: Any, fix_id: int, config: Any, *, by: str, client: Any = None
) -> dict[str, Any]:
    """Open the fix's pull request (:mod:`autoheal.fixes.github`); a proposed or accepted fix only.
    The pull request is recorded in the fix's history and in the audit trail (``fix_pull_request``)."""
    from autoheal.fixes import store
    from autoheal.fixes.github import GitHubPullRequests, pull_request_body

    github = GitHubPullRequests(config, client)
    with sessions() as session:
        fix = store.fix_to_dict(store.get_fix(session, fix_id))
    if fix["status"] not in ("proposed", "accepted"):
        raise InputError(
            f"fix {fix_id} is {fix['status']}: only a proposed or accepted fix gets a pull request"
        )
    pull = github.open(fix_id, f"autoheal: {fix['title']}"[:256], pull_request_body(fix), fix["files"])
    delivery = {"kind": "pull_request", "repository": config.repository, **pull.to_dict()}
    with sessions() as session, session.begin():
        store.record_delivery(session, fix_id, by=by, at=clock.now(), delivery=delivery)
    audit.append("decision", by, {"action": "fix_pull_request", "fix_id": fix_id, **delivery})
    return delivery
