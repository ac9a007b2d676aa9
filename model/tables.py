"""The result tables the run declares: their columns, units and meanings, in one registry.

Each family declares the tables it makes (``TABLES``) and the columns it adds to a table of a
family before it (``ADDS``), with each column's unit (``model.families.protocol.UNITS``) and
meaning; so do the run's other modules for theirs (``SOURCES``: the Summary, Costs and Warnings,
the Timeline, the stress atlas, the alternatives, the sweeps). The results workbook formats every declared column
by its unit (``model.report``), and docs/results.md, the reference of every results sheet, is
generated from the declarations (``python -m model.docs``).

A test checks that the tables a solve makes have exactly the declared columns, and that the
reference is current.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

from model import results, study, timeline
from model.families import FAMILIES
from model.families.protocol import UNITS, Col, Table

SOURCES = (
    results,
    timeline,
    *FAMILIES,
    importlib.import_module("model.stress"),
    importlib.import_module("model.alternatives"),
    study,
)
"""The modules that declare result tables (``TABLES``, ``ADDS``): the run's own (Summary, Costs,
Warnings), the Timeline, every family's, and the studies' (the stress atlas, the alternatives, the
sweeps; the first two by their full names: the package binds ``model.stress`` and
``model.alternatives`` to the API's functions)."""

DOC = Path(__file__).resolve().parent.parent / "docs" / "results.md"


def declared() -> dict[str, Table]:
    """Every declared result table by sheet, in the order of the results workbook (``place``),
    with the columns other families add to it appended (in the order of ``FAMILIES``)."""
    tables: dict[str, Table] = {}
    for source in SOURCES:
        for table in getattr(source, "TABLES", ()):
            tables[table.sheet] = table
    for source in SOURCES:
        for sheet, columns in getattr(source, "ADDS", {}).items():
            table = tables[sheet]
            tables[sheet] = dataclasses.replace(table, columns=(*table.columns, *columns))
    return dict(sorted(tables.items(), key=lambda kv: kv[1].place))


def column_problems(tables: dict[str, Any]) -> list[str]:
    """Where the tables of a solve and the declarations disagree: a column no family declares, a
    column declared without a condition that is missing, or columns out of the declared order."""
    out = []
    for sheet, table in declared().items():
        frame = tables.get(sheet)
        if frame is None:
            continue
        actual = list(frame.columns)
        position = {c: next((i for i, d in enumerate(table.columns) if d.matches(c)), None) for c in actual}
        extra = [c for c in actual if position[c] is None]
        fixed = [c for c in table.columns if "<" not in c.name]
        missing = [c.name for c in fixed if not c.when and c.name not in actual]
        if extra:
            out.append(f"{sheet}: columns nothing declares: {', '.join(extra)}")
        if missing:
            out.append(f"{sheet}: declared columns missing: {', '.join(missing)}")
        ranks = [position[c] for c in actual if position[c] is not None and "<" not in table.columns[position[c]].name]
        if not extra and ranks != sorted(ranks):  # the fixed columns in order (one per product may interleave)
            out.append(f"{sheet}: columns in another order than declared: {', '.join(actual)}")
    return out


def _column_line(c: Col) -> str:
    when = f" ({c.when})" if c.when else ""
    return f"| `{c.name}` | {c.unit} | {c.meaning}{when} |"


def render_markdown() -> str:
    """docs/results.md: every declared table in the order of the results workbook (sheet, when it
    is there, what a row is, the columns that identify a row, and each column's unit and meaning),
    then the units."""
    out = [
        "# Results reference",
        "",
        "<!-- Generated from the TABLES and ADDS of the families and of the run's other modules by "
        "`python -m model.docs`. Do not edit by hand: a test checks this file matches the declarations. -->",
        "",
        "The sheets of `outputs/<workbook>_results.xlsx`, in the workbook's order, each column with its",
        "unit and meaning (the workbook formats every column by its unit). A name in angle brackets",
        "stands for one column each: `concern_share.<product>` is a column per product.",
        "",
    ]
    for table in declared().values():
        when = f" ({table.when})" if table.when else ""
        keys = ", ".join(f"`{k}`" for k in table.keys)
        out += [
            f"## {table.sheet}{when}",
            "",
            f"One row per {table.meaning.removeprefix('one row per ')}; a row is identified by {keys}.",
            "",
            "| column | unit | meaning |",
            "|---|---|---|",
            *(_column_line(c) for c in table.columns),
            "",
        ]
    out += ["## Units", "", "| unit | meaning |", "|---|---|"]
    out += [f"| {unit} | {meaning} |" for unit, meaning in UNITS.items()]
    return "\n".join(out) + "\n"
