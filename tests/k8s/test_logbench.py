"""``autoheal bench logcause`` on a small Loghub-shaped folder (the real data stays in ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.cli.bench import app
from autoheal.errors import ConfigError
from autoheal.k8s.logbench import run, summary

LINES = [
    ("-", "1117838570 2005.06.03 R02 RAS KERNEL INFO instruction cache parity error corrected"),
    ("KERNDTLB", "1117838571 2005.06.03 R02 RAS KERNEL FATAL data TLB error interrupt"),
    ("-", "1117838572 2005.06.03 R02 RAS KERNEL FATAL rts: kernel terminated for reason 1004"),
    ("-", "1117838573 2005.06.03 R02 RAS APP INFO ciod: generated 128 core files"),
    ("APPREAD", "1117838574 2005.06.03 R02 RAS APP INFO ciod: failed to read message prefix"),
]


def _loghub(root: Path) -> Path:
    system = root / "BGL"
    system.mkdir(parents=True)
    (system / "BGL_2k.log").write_text("".join(f"{label} {text}\n" for label, text in LINES))
    rows = ["LineId,Label,Content"] + [f'{i},{label},"{text}"' for i, (label, text) in enumerate(LINES, 1)]
    (system / "BGL_2k.log_structured.csv").write_text("\n".join(rows) + "\n")
    other = root / "HDFS"
    other.mkdir()
    (other / "HDFS_2k.log_structured.csv").write_text("LineId,Content\n1,x\n")
    return root


def test_failure_lines_are_scored_against_the_labels(tmp_path: Path) -> None:
    scores, unlabelled = run(_loghub(tmp_path))
    bgl = scores[0]
    # flagged: the two FATAL lines; labelled: the TLB line and the INFO-level read failure
    assert (bgl.tp, bgl.fp, bgl.fn) == (1, 1, 1)
    assert bgl.precision == 0.5 and bgl.recall == 0.5 and bgl.f1 == 0.5
    assert unlabelled == ["HDFS"]
    assert summary(scores, unlabelled)["precision"] == 0.5


def test_the_command_prints_a_table_and_a_last_json_line(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["logcause", "--data-dir", str(_loghub(tmp_path))])
    assert out.exit_code == 0, out.output
    assert "BGL" in out.output and "not scored" in out.output
    assert json.loads(out.output.strip().splitlines()[-1])["systems"]["BGL"]["tp"] == 1


def test_a_folder_that_is_not_loghub_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="loghub_2k"):
        run(tmp_path / "missing")
    with pytest.raises(ConfigError, match="is this loghub_2k"):
        run(tmp_path)
