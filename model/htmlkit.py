"""What the sections of the HTML report share: the network's facts, table cells and tables,
plots, numbers in words, the colours and the stylesheet.

The page (``model.html_report``) and the families' sections (each family's ``html`` and
``glance``) import this module; it imports no family (``model.families`` imports the families,
which import this module at their top), and names no table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.network import Network

TOTAL = "total"
"""The ``period`` of the Costs rows that hold each component's total over the horizon
(``model.results.TOTAL``; not imported, so that the report needs no model code)."""
CONCERN_COLOR = "#d62728"
"""The colour of a bloc holding a concern country, and of concern shares."""
PALETTE = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#bcbd22", "#e377c2", "#7f7f7f")
"""The colours of the other blocs, in order of first appearance."""
POOL_COLOR = "#9e9e9e"
"""The colour of what is not a country's: a crisis's pool of all makers, a country of no bloc."""
STOCK_COLOR = "#c9a227"
"""The colour of strategic stock drawn."""
UNSERVED_COLOR = "#c00000"
"""The mark of a sweep point met by leaving demand unserved (``model.charts.UNSERVED_COLOR``)."""
EPS = 1e-9
"""Below this a quantity is nothing (a link, a draw, some demand)."""
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
"""The plotly configuration of every plot."""


@dataclass(frozen=True)
class Facts:
    """What the report needs of the network besides the result tables."""

    bloc: Mapping[str, str]
    """Countries.bloc per country."""
    concern: frozenset[str] = frozenset()
    currency: str = "USD"
    unit: Mapping[str, str] = field(default_factory=dict)
    products: tuple[str, ...] = ()
    """Products in workbook order (the order of the chains)."""
    source: str = ""
    capacity: Mapping[str, float] = field(default_factory=dict)
    """Sites.capacity per site (without modules): what a build adds."""
    fixed_cost: Mapping[str, float] = field(default_factory=dict)
    """Sites.fixed_cost per site: paid each year the site operates."""
    module_capacity: Mapping[str, float] = field(default_factory=dict)
    module_cost: Mapping[str, float] = field(default_factory=dict)
    """Sites.module_capacity and module_cost (a year, per module) per site."""
    candidates: frozenset[str] = frozenset()
    closable: frozenset[str] = frozenset()
    years: Mapping[Any, int] = field(default_factory=dict)
    """How many years each period stands for (Periods.years), by period; empty without periods."""

    @classmethod
    def of(cls, net: Network) -> Facts:
        """The facts of a network (its blocs, units, site costs and periods)."""
        return cls(
            bloc=dict(net.bloc),
            concern=frozenset(net.concern),
            currency=net.settings.currency,
            unit=dict(net.unit),
            products=tuple(net.products),
            source=net.source,
            capacity=dict(net.capacity),
            fixed_cost=dict(net.fixed_cost),
            module_capacity=dict(net.module_capacity),
            module_cost=dict(net.module_cost),
            candidates=frozenset(net.candidates),
            closable=frozenset(net.closable),
            years={p.year: p.years for p in net.periods} if net.shows_periods else {},
        )

    def bloc_colors(self) -> dict[str, str]:
        """One colour per bloc: red for a bloc holding a concern country, the palette for the others
        in order of first appearance."""
        colors: dict[str, str] = {}
        concern_blocs = {self.bloc.get(c) for c in self.concern}
        others = iter(PALETTE * 4)
        for b in dict.fromkeys(self.bloc.values()):
            colors[b] = CONCERN_COLOR if b in concern_blocs else next(others)
        return colors

    def country_color(self, country: str) -> str:
        """The colour of a country's bloc (grey for a country of no bloc)."""
        return self.bloc_colors().get(self.bloc.get(country, ""), POOL_COLOR)


def has(tables: Mapping[str, pd.DataFrame], name: str) -> bool:
    """The table ``name`` is there and has rows."""
    t = tables.get(name)
    return t is not None and len(t) > 0


def periods_of(tables: Mapping[str, pd.DataFrame]) -> list[Any]:
    """The periods of the results (sorted), or [] when no table has a ``period`` column."""
    found: set[Any] = set()
    for t in tables.values():
        if t is not None and "period" in t.columns:
            found.update(v for v in t["period"].tolist() if v is not None and not isnan(v) and v != TOTAL)
    return sorted(found, key=lambda v: (str(type(v)), v))


def isnan(v: Any) -> bool:
    """``v`` is a float NaN (a missing cell)."""
    return isinstance(v, float) and math.isnan(v)


def at_period(t: pd.DataFrame, period: Any) -> pd.DataFrame:
    """Rows of ``period`` (all rows when the table has no ``period`` column or period is None)."""
    if period is None or "period" not in t.columns:
        return t
    return t[t["period"] == period]


def rgba(color: str, alpha: float) -> str:
    """``#rrggbb`` with an opacity, as CSS ``rgba(...)``."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def layout(title: str = "", height: int = 420, **more: Any) -> dict[str, Any]:
    """A plotly layout in the report's font and white background, with ``title`` (escaped) and
    ``more`` on top."""
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 40 if title else 20, "b": 50},
        "font": {"family": "Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    if title:
        layout["title"] = {"text": html.escape(title), "x": 0.01}
    layout.update(more)
    return layout


def plot_div(div_id: str, data: list[dict[str, Any]], layout: dict[str, Any]) -> str:
    """A plot container and the script that draws it (plotly's JSON encoder escapes ``<``)."""
    import plotly.io as pio

    fig = {"data": data, "layout": layout}
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=PLOT_CONFIG, validate=True)


