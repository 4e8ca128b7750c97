"""Retrieval latency on a generated graph: N past incidents over S services, then Q recalls.

    .venv/bin/python benchmarks/graph_retrieval.py [--incidents 100000] [--services 500] [--queries 200]
        [--nodes N] [--edges E] [--scale year] [--db URL | --postgres]

The graph is bulk-loaded straight into the graph tables (PostgreSQL ``COPY`` through psycopg,
SQLite ``executemany`` in one transaction; the tables' secondary indexes and constraints, read back
from the migrated database, are dropped before and created again after loading): per incident an
incident node with its text, a root-cause node, the ``caused_by`` edge and five retrieval features.
``--nodes`` / ``--edges`` fill the graph up to that size with hypothesis and evidence nodes
(``part_of``, ``supported_by``) and ``similar_to`` edges to earlier incidents, which retrieval does
not read; ``--scale year`` is a year of a 500-service company (10^5 incidents, 10^6 nodes, 10^7
edges). The store is a fresh SQLite file by default, the database ``--db`` names (it must be empty
and is migrated), or with ``--postgres`` a throwaway PostgreSQL cluster started by the project's own
``autoheal.servers.postgres.Postgres`` (the installed server binaries, as the test suite starts
them) and stopped at the end. Each query is one alert of a random rule on a random service; the
figure is the wall time of ``autoheal.graph.retrieval.similar`` (feature lookups, BM25 over the
candidates, root causes) and the CPU time of this process. Prints a table and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.graph.retrieval import similar
from autoheal.graph.store import GraphStore
from autoheal.store.db import create_db_engine, migrate, session_factory

SCALES = {"year": {"incidents": 100_000, "services": 500, "nodes": 1_000_000, "edges": 10_000_000}}
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


def _bulk(engine: Engine, tables: dict[str, tuple[list[str], Iterator[tuple[Any, ...]]]]) -> None:
    """Load rows fast: PostgreSQL ``COPY`` (psycopg), SQLite ``executemany`` in one transaction; the
    tables' secondary indexes and constraints (as the migrations created them, read back from the
    database) are dropped first and created again after loading."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            conn = raw.driver_connection
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                    " WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')",
                    [list(tables)],
                )
                constraints = cur.fetchall()
                cur.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN"
                    " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
                    [list(tables)],
                )
                indexes = cur.fetchall()
                for table, name, _, _kind in sorted(constraints, key=lambda c: c[3] != "f"):
                    cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _ in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                for table, (columns, rows) in tables.items():
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                for _, definition in indexes:
                    cur.execute(definition)
                for table, name, definition, _ in sorted(constraints, key=lambda c: c[3] == "f"):
                    cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                for table in tables:
                    cur.execute(f"ANALYZE {table}")
            conn.commit()
        else:
            cur = raw.cursor()
            marks = ",".join("?" * len(tables))
            defs = cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                list(tables),
            ).fetchall()
            for name, _ in defs:
                cur.execute(f'DROP INDEX "{name}"')
            for table, (columns, rows) in tables.items():
                places = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({places})", rows)
            for _, definition in defs:
                cur.execute(definition)
            cur.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()


