"""Run RCAEval's own BARO and NSigma on cases written by ``autoheal.bench.baselines``.

Executed by the RCAEval environment (Python 3.12, numpy<2, ``pip install rcaeval``), never by
Autoheal's own interpreter. Usage: ``python rcaeval_baselines.py MANIFEST.json`` where the
manifest is ``{"dataset": str, "cases": [{"id": str, "csv": path, "inject_time": float}]}``;
prints one JSON object ``{case_id: {"BARO": [column, ...], "NSigma": [column, ...]}}``.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
from RCAEval.e2e import baro, nsigma


def main(manifest_path: str) -> None:
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    dataset = manifest["dataset"]
    out: dict[str, dict[str, list[str]]] = {}
    for case in manifest["cases"]:
        data = pd.read_csv(case["csv"])
        result: dict[str, list[str]] = {}
        for name, method in (("BARO", baro), ("NSigma", nsigma)):
            ranks = method(data.copy(), inject_time=case["inject_time"], dataset=dataset)["ranks"]
            result[name] = [str(r) for r in ranks]
        out[case["id"]] = result
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
