"""Backtest: replay a history of alerts through a private copy of Autoheal and print what it
would have suppressed, paged and concluded, next to what actually happened (docs/backtest.md)."""

from autoheal.backtest.history import Delivery, fetch_alertmanager, read_history, read_jsonl
from autoheal.backtest.replay import BacktestResult, Decision, backtest

__all__ = [
    "BacktestResult",
    "Decision",
    "Delivery",
    "backtest",
    "fetch_alertmanager",
    "read_history",
    "read_jsonl",
]
