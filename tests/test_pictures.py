"""The PNG pictures mean what they say (issue 28, section 2): the Timeline one small panel per
product (never tonnes, GWh and wafers on one axis), its legend off the panels, readable at ten
times the sample's size; a frontier with no feasible point draws no cost axis and says so."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd
import pytest

from model.charts import frontier_figure
from model.timeline import CONCERN_BLOCS, PANEL_HEIGHT, PANEL_WIDTH, capacity_column, timeline_figure

PRODUCTS = (("ore", "t"), ("cells", "GWh"), ("wafers", "k wafers"))
BLOCS = ("Ally", "Concern")


def timeline(products: tuple[tuple[str, str], ...] = PRODUCTS, periods: tuple[int, ...] = (2025, 2030)) -> pd.DataFrame:
    """A Timeline table as ``timeline_table`` writes it: per product its capacity in each bloc (Ally
    10 x (k + 1), Concern 100 x (k + 1) for the k-th product, doubled in the second period), its
    concern share against its cap (the first product only) and its share made in concern countries."""
    rows = []
    for j, t in enumerate(periods):
        row: dict[str, Any] = {"period": t, "years": 5, "weight": 5.0, "yearly_cost": 100.0 * (j + 1)}
        row["weighted_cost"] = 5 * row["yearly_cost"]
        row["opens"], row["closes"] = "", ""
        for k, (p, unit) in enumerate(products):
            for b, size in zip(BLOCS, (10, 100), strict=True):
                row[capacity_column(p, unit, b)] = size * (k + 1) * (j + 1)
        p0 = products[0][0]
        row[f"concern share: {p0}"], row[f"cap: {p0}"] = 0.5, 0.5
        for p, _ in products:
            row[f"made in concern countries: {p}"] = 0.9
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs[CONCERN_BLOCS] = ["Concern"]
    return table


def product_panels(fig: Any) -> list[Any]:
    return [ax for ax in fig.axes if ax.get_label().startswith("product: ")]


def bar_heights(ax: Any) -> list[float]:
    """The height of each stacked bar of a panel (sum of its patches at each x)."""
    heights: dict[float, float] = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2, 6)
        heights[x] = heights.get(x, 0.0) + patch.get_height()
    return [heights[x] for x in sorted(heights)]


def test_the_timeline_is_one_panel_per_product_in_its_unit() -> None:
    """Three products in tonnes, GWh and thousands of wafers: three panels, each titled with its
    unit and holding only its own product's capacity (110 x (k + 1), twice that in 2030), the
    concern blocs red; then the cost panel. Nothing adds quantities of different units."""
    fig = timeline_figure(timeline(), "USD")
    panels = product_panels(fig)
    assert [ax.get_label() for ax in panels] == ["product: ore", "product: cells", "product: wafers"]
    assert [ax.get_title() for ax in panels] == ["ore (t)", "cells (GWh)", "wafers (k wafers)"]
    for k, ax in enumerate(panels):
        assert bar_heights(ax) == pytest.approx([110 * (k + 1), 220 * (k + 1)])
        assert {p.get_facecolor()[:3] for p in ax.patches if p.get_height() == 100 * (k + 1)} == {
            (214 / 255, 39 / 255, 40 / 255)
        }
    assert [ax.get_label() for ax in fig.axes if ax.get_label() == "cost"] == ["cost"]
    assert bar_heights(next(ax for ax in fig.axes if ax.get_label() == "cost")) == [100, 200]


def test_the_legend_stands_above_the_panels(tmp_path: Any) -> None:
    """One legend for the figure, naming the blocs and the three lines, drawn above every panel
    (its box on the canvas meets no axes' box)."""
    fig = timeline_figure(timeline(), "USD")
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[:2] == ["capacity in Ally", "capacity in Concern"] and len(texts) == 5
    assert not any(ax.get_legend() for ax in fig.axes)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_tightbbox(renderer)), ax.get_label()


@pytest.mark.slow
def test_the_timeline_is_readable_at_ten_times_the_sample() -> None:
    """160 products (ten times the sample's 16) and 30 periods: a panel each, every panel the same
    size in inches as at the sample's size and at least 240 x 160 pixels (the picture grows
    instead), no two panels overlapping (a panel's right-hand share axis is part of it), the
    legend above them all, the period labels at most a dozen a panel."""
    products = tuple((f"product {k}", "t") for k in range(160))
    periods = tuple(range(2025, 2055))
    fig = timeline_figure(timeline(products, periods), "USD")
    panels = product_panels(fig)
    assert len(panels) == 160
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for ax in [*panels, next(ax for ax in fig.axes if ax.get_label() == "cost")]:
        box = ax.get_window_extent(renderer)
        assert box.width >= 240 and box.height >= 160, (ax.get_label(), box)
        assert box.width / fig.dpi <= PANEL_WIDTH and box.height / fig.dpi <= PANEL_HEIGHT
        assert len([t for t in ax.get_xticklabels() if t.get_text()]) <= 12
        boxes.append(ax.get_tightbbox(renderer))
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    legend = fig.legends[0].get_window_extent(renderer)
    assert all(not legend.overlaps(b) for b in boxes)


def test_a_frontier_with_nothing_feasible_draws_no_cost_axis() -> None:
    """Every point infeasible: no cost axis and no tick that reads -0; the plot says nothing was
    feasible, and each swept value is still marked with its status."""
    table = pd.DataFrame({"cap": [0.5, 0.2, 0.0], "status": ["infeasible"] * 3, "objective": [None] * 3})
    fig = frontier_figure(table, "cap", "USD")
    (ax,) = fig.axes
    fig.canvas.draw()
    assert ax.get_yticks().size == 0 and ax.get_ylabel() == ""  # no cost axis: no "-0", "0", "0" ticks
    right, left = ax.get_xlim()  # tighter to the right
    ticks = [t.get_text().replace("−", "-") for t in ax.get_xticklabels() if left <= t.get_position()[0] <= right]
    assert "0" in ticks and not [t for t in ticks if t.startswith("-")]  # the caps swept, 0% among them
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Nothing was feasible: no design meets the cap") for t in texts)
    assert texts.count("infeasible") == 3