def _incidents(incidents: int, services: int, seed: int) -> list[tuple[str, str, str, str | None, str]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(incidents):
        svc = f"svc-{rnd.randrange(services)}"
        rule = f"Rule{rnd.randrange(40)}"
        kind, component = rnd.choice(KINDS)
        out.append((svc, rule, kind, component, f"{rule} on {svc} " + " ".join(rnd.choices(WORDS, k=12))))
    return out


def generate(url: str, incidents: int, services: int, seed: int, nodes: int = 0, edges: int = 0) -> float:
    """Build the graph; ``nodes`` / ``edges`` (0: two nodes and one edge per incident) are filled up
    with hypothesis and evidence nodes ``part_of`` / ``supported_by`` their incident and
    ``similar_to`` edges to earlier incidents. Returns the seconds it took."""
    drawn = _incidents(incidents, services, seed)
    nodes = max(nodes, 2 * incidents)
    extra = nodes - 2 * incidents
    edges = max(edges, incidents + extra)
    filler = edges - incidents - extra  # similar_to edges, spread over the incidents
    if filler > incidents * (incidents - 1) // 2:
        raise SystemExit(f"--edges {edges} is more than this graph can hold without duplicate edges")
    engine = create_db_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sqlite = engine.dialect.name == "sqlite"

    def ts(at: datetime) -> Any:
        return at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at

    never = ts(start)

    def node_rows() -> Iterator[tuple[Any, ...]]:
        for i, (svc, rule, _, _, words) in enumerate(drawn):
            at = start + timedelta(minutes=5 * i)
            attrs = {"text": words, "resolved_at": at.isoformat(), "services": [svc]}
            yield (
                i + 1,
                "incident",
                f"inc-{i}",
                f"{rule} on {svc}",
                svc,
                json.dumps(attrs),
                ts(at),
                None,
                1.0,
            )
        for i, (svc, _, kind, component, _) in enumerate(drawn):
            at = ts(start + timedelta(minutes=5 * i))
            attrs = json.dumps({"service": svc, "kind": kind, "component": component})
            yield (
                incidents + i + 1,
                "root_cause",
                f"inc-{i}:root",
                f"{kind} on {svc}",
                svc,
                attrs,
                at,
                None,
                1.0,
            )
        for j in range(extra):
            i = j % incidents
            kind = "hypothesis" if j % 2 == 0 else "evidence"
            svc = drawn[i][0]
            yield (
                2 * incidents + j + 1,
                kind,
                f"inc-{i}:{kind}:{j}",
                f"{kind} on {svc}",
                svc,
                "{}",
                never,
                None,
                1.0,
            )

    def edge_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(incidents):
            yield ("caused_by", i + 1, incidents + i + 1, "{}", never, None, 1.0)
        for j in range(extra):
            i = j % incidents
            me = 2 * incidents + j + 1
            if j % 2 == 0:  # hypothesis -> its incident
                yield ("part_of", me, i + 1, "{}", never, None, 1.0)
            else:  # the hypothesis before it -> this evidence
                yield ("supported_by", me - 1, me, "{}", never, None, 1.0)
        per, rest = divmod(filler, incidents)
        for i in range(incidents):
            for d in range(1, per + (1 if i < rest else 0) + 1):  # to the d-th earlier incident
                yield ("similar_to", i + 1, (i - d) % incidents + 1, "{}", never, None, 1.0)

    def feature_rows() -> Iterator[tuple[Any, ...]]:
        for i, (svc, rule, _, _, _) in enumerate(drawn):
            for kind, value in (
                ("service", svc),
                ("rule", rule),
                ("rule_service", f"{rule}@{svc}"),
                ("fingerprint", f"fp-{rule}-{svc}"),
                ("symptom", "error_ratio"),
            ):
                yield (i + 1, kind, value)

    cols = ["kind", "src", "dst", "attrs", "valid_from", "valid_to", "weight"]
    _bulk(
        engine,
        {
            "graph_nodes": (
                ["id", "kind", "key", "label", "service", "attrs", "valid_from", "valid_to", "weight"],
                node_rows(),
            ),
            "graph_edges": (cols, edge_rows()),
            "graph_features": (["node", "kind", "value"], feature_rows()),
        },
    )
    engine.dispose()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=0, help="fill the graph up to this many nodes")
    parser.add_argument("--edges", type=int, default=0, help="fill the graph up to this many edges")
    parser.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default=None,
        help="a preset: year = a year of a 500-service company (10^5 incidents, 10^6 nodes, 10^7 edges)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL (autoheal.servers) and measure on it",
    )
    args = parser.parse_args()
    if args.scale:
        for name, value in SCALES[args.scale].items():
            setattr(args, name, value)
    if args.incidents < 2 or args.services < 1 or args.queries < 1:
        parser.error("--incidents must be at least 2, --services and --queries at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        if args.postgres:
            from autoheal.servers.postgres import Postgres

            server = Postgres.start(Path(tmp) / "postgres")
            url = server.create_database("graph_bench")
        else:
            url = args.db or f"sqlite:///{Path(tmp) / 'graph.db'}"
        seconds = generate(url, args.incidents, args.services, args.seed, args.nodes, args.edges)
        engine = create_db_engine(url)
        with engine.connect() as conn:
            size = [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("graph_nodes", "graph_edges")
            ]
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
        f"{'backend':10s} {'incidents':>10s} {'services':>9s} {'nodes':>9s} {'edges':>10s} {'queries':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'generated s':>12s}"
    )
    print(
        f"{backend:10s} {args.incidents:10d} {args.services:9d} {size[0]:9d} {size[1]:10d} {args.queries:8d} {statistics.median(times):8.2f} {p99:8.2f} {seconds:12.1f}  (p99 CPU {cpu99:.2f} ms)"
    )
    print(
        json.dumps(
            {
                "backend": backend,
                "incidents": args.incidents,
                "services": args.services,
                "nodes": size[0],
                "edges": size[1],
                "queries": args.queries,
                "p50_ms": round(statistics.median(times), 3),
                "p99_ms": round(p99, 3),
                "p99_cpu_ms": round(cpu99, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
