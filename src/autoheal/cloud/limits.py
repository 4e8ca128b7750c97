"""Limits an RDS expert knows by heart: instance class memory and the default ``max_connections``.

RDS sets ``max_connections`` from the instance class memory: PostgreSQL
``LEAST({DBInstanceClassMemory/9531392}, 5000)``, MySQL and MariaDB
``{DBInstanceClassMemory/12582880}`` (the parameter groups' documented defaults). A parameter
group may override it; the statements say "about" for that reason.
"""

from __future__ import annotations

import re

_LARGE_GIB = {"t": 8, "m": 8, "r": 16, "x": 64, "z": 16}
_SMALL_T = {"micro": 1, "small": 2, "medium": 4}
GIB = 1024**3


def class_memory_gib(instance_class: str | None) -> float | None:
    """``db.r6g.large`` -> 16. None when the class is not of a known shape."""
    m = re.fullmatch(r"db\.([a-z])\d+[a-z]*\.(\w+)", instance_class or "")
    if not m:
        return None
    family, size = m.groups()
    if family == "t" and size in _SMALL_T:
        return _SMALL_T[size]
    base = _LARGE_GIB.get(family)
    if base is None:
        return None
    if size == "large":
        return base
    if size == "xlarge":
        return base * 2
    n = re.fullmatch(r"(\d+)xlarge", size)
    return base * 2 * int(n.group(1)) if n else None


def default_max_connections(instance_class: str | None, engine: str | None) -> int | None:
    memory = class_memory_gib(instance_class)
    if memory is None:
        return None
    if (engine or "").startswith(("postgres", "aurora-postgresql")):
        return min(int(memory * GIB / 9531392), 5000)
    if (engine or "").startswith(("mysql", "mariadb", "aurora-mysql", "aurora")):
        return int(memory * GIB / 12582880)
    return None


def iops_limit(facts: dict[str, object]) -> tuple[int, str] | None:
    """The volume's IOPS ceiling and where it comes from (the RDS storage documentation):
    provisioned ``Iops`` when set (io1, io2, gp3 with provisioned IOPS); gp3 without it: a
    baseline of 3,000 below 400 GiB and 12,000 from 400 GiB; gp2: 3 per GiB (at least 100),
    bursting to 3,000 while credits last."""
    storage = str(facts.get("StorageType") or "")
    size = int(facts.get("AllocatedStorage") or 0)  # type: ignore[call-overload]
    if facts.get("Iops"):
        return int(facts["Iops"]), f"the provisioned {int(facts['Iops']):,} IOPS"  # type: ignore[call-overload]
    if storage == "gp3":
        base = 12_000 if size >= 400 else 3_000
        return base, f"the gp3 baseline of {base:,} IOPS for {size} GiB"
    if storage == "gp2":
        base = max(100, 3 * size)
        return base, f"the gp2 baseline of {base:,} IOPS for {size} GiB"
    return None
