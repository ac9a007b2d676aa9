"""The kinds of input a workbook's sheets are declared with: a column (``Column``), a sheet
(``Sheet``) and a row of the Settings sheet (``Setting``); and a sheet as read (``SheetData``: its
records, ``Record``). ``model.schema`` holds the sheets of the workbook; the families declare the
sheets and columns they read (``SHEETS``, ``SHEET_ADDS``) with these, check their records
(``check_records``) and import nothing else of the reader."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "name", "number", "share", "integer", "bool", "choice"]
"""Cell kinds.

* ``text``: free text; ``name``: the name of a thing (trimmed; matched against known names).
* ``number``: a finite number (subject to ``minimum``); ``integer``: a whole number.
* ``share``: a fraction in [0, 1]; 25 is refused with a suggestion of 0.25.
* ``bool``: TRUE/FALSE, yes/no, y/n, 1/0 (any case).
* ``choice``: one of ``choices`` (any case).
"""

Ref = Literal["country", "product", "site", "scenario"]


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    name: str
    kind: Kind
    description: str
    required: bool = True
    default: Any = None
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    ref: Ref | None = None
    unit: str = ""
    blank_means: str = ""
    magnitude: bool = False
    """A number the model puts in its matrices (a capacity, a cost, a demand): the run warns when
    these span more than ten orders of magnitude (``checks.check_magnitudes``)."""

    @property
    def type_label(self) -> str:
        """Human-readable type, used in docs, the template and error messages."""
        base = {
            "text": "text",
            "name": "name",
            "number": "number",
            "share": "share (fraction 0-1)",
            "integer": "whole number",
            "bool": "TRUE/FALSE",
            "choice": " or ".join(self.choices),
        }[self.kind]
        if self.ref:
            base = f"{self.ref} name"
        if self.minimum is not None and self.kind in ("number", "integer"):
            base += f" >= {self.minimum:g}"
        return base


@dataclass(frozen=True)
class Sheet:
    """One sheet: its columns, whether it is required, and the columns that identify a row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    example: tuple[dict[str, Any], ...] = field(default=())
    place: int = 0
    """Where the sheet stands in the template and the input reference (lower first)."""
    row_is: str = "row"
    """What one row is, in messages (a duplicate "site", "recipe row")."""
    without: str = ""
    """What running without this optional sheet switches off, in words (said of a misnamed sheet)."""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Setting:
    """One row of the key-value Settings sheet."""

    name: str
    kind: Kind
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


@dataclass
class Record:
    """One data row of a sheet: its Excel row and its parsed values by header.

    ``values["_invalid"]`` marks a record with an error (it is left out of the ``Network``)."""

    row: int
    values: dict[str, Any]


@dataclass
class SheetData:
    """A sheet read with its schema: the records and the column letter of each header."""

    spec: Sheet
    records: list[Record]
    letters: dict[str, str]


def describe(value: Any) -> str:
    """A cell value as a planner would recognise it in a message."""
    if isinstance(value, str):
        return f"'{value[:60]}{'...' if len(value) > 60 else ''}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return f"a date/time ({value})"
    return repr(value)


def valid(sheet: SheetData | None) -> list[Record]:
    """The records of ``sheet`` without an error (none for an absent sheet)."""
    return [] if sheet is None else [r for r in sheet.records if not r.values.get("_invalid")]
