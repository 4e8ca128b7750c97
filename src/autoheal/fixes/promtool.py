"""The real ``promtool`` on a fix's files: ``promtool check rules`` and ``promtool test rules``.

Both run in a fresh temporary directory holding exactly the fix's files (promtool needs paths,
not stdin; a unit test names its rule files relative to itself). A missing promtool is not a
pass: the check fails with the command to install it, so the fix is not offered.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from autoheal.fixes.model import Check
from autoheal.servers._process import ServerUnavailable, require_binary

TIMEOUT_SECONDS = 60.0
OUTPUT_LIMIT = 4000  # characters of promtool's output kept with a check


class Promtool:
    """``binary``: the promtool to run (default: found on PATH or at the Debian location)."""

    def __init__(self, binary: Path | None = None, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._binary = binary
        self.timeout = timeout

    def binary(self) -> Path:
        return self._binary or require_binary("promtool")

    def check_rules(self, files: Mapping[str, str], rule_file: str) -> Check:
        return self._run("promtool check rules", files, ["check", "rules", rule_file])

    def test_rules(self, files: Mapping[str, str], test_file: str) -> Check:
        return self._run("promtool test rules", files, ["test", "rules", test_file])

    def _run(self, name: str, files: Mapping[str, str], args: list[str]) -> Check:
        try:
            binary = self.binary()
        except ServerUnavailable as exc:
            return Check(name, False, f"not run: {exc}")
        with tempfile.TemporaryDirectory(prefix="autoheal-promtool-") as tmp:
            root = Path(tmp)
            for rel, content in files.items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
            try:
                done = subprocess.run(
                    [str(binary), *args],
                    cwd=root,
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return Check(name, False, f"{name} {args[-1]} did not finish within {self.timeout:.0f} s")
        output = (done.stdout + done.stderr).strip()[-OUTPUT_LIMIT:]
        if done.returncode == 0:
            return Check(name, True, f"{name} {args[-1]}: exit 0", output)
        return Check(name, False, f"{name} {args[-1]}: exit {done.returncode}", output)
