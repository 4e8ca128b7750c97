"""Changes from a git repository's history: commits in a window, mapped to services by path.

``path_map`` maps path patterns to services, e.g. ``{"services/checkout/**": "checkout",
"deploy/helm/api/*": "api", "config/flags.yaml": "*"}`` (fnmatch patterns, a trailing ``/**`` means
"anything below"; ``"*"`` as the service means every service). A commit touching paths of two
services yields one change per service. ``kind_map`` optionally marks paths as config or feature
flag changes (default: deploy). ``git log`` runs with a bounded ``--max-count`` and a timeout.
"""

from __future__ import annotations

import fnmatch
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from autoheal.clock import utc
from autoheal.domain.tools import ToolResult
from autoheal.telemetry.model import ChangeEvent, ChangeKind

_SEP = "\x1e"  # record separator between commits
_FIELDS = "%H%x1f%ct%x1f%an%x1f%s"


def _matches(path: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-2]) or fnmatch.fnmatch(path, pattern[:-3] + "/*")
    return fnmatch.fnmatch(path, pattern)


class GitChanges:
    kind = "git"

    def __init__(
        self,
        repo: str | Path,
        path_map: Mapping[str, str],
        *,
        kind_map: Mapping[str, ChangeKind | str] | None = None,
        services: list[str] | None = None,
        max_commits: int = 500,
        timeout: float = 10.0,
        git: str = "git",
    ) -> None:
        self.repo = Path(repo)
        self.path_map = dict(path_map)
        self.kind_map = {k: ChangeKind(v) for k, v in (kind_map or {}).items()}
        self.services = services or sorted({s for s in self.path_map.values() if s != "*"})
        self.max_commits = max_commits
        self.timeout = timeout
        self.git = git

    def services_for(self, path: str) -> set[str]:
        found: set[str] = set()
        for pattern, service in self.path_map.items():
            if _matches(path, pattern):
                found.update(self.services if service == "*" else [service])
        return found

    def kind_for(self, paths: list[str]) -> ChangeKind:
        for pattern, kind in self.kind_map.items():
            if any(_matches(p, pattern) for p in paths):
                return kind
        return ChangeKind.DEPLOY

    def changes(
        self, start: datetime, end: datetime, service: str | None
    ) -> tuple[list[ChangeEvent], ToolResult | None]:
        argv = [
            self.git,
            "-C",
            str(self.repo),
            "log",
            f"--max-count={self.max_commits}",
            f"--since=@{int(utc(start).timestamp())}",
            f"--until=@{int(utc(end).timestamp()) + 1}",
            f"--format={_SEP}{_FIELDS}",
            "--name-only",
            "--no-renames",
        ]
        try:
            run = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [], ToolResult.failure(f"git log in {self.repo} failed: {exc}")
        if run.returncode != 0:
            return [], ToolResult.failure(f"git log in {self.repo} failed: {run.stderr.strip()[:300]}")
        out: list[ChangeEvent] = []
        lo, hi = utc(start), utc(end)
        for record in run.stdout.split(_SEP):
            if not record.strip():
                continue
            header, _, names = record.partition("\n")
            sha, ts, author, subject = header.split("\x1f", 3)
            at = datetime.fromtimestamp(int(ts), UTC)
            if not lo <= at <= hi:
                continue
            paths = [p for p in names.splitlines() if p.strip()]
            per_service: dict[str, list[str]] = {}
            for p in paths:
                for svc in self.services_for(p):
                    per_service.setdefault(svc, []).append(p)
            for svc, svc_paths in sorted(per_service.items()):
                if service is not None and svc != service:
                    continue
                out.append(
                    ChangeEvent(
                        id=f"git-{sha[:12]}-{svc}",
                        at=at,
                        service=svc,
                        kind=self.kind_for(svc_paths),
                        summary=subject,
                        version=sha,
                        author=author,
                        source="git",
                        attributes={"paths": svc_paths[:50], "commit": sha},
                    )
                )
        return out, None
