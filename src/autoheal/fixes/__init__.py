"""Preventive fixes generated when an incident is resolved (docs/fixes.md).

* ``model`` — ``Fix``, ``FixKind``, ``FixStatus``, ``Check`` (plain data)
* ``base`` — the ``FixGenerator`` seam and the ``FixContext`` it reads
* ``generators/`` — one module per kind: leading indicator, SLO burn rate, noisy-alert tuning,
  regression test, runbook
* ``promtool``, ``validate`` — the real ``promtool check rules`` / ``test rules`` and the other checks
* ``context`` — a ``FixContext`` from the stored investigation, alerts and verdicts
* ``service`` — generate, validate, learn from rejections, store; ``store`` — the ``fixes`` table
* ``delivery`` — files, a unified patch against the rules repository, or a pull request
  (``github``; ``github_fake`` the local fake GitHub API the tests use)
* ``slack`` — the fixes message with Accept / Reject buttons in a resolved incident's channel
"""

from autoheal.fixes.model import Check, Fix, FixKind, FixStatus

__all__ = ["Check", "Fix", "FixKind", "FixStatus"]
