"""`autoheal graph show | similar | export | import | stats`: the Production Context Graph for people.

Works on the configured database directly, like ``autoheal triage``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded, print_json
from autoheal.errors import InputError, NotFoundError

app = typer.Typer(help="The Production Context Graph: what past incidents taught.", no_args_is_help=True)


def _sessions(config: Path | None, db: str | None) -> sessionmaker[Session]:
    from autoheal.store.db import session_factory

    return session_factory(database(config, db))


@app.command("show")
@guarded
def show(
    service: str = typer.Argument(..., help="a service name"),
    depth: int = typer.Option(1, min=1, max=4, help="hops from the service"),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """A service's neighbourhood: dependencies, incidents, root causes, changes, decision steps."""
    from autoheal.graph.model import NodeKind
    from autoheal.graph.neighbourhood import neighbourhood
    from autoheal.graph.store import GraphStore

    with _sessions(config, db)() as session:
        store = GraphStore(session)
        if store.find(NodeKind.SERVICE, service) is None:
            raise NotFoundError(
                f"no service {service!r} in the graph (`autoheal graph stats` shows what it holds)"
            )
        found = neighbourhood(store, service, depth)
    if as_json:
        print_json(found)
        return
    table = Table(title=f"{service}: {len(found['nodes'])} nodes within {depth} hop(s)")
    for col in ("kind", "node", "weight", "valid", "edges"):
        table.add_column(col, overflow="fold")
    for n in found["nodes"]:
        valid = "open" if n["valid_to"] is None else f"closed {n['valid_to'][:16]}"
        table.add_row(n["kind"], n["label"][:70], f"{n['weight']:.2f}", valid, ", ".join(n["edges"])[:60])
    console.print(table)


@app.command("similar")
@guarded
def similar(
    ident: str = typer.Argument(..., help="an alert (id, group:ID, fingerprint) or an incident key"),
    limit: int = typer.Option(5, min=1, max=50),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Past incidents most similar to an alert or incident, why, and their validity weight."""
    from autoheal.graph.context import similar_for
    from autoheal.graph.store import GraphStore

    with _sessions(config, db)() as session:
        priors = similar_for(GraphStore(session), ident, at=datetime.now(UTC), limit=limit)
    if as_json:
        for p in priors:
            print_json(p.to_dict())
        return
    if not priors:
        console.print("no similar past incident")
        return
    table = Table(title=f"similar to {ident}")
    for col in ("incident", "score", "weight", "root cause", "similar because", "use"):
        table.add_column(col, overflow="fold")
    for p in priors:
        rc = p.root_cause or {}
        use = "anchor" if p.anchor else ("hypothesis" if p.offered else "invalidated")
        table.add_row(
            p.incident,
            f"{p.score:.2f}",
            f"{p.weight:.2f}",
            f"{rc.get('kind')} on {rc.get('service')}",
            p.because(),
            use,
        )
    console.print(table)


@app.command("export")
@guarded
def export(
    out: Path = typer.Option(None, "--out", "-o", help="file to write (default: standard output)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Write the whole graph as JSON Lines (docs/graph.md "Export format")."""
    from autoheal.graph.store import GraphStore
    from autoheal.graph.transfer import write

    with _sessions(config, db)() as session:
        store = GraphStore(session)
        if out is None:
            write(store, sys.stdout, datetime.now(UTC))
            return
        with out.open("w", encoding="utf-8") as fh:
            n = write(store, fh, datetime.now(UTC))
    console.print(f"wrote {n} lines to {out}")


@app.command("import")
@guarded
def import_(
    path: Path = typer.Argument(..., help="a JSON Lines export"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Merge an export into this database (all or nothing: a bad line imports nothing)."""
    from autoheal.graph.store import GraphStore
    from autoheal.graph.transfer import read

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with _sessions(config, db).begin() as session, path.open(encoding="utf-8") as fh:
        counts = read(GraphStore(session), fh)
    console.print(f"imported {counts['nodes']} nodes, {counts['edges']} edges, {counts['features']} features")


@app.command("stats")
@guarded
def stats(db: str = DbOption, config: Path | None = ConfigOption) -> None:
    """How many nodes and edges of each kind the graph holds."""
    from autoheal.graph.store import GraphStore

    with _sessions(config, db)() as session:
        counts = GraphStore(session).counts()
    print_json(counts)
