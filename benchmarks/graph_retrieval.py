"""Retrieval latency on a generated graph: N past incidents over S services, then Q recalls.

    .venv/bin/python benchmarks/graph_retrieval.py [--incidents 100000] [--services 500] [--queries 200] [--db URL | --postgres]

The graph is generated with bulk inserts straight into the graph tables (an incident node with its
text, a root-cause node, the caused_by edge, five retrieval features each), in a fresh SQLite file
by default, the database ``--db`` names (it must be empty and is migrated), or with ``--postgres`` a
throwaway PostgreSQL cluster started by the project's own ``autoheal.servers.postgres.Postgres``
(the installed server binaries, as the test suite starts them) and stopped at the end. Each query is one
alert of a random rule on a random service; the figure is the wall time of
``autoheal.graph.retrieval.similar`` (feature lookups, BM25 over the candidates, root causes).
Prints a table and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.graph.retrieval import similar
from autoheal.graph.store import GraphEdgeRow, GraphFeatureRow, GraphNodeRow, GraphStore
from autoheal.store.db import create_db_engine, migrate, session_factory

KINDS = [("bad_deploy", None), ("resource_saturation", "pool_usage_ratio"), ("service_fault", None)]
WORDS = [
    "errors",
    "latency",
    "timeout",
    "pool",
    "exhausted",
    "deploy",
    "rollback",
    "restart",
    "saturated",
    "disk",
    "memory",
    "leak",
    "cert",
]


def generate(url: str, incidents: int, services: int, seed: int) -> float:
    rnd = random.Random(seed)
    engine = create_db_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with session_factory(engine).begin() as session:
        batch = 10_000
        for lo in range(0, incidents, batch):
            nodes, roots = [], []
            for i in range(lo, min(incidents, lo + batch)):
                svc = f"svc-{rnd.randrange(services)}"
                rule = f"Rule{rnd.randrange(40)}"
                kind, component = rnd.choice(KINDS)
                at = start + timedelta(minutes=5 * i)
                text = f"{rule} on {svc} " + " ".join(rnd.choices(WORDS, k=12))
                nodes.append(
                    {
                        "kind": "incident",
                        "key": f"inc-{i}",
                        "label": f"{rule} on {svc}",
                        "service": svc,
                        "attrs": {"text": text, "resolved_at": at.isoformat(), "services": [svc]},
                        "valid_from": at,
                        "valid_to": None,
                        "weight": 1.0,
                    }
                )
                roots.append(
                    {
                        "kind": "root_cause",
                        "key": f"inc-{i}:root",
                        "label": f"{kind} on {svc}",
                        "service": svc,
                        "attrs": {"service": svc, "kind": kind, "component": component},
                        "valid_from": at,
                        "valid_to": None,
                        "weight": 1.0,
                    }
                )
            session.execute(insert(GraphNodeRow), nodes)
            session.execute(insert(GraphNodeRow), roots)
        ids = {key: nid for nid, key in session.query(GraphNodeRow.id, GraphNodeRow.key)}
        edges, features = [], []
        for i in range(incidents):
            inc, root = ids[f"inc-{i}"], ids[f"inc-{i}:root"]
            edges.append(
                {
                    "kind": "caused_by",
                    "src": inc,
                    "dst": root,
                    "attrs": {},
                    "valid_from": start,
                    "valid_to": None,
                    "weight": 1.0,
                }
            )
        rnd = random.Random(seed)  # the same draws again, to index what was generated
        for i in range(incidents):
            svc = f"svc-{rnd.randrange(services)}"
            rule = f"Rule{rnd.randrange(40)}"
            rnd.choice(KINDS)
            rnd.choices(WORDS, k=12)
            inc = ids[f"inc-{i}"]
            for kind, value in (
                ("service", svc),
                ("rule", rule),
                ("rule_service", f"{rule}@{svc}"),
                ("fingerprint", f"fp-{rule}-{svc}"),
                ("symptom", "error_ratio"),
            ):
                features.append({"node": inc, "kind": kind, "value": value})
        for lo in range(0, len(edges), 50_000):
            session.execute(insert(GraphEdgeRow), edges[lo : lo + 50_000])
        for lo in range(0, len(features), 50_000):
            session.execute(insert(GraphFeatureRow), features[lo : lo + 50_000])
    engine.dispose()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL (autoheal.servers) and measure on it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        if args.postgres:
            from autoheal.servers.postgres import Postgres

            server = Postgres.start(Path(tmp) / "postgres")
            url = server.create_database("graph_bench")
        else:
            url = args.db or f"sqlite:///{Path(tmp) / 'graph.db'}"
        seconds = generate(url, args.incidents, args.services, args.seed)
        engine = create_db_engine(url)
        rnd = random.Random(args.seed + 1)
        at = datetime(2030, 1, 1, tzinfo=UTC)
        times: list[float] = []
        cpus: list[float] = []
        with session_factory(engine)() as session:
            store = GraphStore(session)
            for _ in range(args.queries):
                svc, rule = f"svc-{rnd.randrange(args.services)}", f"Rule{rnd.randrange(40)}"
                alert = Alert(
                    source="bench",
                    fingerprint=f"fp-{rule}-{svc}",
                    status=AlertStatus.FIRING,
                    name=rule,
                    starts_at=at,
                    labels={"alertname": rule},
                    annotations={"summary": "errors and latency"},
                    service=svc,
                )
                started, cpu = time.perf_counter(), time.process_time()
                similar(store, [alert], at=at)
                times.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
        engine.dispose()
        if server is not None:
            server.stop()
    times.sort()
    cpus.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    cpu99 = cpus[min(len(cpus) - 1, round(0.99 * (len(cpus) - 1)))]
    backend = url.split(":", 1)[0]
    print(
        f"{'backend':10s} {'incidents':>10s} {'services':>9s} {'queries':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'generated s':>12s}"
    )
    print(
        f"{backend:10s} {args.incidents:10d} {args.services:9d} {args.queries:8d} {statistics.median(times):8.2f} {p99:8.2f} {seconds:12.1f}  (p99 CPU {cpu99:.2f} ms)"
    )
    print(
        json.dumps(
            {
                "backend": backend,
                "incidents": args.incidents,
                "services": args.services,
                "queries": args.queries,
                "p50_ms": round(statistics.median(times), 3),
                "p99_ms": round(p99, 3),
                "p99_cpu_ms": round(cpu99, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
