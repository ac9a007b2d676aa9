"""Problems found in a workbook, in words a planner can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem: where it is (sheet and cell), and what was found and expected."""

    level: Level
    sheet: str
    cell: str
    message: str

    @property
    def where(self) -> str:
        """``Sites!E7``, ``Sites!1:1`` (a header row), or just the sheet or file."""
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class _ByLevel:
    """Errors and warnings of a list of issues (``items``)."""

    items: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.items if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.items if i.level == "warning"]


class Issues(_ByLevel):
    """Collects every problem of a workbook so that all of them are reported together."""

    def __init__(self) -> None:
        self.items = []

    def error(self, sheet: str, cell: str, message: str) -> None:
        self.items.append(Issue("error", sheet, cell, message))

    def warning(self, sheet: str, cell: str, message: str) -> None:
        self.items.append(Issue("warning", sheet, cell, message))


class WorkbookError(_ByLevel, Exception):
    """The workbook cannot be used; ``issues`` holds every error (and the warnings)."""

    def __init__(self, issues: Iterable[Issue]):
        self.items = list(issues)
        super().__init__(f"{len(self.errors)} error(s) in the workbook")

    @property
    def issues(self) -> list[Issue]:
        return self.items


def fold(name: str) -> str:
    """The form used to recognise near-miss names: case and all spaces ignored."""
    return "".join(name.split()).casefold()


def did_you_mean(found: str, known: Iterable[str]) -> str:
    """A suffix like `` (did you mean 'Taiwan'?)`` for a near-miss name, else ``""``."""
    known = list(known)
    folded = fold(found)
    for k in known:
        if fold(k) == folded:
            return f" (did you mean '{k}'?)"
    close = difflib.get_close_matches(found, known, n=1, cutoff=0.75)
    if not close:
        by_fold = {fold(k): k for k in known}
        close_f = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
        close = [by_fold[c] for c in close_f]
    return f" (did you mean '{close[0]}'?)" if close else ""
