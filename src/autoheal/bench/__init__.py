"""Benchmarks on real incident data: loaders, scoring, baseline runner, published figures.

The data never lives in the repository: every loader takes the data directory as a parameter
(``--data-dir``, env ``AUTOHEAL_BENCH_DATA``, default ``../shared/bench`` beside the repository).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "AUTOHEAL_BENCH_DATA"


def default_data_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR])
    repo_root = Path(__file__).resolve().parents[3]
    return repo_root.parent / "shared" / "bench"
