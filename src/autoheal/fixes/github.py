"""Deliver a fix as a GitHub pull request through the GitHub REST API (``fixes.github``).

The documented calls, in order (https://docs.github.com/en/rest):

1. ``GET  /repos/{owner}/{repo}/git/ref/heads/{base}`` — the base branch's commit;
2. ``POST /repos/{owner}/{repo}/git/refs`` — a new branch ``{branch_prefix}{fix id}`` at that commit;
3. per file ``GET /repos/{owner}/{repo}/contents/{path}?ref={branch}`` (its blob ``sha`` when it
   exists; 404 when new) then ``PUT /repos/{owner}/{repo}/contents/{path}`` with the base64
   content, the commit message, the branch and that ``sha``;
4. ``POST /repos/{owner}/{repo}/pulls`` — ``title``, ``head``, ``base``, ``body``.

Authentication is a token (``Authorization: Bearer``, ``fixes.github.token``, a ``SecretStr`` never
logged), with ``Accept: application/vnd.github+json`` and ``X-GitHub-Api-Version: 2022-11-28``.
A refusal from GitHub is an :class:`~autoheal.errors.InputError` naming the call and GitHub's
``message``; nothing is retried. No GitHub can run here: the tests use
:class:`autoheal.fixes.github_fake.FakeGitHub`, a local HTTP server that answers these calls with
the documented shapes and records them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from autoheal.errors import InputError
from autoheal.fixes.delivery import safe_relative

API_VERSION = "2022-11-28"


class GitHubConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repository: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name of the rules repository"
    )
    token: SecretStr | None = Field(None, description="GitHub token with contents and pull-request write")
    api_url: str = Field("https://api.github.com", description="GitHub REST API base URL")
    base_branch: str = Field("main", description="branch the pull request targets")
    branch_prefix: str = Field("autoheal/fix-", description="prefix of the branch created per fix")
    path_prefix: str = Field("", description="folder in the repository the fix's files go under")


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    url: str
    branch: str

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "url": self.url, "branch": self.branch}


class GitHubPullRequests:
    def __init__(self, config: GitHubConfig, client: httpx.Client | None = None) -> None:
        if not config.repository or config.token is None:
            raise InputError(
                "fixes.github.repository and fixes.github.token must be set to open pull requests"
            )
        self.config = config
        self.repo = config.repository
        self.client = client or httpx.Client(timeout=15.0)

    def _call(self, method: str, path: str, *, ok: tuple[int, ...], **kwargs: Any) -> httpx.Response:
        assert self.config.token is not None
        headers = {
            "Authorization": f"Bearer {self.config.token.get_secret_value()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        url = self.config.api_url.rstrip("/") + path
        try:
            response = self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise InputError(f"GitHub {method} {path}: unreachable ({type(exc).__name__}: {exc})") from exc
        if response.status_code not in ok:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise InputError(f"GitHub {method} {path} answered {response.status_code}: {message}")
        return response

    def open(self, fix_id: int, title: str, body: str, files: Mapping[str, str]) -> PullRequest:
        if not files:
            raise InputError(f"fix {fix_id} has no files to propose")
        base, repo = self.config.base_branch, f"/repos/{self.repo}"
        branch = f"{self.config.branch_prefix}{fix_id}"
        head = self._call("GET", f"{repo}/git/ref/heads/{quote(base)}", ok=(200,)).json()["object"]["sha"]
        self._call("POST", f"{repo}/git/refs", ok=(201,), json={"ref": f"refs/heads/{branch}", "sha": head})
        prefix = self.config.path_prefix.strip("/")
        for name, content in sorted(files.items()):
            path = str(safe_relative(f"{prefix}/{name}" if prefix else name))
            existing = self._call(
                "GET", f"{repo}/contents/{quote(path)}", ok=(200, 404), params={"ref": branch}
            )
            payload: dict[str, Any] = {
                "message": f"autoheal fix {fix_id}: {path}",
                "content": base64.b64encode(content.encode("utf-8")).decode("ascii"),
                "branch": branch,
            }
            if existing.status_code == 200:
                payload["sha"] = existing.json()["sha"]
            self._call("PUT", f"{repo}/contents/{quote(path)}", ok=(200, 201), json=payload)
        pull = self._call(
            "POST",
            f"{repo}/pulls",
            ok=(201,),
            json={"title": title, "head": branch, "base": base, "body": body},
        ).json()
        return PullRequest(int(pull["number"]), str(pull["html_url"]), branch)


def pull_request_body(fix: Mapping[str, Any]) -> str:
    """The pull request's description: the fix's summary, its checks and figures (untrusted text
    from alerts stays inside the fix's files, quoted as code there)."""
    checks = "\n".join(
        f"- {c.get('name')}: {'passed' if c.get('ok') else 'FAILED'}" for c in fix.get("checks", [])
    )
    figures = "\n".join(
        f"- `{k}`: `{v}`" for k, v in sorted(fix.get("figures", {}).items()) if not isinstance(v, list | dict)
    )
    return (
        f"{fix.get('summary', '')}\n\nProposed by Autoheal (fix {fix.get('id')}, {fix.get('kind')} for "
        f"`{fix.get('service')}`, from `{fix.get('source_ref')}`).\n\n### Checks\n{checks}\n\n### Figures\n{figures}\n"
    )
