"""``autoheal serve`` as a real subprocess, for end-to-end tests, the durability test and benchmarks.

    with AutohealServer.start(tmp_path, db_url="sqlite:///x.db", config=yaml_text) as server:
        token = server.create_token("viewer")
        httpx.get(f"{server.url}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})

``kill()`` sends SIGKILL (no shutdown hooks run), to test what survives a crash.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from autoheal.servers._http import start_http_server
from autoheal.servers._process import ManagedServer, ServerUnavailable


def autoheal_command() -> list[str]:
    """The ``autoheal`` entry point of the running interpreter's environment (``.venv/bin/autoheal``)."""
    script = Path(sys.executable).parent / "autoheal"
    if script.exists():
        return [str(script)]
    found = shutil.which("autoheal")
    if found:
        return [found]
    return [sys.executable, "-m", "autoheal.cli.main"]


class AutohealServer(ManagedServer):
    name = "autoheal"

    def __init__(
        self, *, db_url: str, config_path: Path | None, env: dict[str, str], **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.db_url = db_url
        self.config_path = config_path
        self.env = env

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        db_url: str | None = None,
        config: str | None = None,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        timeout: float = 60.0,
    ) -> Self:
        """Run ``autoheal serve`` on a free port; ready when ``/healthz`` answers 200.

        ``config`` is YAML text written to ``workdir/autoheal.yaml``; ``db_url`` defaults to a
        SQLite file in ``workdir``; ``env`` is added to this process's environment.
        """
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        db_url = db_url or f"sqlite:///{workdir / 'autoheal.db'}"
        config_path: Path | None = None
        if config is not None:
            config_path = workdir / "autoheal.yaml"
            config_path.write_text(config)
        full_env = {**os.environ, **(env or {})}
        base = autoheal_command()

        def argv(port: int) -> list[str]:
            args = [*base, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db_url]
            if config_path is not None:
                args += ["--config", str(config_path)]
            return [*args, *extra_args]

        process, port, log = start_http_server(
            "autoheal", argv, workdir=workdir, ready_path="/healthz", timeout=timeout, env=full_env
        )
        return cls(
            process=process,
            port=port,
            workdir=workdir,
            log_path=log,
            db_url=db_url,
            config_path=config_path,
            env=full_env,
        )

    def kill(self) -> None:
        """SIGKILL, as a crash would: no graceful shutdown, no flush, no atexit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def create_token(self, role: str = "viewer", name: str = "tests") -> str:
        """``autoheal token create --role ROLE`` against this server's database; returns the token."""
        args = [*autoheal_command(), "token", "create", "--role", role, "--name", name, "--db", self.db_url]
        if self.config_path is not None:
            args += ["--config", str(self.config_path)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=self.env, check=False)
        token = done.stdout.strip().splitlines()[-1].strip() if done.stdout.strip() else ""
        if done.returncode != 0 or not token:
            raise ServerUnavailable(
                f"autoheal token create failed ({done.returncode}): {done.stderr[-2000:]}"
            )
        return token
