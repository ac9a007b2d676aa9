"""The result tables the families declare: their columns, units and meanings, in one registry.

Each family declares the tables it makes (``TABLES``) and the columns it adds to a table of a
family before it (``ADDS``), with each column's unit (``model.families.protocol.UNITS``) and
meaning. The results workbook formats every declared column by its unit (``model.report``), and
docs/results.md, the reference of every results sheet, is generated from the declarations
(``python -m model.docs``).

A test checks that the tables a solve makes have exactly the declared columns, and that the
reference is current.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from model.families import FAMILIES
from model.families.protocol import UNITS, Col, Table

DOC = Path(__file__).resolve().parent.parent / "docs" / "results.md"


def declared() -> dict[str, Table]:
    """Every family table by sheet, with the columns other families add to it appended (in the
    order of ``FAMILIES``)."""
    tables: dict[str, Table] = {}
    for family in FAMILIES:
        for table in getattr(family, "TABLES", ()):
            tables[table.sheet] = table
    for family in FAMILIES:
        for sheet, columns in getattr(family, "ADDS", {}).items():
            table = tables[sheet]
            tables[sheet] = dataclasses.replace(table, columns=(*table.columns, *columns))
    return tables


def unit_of(sheet: str, column: str) -> str | None:
    """The declared unit of ``column`` on ``sheet`` (None where the sheet or column is not a
    family's)."""
    table = _DECLARED.get(sheet)
    if table is None:
        return None
    return next((c.unit for c in table.columns if c.name == column), None)


def column_problems(tables: dict[str, Any]) -> list[str]:
    """Where the tables of a solve and the declarations disagree: a column no family declares, a
    column declared without a condition that is missing, or columns out of the declared order."""
    out = []
    for sheet, table in declared().items():
        frame = tables.get(sheet)
        if frame is None:
            continue
        names = [c.name for c in table.columns]
        actual = list(frame.columns)
        extra = [c for c in actual if c not in names]
        missing = [c.name for c in table.columns if not c.when and c.name not in actual]
        if extra:
            out.append(f"{sheet}: columns no family declares: {', '.join(extra)}")
        if missing:
            out.append(f"{sheet}: declared columns missing: {', '.join(missing)}")
        if not extra and [c for c in names if c in actual] != actual:
            out.append(f"{sheet}: columns in another order than declared: {', '.join(actual)}")
    return out


def _column_line(c: Col) -> str:
    when = f" ({c.when})" if c.when else ""
    return f"| `{c.name}` | {c.unit} | {c.meaning}{when} |"


def render_markdown() -> str:
    """docs/results.md: every family table (sheet, when it is there, what a row is, the columns
    that identify a row, and each column's unit and meaning), then the units."""
    out = [
        "# Results reference",
        "",
        "<!-- Generated from the families' TABLES and ADDS by `python -m model.docs`. "
        "Do not edit by hand: a test checks this file matches the declarations. -->",
        "",
        "The sheets of `outputs/<workbook>_results.xlsx` that the model's families make, each column with",
        "its unit and meaning (the workbook formats every column by its unit). `Summary`, `Costs`,",
        "`Timeline`, the tradeoff, stress and alternatives sheets are described in the README.",
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


_DECLARED = declared()
