"""The case bundle: one incident's alert and evidence, as the systems that produced them wrote it.

A bundle is a folder or a ``.tar.gz`` of that folder (format ``autoheal.case/v1``; every file but
``bundle.yaml`` and ``alert.json`` is optional)::

    bundle.yaml            format, title, now (when the evidence was read), alert_source, family
    alert.json             the alert exactly as its sender posted it (alertmanager, grafana,
                           datadog, pagerduty or generic webhook, named by ``alert_source``)
    kubernetes/*.json      Kubernetes objects as the API returns them: ``kubectl get -o json``
                           lists (``PodList``, ``EventList``...) or single objects
    logs/<pod>/<container>.log           container log (``kubectl logs``)
    logs/<pod>/<container>.previous.log  log of the last terminated container (``--previous``)
    prometheus/*.json      Prometheus HTTP API answers: ``query_range`` results (matrix) and
                           ``/api/v1/rules``; an optional top-level ``autoheal`` key records the query
    loglines.jsonl         log lines, one JSON object a line: at, service, level, line[, labels, trace_id]
    traces/*.json          trace spans: OTLP JSON (``resourceSpans`` / Tempo ``batches``) or Jaeger
                           query API JSON (``{"data": [{"spans", "processes"}]}``)
    changes.json           deploys / config changes / flag flips (the generic change format)
    expected.yaml          optional answer for scoring: root_cause {kind, object}, noise, facts

:func:`load_bundle` reads and validates one; every problem found is listed in one
:class:`BundleError`. Nothing in a bundle is executed or treated as an instruction: alert text and
log lines are data.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from autoheal.domain.alerts import Alert, AlertGroup
from autoheal.errors import InputError
from autoheal.k8s.evidence import parse_time
from autoheal.k8s.recorded import KIND_TO_RESOURCE, RecordedBackend
from autoheal.sources.rules import LabelRules
from autoheal.telemetry.model import ChangeEvent, LogRecord, Span

FORMAT = "autoheal.case/v1"
MAX_FILES = 5000
MAX_BYTES = 256 * 1024 * 1024
KNOWN_TOP = {
    "bundle.yaml",
    "alert.json",
    "expected.yaml",
    "loglines.jsonl",
    "changes.json",
    "kubernetes",
    "logs",
    "prometheus",
    "traces",
}


class BundleError(InputError):
    """A bundle that cannot be read; ``problems`` lists every file and what is wrong with it."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"case bundle {where} is not valid ({len(problems)} problem(s)):\n{listed}")


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    derived: bool = False  # computed by the investigator (e.g. time to full): stated, not quoted


@dataclass(frozen=True, slots=True)
class Expected:
    kind: str
    object: str
    noise: bool
    facts: tuple[Fact, ...] = ()


@dataclass(slots=True)
class Bundle:
    name: str
    origin: str
    title: str
    now: datetime
    alert_source: str
    family: str
    alert_payload: Any
    alerts: list[Alert]
    objects: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[tuple[str, str, bool], str] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    log_lines: list[LogRecord] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    changes: list[ChangeEvent] = field(default_factory=list)
    expected: Expected | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def backend(self) -> RecordedBackend:
        """The recorded Kubernetes objects and logs, served like the API would."""
        return RecordedBackend(self.objects, self.logs)

    def group(self) -> AlertGroup:
        """The bundle's alerts as one alert group (what triage assesses)."""
        return AlertGroup(
            key=f"case:{self.name}",
            labels={"alertname": self.alerts[0].name},
            fingerprints=tuple(a.fingerprint for a in self.alerts),
            status=self.alerts[0].status,
            service=next((a.service for a in self.alerts if a.service), None),
            severity=max((a.severity for a in self.alerts), key=lambda s: s.rank),
        )


# -- reading files --------------------------------------------------------------------------------


