"""Pictures of tradeoff frontiers as PNG files (the native Excel chart is in ``model.report``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from model import atomic

AXIS_LABELS = {
    "cap": "Dependency cap (share of supply from concern countries)",
    "max_shortfall": "Survival target (most share of demand that may go unserved)",
}


def frontier_png(table: pd.DataFrame, parameter_column: str, currency: str, path: Path) -> Path:
    """The frontier as a PNG, the points where the design changes annotated. Written atomically."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = table.dropna(subset=["objective"])
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    ax.plot(data[parameter_column] * 100, data["objective"], marker="o", color="#1f5fa8")
    ax.invert_xaxis()
    ax.set_xlabel(AXIS_LABELS[parameter_column].replace("share", "%"))
    ax.set_ylabel(f"Total yearly cost ({currency})")
    ax.set_title(
        "What each point of de-risking costs" if parameter_column == "cap" else "What each point of resilience costs"
    )
    ax.grid(True, alpha=0.3)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    n = len(data)
    for k, r in enumerate(data.itertuples()):
        change = getattr(r, "design_change", "") or ""
        if change:
            text = change if len(change) < 60 else change[:57] + "..."
            right_half = k >= n / 2  # the axis is inverted: later points sit on the right
            ax.annotate(
                text,
                (getattr(r, parameter_column) * 100, r.objective),
                textcoords="offset points",
                xytext=(-8 if right_half else 8, -14 if k % 2 else 8),
                ha="right" if right_half else "left",
                fontsize=7,
                color="#a33",
            )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        atomic.give_normal_permissions(tmp, path)  # not the temporary file's 0600
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
