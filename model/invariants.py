"""Solution invariants recomputed from the result tables and the input data alone.

Independent of the model code: each family's ``check`` reads only ``Results.tables`` and the
``Network`` (the checked input). Every solve in the command line is checked; the tests check
every solved case. Each check returns violations in plain words (empty: the invariants hold).
"""

from __future__ import annotations

from model.families import FAMILIES
from model.families.verify import close, rows_of
from model.network import Network
from model.results import Results


def check_all(res: Results, net: Network) -> list[str]:
    """Every family's invariants, then the registry's: an empty list means the solution passed."""
    out: list[str] = []
    for family in FAMILIES:
        out += family.check(res, net)
    return out + check_cost_registry(res)


def check_cost_registry(res: Results) -> list[str]:
    """The Costs rows sum to the objective, and the Summary's objective is that sum (each row is
    checked against its recomputation by the family that registered it)."""
    total = sum(value for _, value in rows_of(res["Costs"], "component", "value"))
    out = []
    if res.objective is not None and not close(total, res.objective, res.objective):
        out.append(f"Costs sum to {total:,.6g}, not the objective {res.objective:,.6g}")
    summary = dict(rows_of(res["Summary"], "metric", "value"))
    if summary.get("objective") is not None and not close(float(summary["objective"]), total, total):
        out.append("Summary objective differs from the sum of Costs")
    return out