def _folder_files(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                continue
            data = path.read_bytes()
            total += len(data)
            files[rel] = data
            if len(files) > MAX_FILES or total > MAX_BYTES:
                raise BundleError(str(root), [f"more than {MAX_FILES} files or {MAX_BYTES} bytes"])
    return files


def _tar_files(path: Path) -> dict[str, bytes]:
    """Regular files of a .tar.gz, relative to the folder holding bundle.yaml; links and paths
    leaving the archive are refused."""
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if member.isdir():
                    continue
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise BundleError(str(path), [f"{member.name}: not a plain file inside the archive"])
                total += member.size
                if len(files) >= MAX_FILES or total > MAX_BYTES:
                    raise BundleError(str(path), [f"more than {MAX_FILES} files or {MAX_BYTES} bytes"])
                handle = tar.extractfile(member)
                if handle is not None:
                    files[name.as_posix().removeprefix("./")] = handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(str(path), [f"cannot read the archive: {exc}"]) from exc
    manifests = [n for n in files if PurePosixPath(n).name == "bundle.yaml"]
    if len(manifests) == 1 and "/" in manifests[0]:
        prefix = manifests[0].rsplit("/", 1)[0] + "/"
        files = {n.removeprefix(prefix): d for n, d in files.items() if n.startswith(prefix)}
    return files


def read_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return _folder_files(path)
    if path.is_file() and (path.name.endswith((".tar.gz", ".tgz", ".tar"))):
        return _tar_files(path)
    raise BundleError(str(path), ["not a folder or a .tar.gz file"])


def bundle_name(path: Path) -> str:
    return path.name.removesuffix(".tar.gz").removesuffix(".tgz").removesuffix(".tar")


# -- parsing --------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def _json(files: Mapping[str, bytes], name: str, p: _Problems) -> Any:
    try:
        return json.loads(files[name])
    except (ValueError, UnicodeDecodeError) as exc:
        p.add(name, f"not valid JSON ({exc})")
        return None


def _yaml(files: Mapping[str, bytes], name: str, p: _Problems) -> Any:
    try:
        return yaml.safe_load(files[name])
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        p.add(name, f"not valid YAML ({exc})")
        return None


def _kube_objects(name: str, doc: Any, p: _Problems) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
        p.add(name, "not a Kubernetes object or list (needs a 'kind', as `kubectl get -o json` writes)")
        return []
    if doc["kind"] == "List" or doc["kind"].endswith("List"):
        items = doc.get("items")
        if not isinstance(items, list):
            p.add(name, f"{doc['kind']} without an 'items' array")
            return []
        out = []
        default_kind = doc["kind"][: -len("List")] or None
        for i, item in enumerate(items):
            kind = item.get("kind") if isinstance(item, dict) else None
            kind = kind or default_kind
            if not isinstance(item, dict) or not kind:
                p.add(name, f"items[{i}] has no kind (a plain 'List' needs 'kind' on every item)")
                continue
            out.extend(_kube_objects(f"{name} items[{i}]", {**item, "kind": kind}, p))
        return out
    kind = doc["kind"]
    if kind not in KIND_TO_RESOURCE:
        p.add(
            name,
            f"kind {kind!r} is not read by the investigators (known: {', '.join(sorted(KIND_TO_RESOURCE))})",
        )
        return []
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        p.add(name, f"a {kind} without metadata.name")
        return []
    return [doc]


def _prometheus(name: str, doc: Any, bundle: Bundle, p: _Problems) -> None:
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or (isinstance(doc, dict) and doc.get("status") not in (None, "success")):
        p.add(name, 'not a Prometheus API answer (needs {"status": "success", "data": {...}})')
        return
    if "groups" in data:
        if not isinstance(data["groups"], list):
            p.add(name, "data.groups is not a list")
            return
        bundle.rules.extend(g for g in data["groups"] if isinstance(g, dict))
        return
    if data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        p.add(name, "data.resultType must be 'matrix' (a query_range answer) with a 'result' list")
        return
    for i, s in enumerate(data["result"]):
        if not (
            isinstance(s, dict) and isinstance(s.get("metric"), dict) and isinstance(s.get("values"), list)
        ):
            p.add(name, f"result[{i}] needs 'metric' (labels) and 'values' ([[time, \"value\"], ...])")
            continue
        if "__name__" not in s["metric"]:
            p.add(name, f"result[{i}] has no __name__ label (query a plain selector, not an expression)")
            continue
        bundle.series.append({"metric": {k: str(v) for k, v in s["metric"].items()}, "values": s["values"]})


def _log_lines(name: str, raw: bytes, p: _Problems) -> list[LogRecord]:
    out: list[LogRecord] = []
    for n, text in enumerate(raw.decode(errors="replace").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
            at = parse_time(str(row["at"]))
            if at is None:
                raise ValueError("at is empty")
            out.append(
                LogRecord(
                    at=at,
                    service=str(row["service"]),
                    level=str(row.get("level", "info")),
                    line=str(row["line"]),
                    labels={str(k): str(v) for k, v in (row.get("labels") or {}).items()},
                    trace_id=row.get("trace_id"),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            p.add(f"{name} line {n}", f"needs a JSON object with at, service, line ({exc})")
    return out


def _spans(name: str, doc: Any, p: _Problems) -> list[Span]:
    from autoheal.tools.traces_remote import parse_jaeger_traces, parse_otlp_trace

    if not isinstance(doc, dict):
        p.add(name, "not a trace document")
        return []
    try:
        if "data" in doc:
            return parse_jaeger_traces(doc)
        if any(k in doc.get("trace", doc) for k in ("resourceSpans", "batches")):
            return parse_otlp_trace(doc)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        p.add(name, f"cannot read the spans ({exc})")
        return []
    p.add(name, "neither OTLP JSON (resourceSpans / batches) nor Jaeger JSON (data)")
    return []


def _expected(doc: Any, p: _Problems) -> Expected | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("root_cause"), dict):
        p.add("expected.yaml", "needs root_cause: {kind, object} (and optionally noise, facts)")
        return None
    rc = doc["root_cause"]
    if not rc.get("kind") or rc.get("object") in (None, ""):
        p.add("expected.yaml", "root_cause needs both kind and object")
        return None
    facts = []
    for i, f in enumerate(doc.get("facts") or []):
        if isinstance(f, str):
            facts.append(Fact(f))
        elif isinstance(f, dict) and f.get("text"):
            facts.append(Fact(str(f["text"]), bool(f.get("derived", False))))
        else:
            p.add("expected.yaml", f"facts[{i}] must be a string or {{text, derived}}")
    return Expected(str(rc["kind"]), str(rc["object"]), bool(doc.get("noise", False)), tuple(facts))


def _alerts(source: str, payload: Any, p: _Problems) -> list[Alert]:
    from autoheal.errors import PayloadError, UnknownSourceError
    from autoheal.sources.registry import get_source

    try:
        alerts = list(get_source(source).normalise(payload, LabelRules()))
    except (PayloadError, UnknownSourceError) as exc:
        p.add("alert.json", f"not a valid {source} payload: {exc}")
        return []
    if not alerts:
        p.add("alert.json", "holds no alert")
    return alerts


def parse_files(files: Mapping[str, bytes], *, name: str, origin: str) -> Bundle:
    """A bundle from its files (relative path -> bytes); :class:`BundleError` lists every problem."""
    p = _Problems()
    for required in ("bundle.yaml", "alert.json"):
        if required not in files:
            p.add(required, "missing (every bundle needs bundle.yaml and alert.json)")
    if p.items:
        raise BundleError(origin, p.items)
    meta = _yaml(files, "bundle.yaml", p)
    payload = _json(files, "alert.json", p)
    if not isinstance(meta, dict):
        if meta is not None:
            p.add("bundle.yaml", "must be a mapping (format, title, now, alert_source)")
        raise BundleError(origin, p.items)
    if meta.get("format", FORMAT) != FORMAT:
        p.add("bundle.yaml", f"format {meta.get('format')!r} is not {FORMAT!r}")
    now = parse_time(str(meta.get("now", ""))) if meta.get("now") else None
    if now is None:
        p.add("bundle.yaml", "now (when the evidence was read, RFC 3339) is missing or not a time")
    source = str(meta.get("alert_source", "alertmanager"))
    alerts = _alerts(source, payload, p) if payload is not None else []
    bundle = Bundle(
        name=name,
        origin=origin,
        title=str(meta.get("title") or name),
        now=now or datetime.min,
        alert_source=source,
        family=str(meta.get("family") or (alerts[0].name if alerts else "")),
        alert_payload=payload,
        alerts=alerts,
        meta={k: v for k, v in meta.items() if k not in ("format", "title", "now", "alert_source", "family")},
    )
    for rel in sorted(files):
        top = rel.split("/", 1)[0]
        if top not in KNOWN_TOP:
            p.add(rel, f"unknown file (a bundle holds: {', '.join(sorted(KNOWN_TOP))})")
        elif top == "kubernetes" and rel.endswith(".json"):
            doc = _json(files, rel, p)
            if doc is not None:
                bundle.objects.extend(_kube_objects(rel, doc, p))
        elif top == "logs":
            parts = rel.split("/")
            if len(parts) != 3 or not parts[2].endswith(".log"):
                p.add(rel, "container logs go in logs/<pod>/<container>.log or <container>.previous.log")
                continue
            previous = parts[2].endswith(".previous.log")
            container = parts[2].removesuffix(".log").removesuffix(".previous")
            bundle.logs[(parts[1], container, previous)] = files[rel].decode(errors="replace")
        elif top == "prometheus" and rel.endswith(".json"):
            doc = _json(files, rel, p)
            if doc is not None:
                _prometheus(rel, doc, bundle, p)
        elif top == "traces" and rel.endswith(".json"):
            doc = _json(files, rel, p)
            if doc is not None:
                bundle.spans.extend(_spans(rel, doc, p))
        elif rel == "loglines.jsonl":
            bundle.log_lines = _log_lines(rel, files[rel], p)
        elif rel == "changes.json":
            bundle.changes = _changes(files, rel, now, p)
        elif rel == "expected.yaml":
            bundle.expected = _expected(_yaml(files, rel, p), p)
    if p.items:
        raise BundleError(origin, p.items)
    return bundle


def _changes(files: Mapping[str, bytes], rel: str, now: datetime | None, p: _Problems) -> list[ChangeEvent]:
    from autoheal.errors import PayloadError
    from autoheal.tools.change_payloads import parse_generic

    doc = _json(files, rel, p)
    if doc is None or now is None:
        return []
    try:
        return parse_generic(doc, now)
    except PayloadError as exc:
        p.add(rel, f"not the generic change format: {exc}")
        return []


def load_bundle(path: Path | str) -> Bundle:
    """Read and validate the bundle at ``path`` (a folder or a .tar.gz)."""
    path = Path(path)
    if not path.exists():
        raise BundleError(str(path), ["no such file or folder"])
    return parse_files(read_files(path), name=bundle_name(path), origin=str(path))


def bundle_paths(root: Path) -> Iterator[Path]:
    """Every bundle directly under ``root`` (folders holding bundle.yaml, and .tar.gz files), sorted."""
    if not root.is_dir():
        raise BundleError(str(root), ["not a folder of bundles"])
    for path in sorted(root.iterdir()):
        if (path / "bundle.yaml").is_file() or (path.is_file() and path.name.endswith((".tar.gz", ".tgz"))):
            yield path


def load_folder(root: Path, only: str | None = None) -> list[Bundle]:
    return [load_bundle(p) for p in bundle_paths(root) if only is None or only in p.name]


# -- writing --------------------------------------------------------------------------------------


def write_files(files: Mapping[str, bytes], dest: Path) -> Path:
    """Write a bundle's files to a folder, or to a .tar.gz when ``dest`` ends with .tar.gz."""
    if dest.name.endswith((".tar.gz", ".tgz")):
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(dest, "w:gz") as tar:
            for rel, data in sorted(files.items()):
                info = tarfile.TarInfo(f"{bundle_name(dest)}/{rel}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return dest
    for rel, data in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return dest
