"""`autoheal alert send`: post a payload to a running Autoheal as a sender would."""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from pathlib import Path

import httpx
import typer

from autoheal.cli.common import err_console, print_json

app = typer.Typer(help="Send alerts to a running Autoheal.", no_args_is_help=True)


@app.command("send")
def send(
    file: str = typer.Argument(..., help="JSON payload file, or - for standard input"),
    source: str = typer.Option(
        ..., "--source", "-s", help="alertmanager, grafana, datadog, pagerduty, generic"
    ),
    url: str = typer.Option(
        lambda: os.environ.get("AUTOHEAL_URL", "http://127.0.0.1:8080"),
        help="Autoheal base URL [env AUTOHEAL_URL]",
    ),
    token: str = typer.Option(
        lambda: os.environ.get("AUTOHEAL_SOURCE_TOKEN", ""),
        help="source bearer token [env AUTOHEAL_SOURCE_TOKEN]",
    ),
    hmac_secret: str = typer.Option(
        lambda: os.environ.get("AUTOHEAL_SOURCE_HMAC_SECRET", ""),
        help="sign the body with this HMAC secret instead [env AUTOHEAL_SOURCE_HMAC_SECRET]",
    ),
    signature_header: str = typer.Option("X-Autoheal-Signature", help="header for the HMAC signature"),
    timeout: float = typer.Option(10.0, help="seconds"),
) -> None:
    """Send one payload; prints the server's answer as JSON and exits 1 on a 4xx/5xx."""
    try:
        body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        err_console.print(f"[red]error:[/red] cannot read {file}: {exc.strerror}")
        raise typer.Exit(2) from exc
    headers = {"Content-Type": "application/json"}
    if hmac_secret:
        digest = hmac.new(hmac_secret.encode(), body, hashlib.sha256).hexdigest()
        headers[signature_header] = f"sha256={digest}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/alerts/{source}", content=body, headers=headers, timeout=timeout
        )
    except httpx.HTTPError as exc:
        err_console.print(f"[red]error:[/red] could not reach {url}: {exc}")
        raise typer.Exit(1) from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {"status_code": response.status_code, "body": response.text[:500]}
    print_json(answer)
    if response.status_code >= 400:
        err_console.print(f"[red]rejected ({response.status_code}):[/red] {answer.get('error', answer)}")
        raise typer.Exit(1)
