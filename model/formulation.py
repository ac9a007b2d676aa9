"""docs/formulation.md's table of constraints, generated from the families' ``EQUATIONS``.

Each family declares the constraints it writes (``model.families.protocol.Equation``: the
number, the equation, its Pyomo components and the inputs that feed it) beside the code that
builds them; this module renders them as the table, in the order of their numbers, and a test
checks that the committed docs/formulation.md holds the table as rendered (so that the equations
are written once, in the code). Regenerate it with ``python -m model.docs``.
"""

from __future__ import annotations

import re
from pathlib import Path

from model.families import FAMILIES
from model.families.protocol import Equation

DOC = Path(__file__).resolve().parent.parent / "docs" / "formulation.md"
BEGIN = "<!-- constraints: generated from the families' EQUATIONS by `python -m model.docs` -->"
END = "<!-- end of the generated constraints -->"
HEADER = "| # | equation | Pyomo component | built by | fed by |\n|---|---|---|---|---|"


def number_key(number: str) -> tuple[int, int, str]:
    """Order of the rows: numbered constraints by their first number and suffix (2, 2b, 3, 4d),
    then the lettered tightenings (R, T)."""
    found = re.match(r"(\d+)(\w*)", number)
    if found is None:
        return (1, 0, number)
    return (0, int(found.group(1)), found.group(2))


def equations() -> list[tuple[str, Equation]]:
    """(family name, equation) of every family, in the table's order."""
    rows = [(f.__name__.rsplit(".", 1)[-1], e) for f in FAMILIES for e in getattr(f, "EQUATIONS", ())]
    return sorted(rows, key=lambda r: number_key(r[1].number))


def render() -> str:
    """The table, between its markers."""
    lines = [BEGIN, HEADER]
    for family, e in equations():
        components = ", ".join(f"`{c}`" for c in e.components)
        built = f"`families/{family}.py: build`{e.also_built_by}"
        lines.append(f"| {e.number} | {e.equation} | {components} | {built} | {e.fed_by} |")
    lines.append(END)
    return "\n".join(lines)


def current(text: str) -> str:
    """The generated block of a docs/formulation.md text ("" when its markers are missing)."""
    if BEGIN not in text or END not in text:
        return ""
    return text[text.index(BEGIN) : text.index(END) + len(END)]
