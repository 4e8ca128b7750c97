"""Figures published by others, quoted beside ours (sources in ../shared/bench/README.md)."""

from __future__ import annotations

# Nezha (FSE'23) Table 3, Train Ticket, service level AS@1/3/5; BARO on metrics alone as run by RCAEval.
NEZHA = {
    "Nezha": {"AS@1": 0.867, "AS@3": 0.978, "AS@5": 0.978},
    "MicroRCA": {"AS@1": 0.200, "AS@3": 0.311, "AS@5": 0.444},
    "MicroScope": {"AS@1": 0.178, "AS@3": 0.267, "AS@5": 0.356},
    "BARO (RCAEval, metrics only)": {"AS@1": 0.044, "AS@3": 0.111, "AS@5": 0.200},
}

# RCAEval (ASE'24) Table 5, RCD Sock Shop, Avg@5 for cpu / mem.
RCD_SOCKSHOP = {
    "BARO": {"cpu": 0.99, "mem": 0.99},
    "NSigma": {"cpu": 0.98, "mem": 0.99},
    "CIRCA": {"cpu": 0.70, "mem": 0.80},
    "RCD": {"cpu": 0.63, "mem": 0.66},
    "random": {"cpu": 0.36, "mem": 0.33},
}

# PetShop (NeurIPS'23 D&B): the data set's own graph-traversal baseline, top-1 / top-3 recall.
PETSHOP_GRAPH_BASELINE = {
    "low_traffic/latency": {"top1": 0.57, "top3": 0.57},
    "low_traffic/availability": {"top1": 0.83, "top3": 1.0},
    "high_traffic/latency": {"top1": 0.57, "top3": 0.79},
    "high_traffic/availability": {"top1": 0.67, "top3": 1.0},
}

# Loghub: Drain's published average grouping accuracy on the 2k sets.
DRAIN_LOGHUB_AVG = 0.87

PUBLISHED = {"nezha": NEZHA, "rcd-sockshop": RCD_SOCKSHOP, "petshop": PETSHOP_GRAPH_BASELINE}
