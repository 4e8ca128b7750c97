"""Run a generated regression test against the simulated service, with and without the fault.

The pytest file is written to a temporary directory and run by the current interpreter
(``python -m pytest -q``) twice, at once: with ``AUTOHEAL_SIM_SCENARIO`` alone (the fault is in: the test
must fail) and with ``AUTOHEAL_SIM_WITHOUT_FAULT`` set to the fault's index (it must pass).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from autoheal.fixes.model import Check, Fix

TIMEOUT_SECONDS = 180.0


def run_regression(fix: Fix) -> list[Check]:
    if fix.test_file is None or fix.figures.get("scenario") is None or fix.figures.get("fault") is None:
        return [
            Check("pytest with and without the fault", False, "no simulated target recorded with the test")
        ]
    out = []
    with tempfile.TemporaryDirectory(prefix="autoheal-regression-") as tmp:
        path = Path(tmp) / Path(fix.test_file).name
        path.write_text(fix.files[fix.test_file], encoding="utf-8")
        running = []
        for label, without, want_fail in (
            ("with the fault", None, True),
            ("without the fault", fix.figures["fault"], False),
        ):
            env = {**os.environ, "AUTOHEAL_SIM_SCENARIO": str(fix.figures["scenario"])}
            env.pop("AUTOHEAL_SIM_WITHOUT_FAULT", None)
            if without is not None:
                env["AUTOHEAL_SIM_WITHOUT_FAULT"] = str(without)
            process = subprocess.Popen(  # both runs at once: each simulates the scenario
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                cwd=tmp,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            running.append((label, want_fail, process))
        for label, want_fail, process in running:
            try:
                output, _ = process.communicate(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                out.append(Check(f"pytest {label}", False, f"did not finish within {TIMEOUT_SECONDS:.0f} s"))
                continue
            code = process.returncode
            ok = code == 1 if want_fail else code == 0
            expect = "fails" if want_fail else "passes"
            detail = (
                f"{expect} as it should (exit {code})"
                if ok
                else f"should be the run that {expect}, exit {code}"
            )
            out.append(Check(f"pytest {label}", ok, detail, output.strip()[-2000:]))
    return out
