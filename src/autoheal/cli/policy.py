"""`autoheal policy check FILE`: validate a policy file and print what it means."""

from __future__ import annotations

from pathlib import Path

import typer

from autoheal.cli.common import console, err_console
from autoheal.errors import PolicyError
from autoheal.governance.policy import DEFAULT_POLICY_YAML, Policy, load_policy

app = typer.Typer(help="Governance policy files.", no_args_is_help=True)


@app.command("check")
def check(file: Path = typer.Argument(..., help="policy YAML file")) -> None:
    """Validate FILE; print a summary (exit 0) or the errors with their lines (exit 1)."""
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        err_console.print(f"[red]invalid policy:[/red]\n{exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(f"[green]ok[/green] {file}", highlight=False, soft_wrap=True)
    console.print(summary(policy), highlight=False, soft_wrap=True)


@app.command("default")
def show_default() -> None:
    """Print the built-in policy (used when no policy_file is configured)."""
    console.print(DEFAULT_POLICY_YAML, highlight=False, markup=False)


def summary(p: Policy) -> str:
    lines = [
        f"default decision: {p.default.value}; write actions: {p.write_actions.value}",
        f"rules ({len(p.rules)}), deny wins over require_approval wins over allow:",
    ]
    for r in p.rules:
        extra = "".join(
            [
                f" args {dict(r.args)}" if r.args else "",
                f" metrics {list(r.metrics)}" if r.metrics else "",
                f" callers {list(r.callers)}" if r.callers != ("*",) else "",
            ]
        )
        lines.append(f"  - {r.name}: {r.effect.value} {list(r.tools)}{extra}")
    rl, cc, b = p.rate_limits, p.concurrency, p.budgets
    g = f"{rl.global_.rate:g}/s burst {rl.global_.burst}" if rl.global_ else "none"
    lines.append(f"rate limits: global {g}; per tool {len(rl.tools)}; wait at most {rl.max_wait_seconds:g}s")
    lines.append(f"concurrency: global {cc.global_}; per tool {len(cc.tools)}")
    lines.append(
        f"budgets per investigation: {b.tool_calls} calls, query cost {b.query_cost:g}, "
        f"{b.wall_time_seconds:g}s wall time, {b.model_tokens} model tokens"
    )
    pq, lg = p.guards.promql, p.guards.logs
    lines.append(
        f"PromQL guard: range <= {pq.max_range_seconds:g}s, <= {pq.max_points_per_series} points/series, "
        f"step >= {pq.min_step_seconds:g}s, subquery depth <= {pq.max_subquery_depth}, "
        f"regex-only selectors <= {pq.max_regex_only_selectors}"
    )
    lines.append(
        f"log guard: window <= {lg.max_range_seconds:g}s, <= {lg.max_lines} lines, <= {lg.max_bytes} bytes"
    )
    rd = p.redaction
    lines.append(
        f"redaction: {'on' if rd.enabled else 'OFF'} (emails {rd.emails}, ips {rd.ip_addresses}, "
        f"phones {rd.phone_numbers}, cards {rd.credit_cards}, {len(rd.extra_patterns)} extra patterns)"
    )
    lines.append(
        f"approvals: by {', '.join(p.approvals.approver_roles)}; expire after {p.approvals.ttl_seconds:g}s"
    )
    return "\n".join(lines)
