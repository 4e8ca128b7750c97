from pathlib import Path

import pytest

from autoheal.bench import default_data_dir
from autoheal.bench.loghub import DRAIN_PUBLISHED, grouping_accuracy, run_logs, run_logs_raw

LOGHUB = default_data_dir() / "loghub_2k"


def test_grouping_accuracy_needs_exact_groups() -> None:
    assert grouping_accuracy([1, 1, 2, 2], ["A", "A", "B", "B"]) == 1.0
    assert grouping_accuracy([1, 1, 1, 2], ["A", "A", "B", "B"]) == 0.0  # merged and split
    assert grouping_accuracy([1, 1, 2, 3], ["A", "A", "B", "B"]) == 0.5
    assert grouping_accuracy([], []) == 0.0


def test_published_figures_cover_the_sixteen_systems() -> None:
    assert len(DRAIN_PUBLISHED) == 16
    assert round(sum(DRAIN_PUBLISHED.values()) / 16, 3) == 0.865


def _one_system(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).symlink_to(LOGHUB / name)
    return tmp_path


@pytest.mark.skipif(not (LOGHUB / "HDFS").is_dir(), reason=f"loghub_2k not found at {LOGHUB}")
def test_hdfs_content_and_raw(tmp_path: Path) -> None:
    root = _one_system(tmp_path, "HDFS")
    assert run_logs(root)["HDFS"] >= 0.99
    assert run_logs_raw(root)["HDFS"] >= 0.99
