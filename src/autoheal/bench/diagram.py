"""The reliability diagram as a PNG (matplotlib, the optional ``plots`` extra)."""

from __future__ import annotations

from pathlib import Path

from autoheal.bench.calibration import Calibration
from autoheal.errors import ConfigError


def reliability_png(cal: Calibration, path: Path) -> None:
    """One panel per data set and one for all: observed accuracy per confidence bin, before and
    after the map, against the diagonal of perfect calibration."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as exc:
        raise ConfigError("the reliability diagram needs matplotlib: pip install 'autoheal[plots]'") from exc
    panels = [*cal.per_dataset.items(), ("overall", cal.overall)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4), squeeze=False)
    for ax, (name, entry) in zip(axes[0], panels, strict=True):
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
        for key, label, marker in (("bins", "before", "o"), ("bins_after", "after", "s")):
            bins = [b for b in entry.get(key, []) if b["cases"]]
            if bins:
                ax.plot(
                    [b["confidence"] for b in bins],
                    [b["accuracy"] for b in bins],
                    marker=marker,
                    label=f"{label} (ECE {entry['before' if key == 'bins' else 'after']['ECE']:.3f})",
                )
        ax.set_title(f"{name} ({entry['before']['cases']} cases)")
        ax.set_xlabel("top cause's confidence")
        ax.set_ylabel("observed top-1 accuracy")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
