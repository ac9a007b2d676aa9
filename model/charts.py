"""Pictures of tradeoff frontiers as PNG files (the native Excel chart is in ``model.report``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model import atomic

AXIS_LABELS = {
    "cap": "Dependency cap (share of supply from concern countries)",
    "max_shortfall": "Survival target (most share of demand that may go unserved)",
}


CONCERN_COLOR = "#d62728"
PALETTE = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#bcbd22", "#e377c2", "#7f7f7f")
"""Bloc colours, as in the HTML report: red for a bloc holding a concern country, the palette
for the others in order."""


def bloc_colors(blocs: list[str], concern_blocs: list[str]) -> dict[str, str]:
    """One colour per bloc: ``CONCERN_COLOR`` for the concern blocs, the palette for the others."""
    others = iter(PALETTE * (len(blocs) // len(PALETTE) + 1))
    return {b: CONCERN_COLOR if b in concern_blocs else next(others) for b in blocs}


OVER_PERIODS = "over_periods"
"""``DataFrame.attrs`` key of a Tradeoff table: True where its points are plans over periods."""


def objective_label(table: pd.DataFrame) -> str:
    """What a Tradeoff table's ``objective`` is: the total yearly cost, or with periods the total
    cost over the horizon (each period's yearly cost times its weight)."""
    return "Total cost over the horizon" if table.attrs.get(OVER_PERIODS) else "Total yearly cost"


UNSERVED_COLOR = "#c00000"
NO_DESIGN_COLOR = "#555555"
UNSERVED_LABEL = "met by leaving demand unserved"
NO_DESIGN_LABEL = "no feasible design"


def frontier_png(table: pd.DataFrame, parameter_column: str, currency: str, path: Path) -> Path:
    """The frontier (``frontier_figure``) as a PNG, written atomically (``atomic.save_figure``)."""
    fig = frontier_figure(table, parameter_column, currency)
    return atomic.save_figure(fig, path)


def frontier_figure(table: pd.DataFrame, parameter_column: str, currency: str) -> Any:
    """The frontier as a matplotlib figure: cost against the swept value, the points where the
    design changes annotated, the points whose cap (or target) is met by leaving demand unserved
    drawn as red squares, and the values with no feasible design as grey crosses at the foot of
    the plot, labelled with their status (the sheet's ``explanation`` column says why). With no
    feasible value at all there is no cost axis, and the plot says that nothing was feasible."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = table.dropna(subset=["objective"])
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    ax.plot(data[parameter_column] * 100, data["objective"], marker="o", color="#1f5fa8")
    swept = (table[parameter_column].astype(float) * 100).tolist()
    pad = 0.06 * ((max(swept) - min(swept)) or 10)
    ax.set_xlim(max(swept) + pad, min(swept) - pad)  # tighter to the right; no tick far past the values swept
    ax.set_xlabel(AXIS_LABELS[parameter_column].replace("share", "%"))
    ax.set_ylabel(f"{objective_label(table)} ({currency})")
    ax.set_title(
        "What each point of de-risking costs" if parameter_column == "cap" else "What each point of resilience costs"
    )
    ax.grid(True, alpha=0.3)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    flagged = data[:0]
    if "met_by_unserved_demand" in data:
        flagged = data[data["met_by_unserved_demand"].fillna(False).astype(bool)]
    if len(flagged):
        ax.scatter(
            flagged[parameter_column] * 100,
            flagged["objective"],
            marker="s",
            s=70,
            color=UNSERVED_COLOR,
            zorder=3,
            label=f"{UNSERVED_LABEL} (see the unserved column)",
        )
    missing = table[table["objective"].isna()]
    if not len(data):  # nothing to draw a cost for: no cost axis (its ticks would read -0, 0, 0), say so
        what = "the cap" if parameter_column == "cap" else "the survival target"
        ax.set_yticks([])
        ax.set_ylabel("")
        ax.set_ylim(-1, 1)
        ax.text(
            0.5,
            0.78,
            f"Nothing was feasible: no design meets {what}\nat any value swept (see the explanation column)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=11,
            color=NO_DESIGN_COLOR,
        )
    if len(missing):
        low = float(data["objective"].min()) if len(data) else 0.0
        ax.scatter(
            missing[parameter_column] * 100,
            [low] * len(missing),
            marker="x",
            s=80,
            color=NO_DESIGN_COLOR,
            zorder=3,
            label=f"{NO_DESIGN_LABEL} (see the explanation column)",
        )
        for r in missing.itertuples():
            ax.annotate(
                str(r.status),
                (getattr(r, parameter_column) * 100, low),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=7,
                color=NO_DESIGN_COLOR,
            )
    if len(flagged) or len(missing):
        ax.legend(loc="upper left", fontsize=8)
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
    return fig