def money(v: Any, currency: str) -> str:
    """Money in words: ``1,408 EUR``, cents below 100."""
    return f"{float(v):,.0f} {currency}" if abs(float(v)) >= 100 else f"{float(v):,.2f} {currency}"


def qty(v: float) -> str:
    """A quantity in words: 14,000 not 1.4e+04; 17.8 not 17.800000."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def pct(v: Any) -> str:
    """A share as a percentage with one decimal: ``25.0%``."""
    return f"{float(v):.1%}"


def card(label: str, value: str, note: str = "", css: str = "") -> str:
    """One card of the headline: a label, a value and a note under it (escaped)."""
    note_html = f'<div class="note">{html.escape(note)}</div>' if note else ""
    return (
        f'<div class="card {css}"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>{note_html}</div>'
    )


FOLD_ROWS = 25
"""A headline table longer than this is folded (click to open), so the charts stay in reach."""


def table(header: list[str], rows: list[list[str]], css: list[str] | None = None) -> str:
    """A plain table of text (escaped), each row with its CSS class (``css``); folded when it has
    more than ``FOLD_ROWS`` rows."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{css[i]}"' if css and css[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if len(rows) > FOLD_ROWS:
        return f"<details><summary>{len(rows)} rows (click to show)</summary>{table}</details>"
    return table


@dataclass(frozen=True)
class Cell:
    """A table cell: its text (escaped when written), CSS classes, a tooltip, and how many rows or
    columns it spans; a header cell is a ``th``."""

    text: str
    css: str = ""
    title: str = ""
    rowspan: int = 1
    colspan: int = 1
    header: bool = False

    def html(self) -> str:
        """The cell as HTML."""
        tag = "th" if self.header else "td"
        attrs = "".join(
            f' {name}="{html.escape(str(value))}"'
            for name, value, default in (
                ("class", self.css, ""),
                ("title", self.title, ""),
                ("rowspan", self.rowspan, 1),
                ("colspan", self.colspan, 1),
            )
            if value != default
        )
        return f"<{tag}{attrs}>{html.escape(self.text)}</{tag}>"


SCROLL_ROWS = 24
"""A table with more rows than this scrolls in a box (its header kept in view), so the sections
after it stay in reach."""


def grid(
    head: list[list[Cell]], body: list[list[Cell]], table_id: str = "", scroll: bool = False, css: str = ""
) -> str:
    """A table of cells (header rows, body rows); ``scroll``: in a box that scrolls when it has
    more than ``SCROLL_ROWS`` rows, its header kept in view."""
    attrs = (f' id="{html.escape(table_id)}"' if table_id else "") + (f' class="{css}"' if css else "")
    thead = "".join("<tr>" + "".join(c.html() for c in row) + "</tr>" for row in head)
    tbody = "".join("<tr>" + "".join(c.html() for c in row) + "</tr>" for row in body)
    table = f"<table{attrs}><thead>{thead}</thead><tbody>{tbody}</tbody></table>"
    box = "scroll" if scroll and len(body) > SCROLL_ROWS else "wide"  # never wider than the page: it scrolls
    return f'<div class="{box}">{table}</div>'


STYLE = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:1.5em;margin-bottom:0}h2{border-bottom:2px solid #ddebf7;padding-bottom:4px;margin-top:32px}
.sub{color:#666;margin-top:4px}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ccd;border-radius:6px;padding:10px 14px;min-width:180px;background:#f8fbff}
.card .label{font-size:.85em;color:#555}.card .value{font-size:1.4em;font-weight:600}
.card .note{font-size:.8em;color:#777}
.card.feasible{background:#fff4e5}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #dde;padding:3px 8px;text-align:left}th{background:#ddebf7}
tr.binding td{background:#fff2a8}tr.over-cap td{background:#f8d0d0}.ok{color:#2a7a2a}
.selectors{margin:10px 0;padding:8px;background:#f4f4f4;border-radius:6px}select{font-size:1em;margin-right:16px}
.legend{margin:8px 0}.key{margin-right:16px;white-space:nowrap}
.unserved{color:#c00000}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;border-radius:2px}
.caption{color:#444;font-size:.9em}.chain{margin-bottom:24px}footer{margin-top:32px;color:#888;font-size:.8em}
nav.contents{margin:8px 0 0;font-size:.95em}nav.contents a{color:#1f5fa8}
ul.glance{margin:12px 0;padding-left:20px;line-height:1.6}ul.glance a{color:#1f5fa8;font-weight:600}
.scroll{max-height:560px;overflow:auto;margin:8px 0;border:1px solid #dde}.scroll table{margin:0}
.wide{overflow-x:auto;margin:8px 0}.wide table{margin:0}td.cap{text-align:right;min-width:6em}
.scroll thead th{position:sticky;top:0;z-index:1}.scroll thead tr:nth-child(2) th{top:26px}
td.num{text-align:right;white-space:nowrap}th[colspan]{text-align:center}td.none{color:#aaa}
td.binding,.binding-key{background:#fff2a8}td.over-cap,.over-key{background:#f8d0d0}
td.act-build{color:#1f5fa8;font-weight:600}td.act-closes{color:#c00000;font-weight:600}td.act-opens{color:#2a7a2a}
td.s-mild{background:#fdf1e3}td.s-bad{background:#f7c6a3}td.s-worse{background:#ef8a80}
td.worst{font-weight:700;outline:2px solid #c00000;outline-offset:-2px}td.crisis{font-weight:600;vertical-align:top}
table.crises td{min-width:44px}
"""
"""The page's stylesheet: the classes of the cells, tables and sections above and in the families'
sections (``binding``, ``over-cap``, ``act-build``, ``s-bad``, ``crises`` ...)."""
