import gzip
from pathlib import Path

import pytest

from autoheal.bench import default_data_dir
from autoheal.bench.loghub import grouping_accuracy
from autoheal.bench.nezha import metric_series, parse_inject_time, pod_service
from autoheal.bench.runner import run_rca
from autoheal.bench.scoring import summary
from autoheal.bench.sockshop import split_column

DATA = default_data_dir()
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"bench data not found at {DATA}")


def test_scoring() -> None:
    pairs = [(["a", "b", "c"], "a"), (["b", "a"], "a"), (["x"], "a")]
    s = summary(pairs)
    assert s["AS@1"] == pytest.approx(1 / 3, abs=1e-3)
    assert s["AS@3"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["Avg@5"] == pytest.approx((1 / 3 + 4 * 2 / 3) / 5, abs=1e-3)


def test_nezha_clock_and_pods() -> None:
    # the inject_time string is read as UTC: the metric TimeStamp clock
    assert parse_inject_time("2023-01-29 08:43:04") == 1674981784.0
    assert pod_service("ts-basic-service-5dc8d4f9fd-46997") == "ts-basic-service"
    assert pod_service("ts-station-food-service-dc4d75dd-fw6ft") == "ts-station-food-service"


def test_nezha_usage_rates_are_ratios_of_the_limit(tmp_path: Path) -> None:
    # CpuUsageRate(%) and MemoryUsageRate(%) are percentages of the pod's limit: served as the
    # canonical ratios the saturation generator reads; other columns keep their derived names
    metric = tmp_path / "nezha" / "rca_data" / "2023-01-29" / "metric"
    metric.mkdir(parents=True)
    with gzip.open(metric / "ts-food-service-5dc8d4f9fd-46997_metric.csv.gz", "wt") as fh:
        fh.write(
            "Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsageRate(%),NodeCpuUsageRate(%)\n"
        )
        fh.write("t,100,ts-food-service-5dc8d4f9fd-46997,5.0,1.0,20.0,30.0\n")
        fh.write("t,160,ts-food-service-5dc8d4f9fd-46997,500.0,100.0,25.0,31.0\n")
    series = {s.name: s for s in metric_series(tmp_path / "nezha", "2023-01-29")}
    assert set(series) == {"cpu_usage", "cpu_usage_ratio", "memory_usage_ratio"}
    assert series["cpu_usage_ratio"].values == pytest.approx((0.01, 1.0))
    assert series["memory_usage_ratio"].values == pytest.approx((0.2, 0.25))
    assert series["cpu_usage"].values == (5.0, 500.0)
    assert series["cpu_usage_ratio"].labels == {
        "service": "ts-food-service",
        "pod": "ts-food-service-5dc8d4f9fd-46997",
    }


def test_sockshop_columns_and_grouping_accuracy() -> None:
    assert split_column("carts-db_lat_90") == ("carts-db", "lat_90")
    assert split_column("front-end_cpu") == ("front-end", "cpu")
    assert grouping_accuracy([1, 1, 2, 3], ["A", "A", "B", "B"]) == 0.5


def test_default_data_dir_from_environment() -> None:
    assert default_data_dir({"AUTOHEAL_BENCH_DATA": "/x"}) == Path("/x")


@needs_data
def test_sockshop_slice_end_to_end() -> None:
    result = run_rca("rcd-sockshop", DATA, limit=3, with_baselines=False, path="direct")
    assert len(result.cases) == 3
    out = result.to_json()
    assert out["dataset"] == "rcd-sockshop" and out["cases"] == 3
    assert out["autoheal"]["AS@1"] == 1.0


@needs_data
def test_petshop_slice_has_splits() -> None:
    result = run_rca("petshop", DATA, limit=2, with_baselines=False, path="direct")
    out = result.to_json()
    assert out["cases"] == 2 and out["splits"]
