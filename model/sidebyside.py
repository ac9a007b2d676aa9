"""Two runs' tables side by side: the helpers the comparison (``model.compare``) and the
families' ``compare`` and ``changes`` share. A difference is one beyond ``TOL``, relative to the
larger value (and at least 1); a value in one run only differs from a blank."""

from __future__ import annotations

from typing import Any

import pandas as pd

TOL = 1e-6


def differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if pd.isna(a) or pd.isna(b):
            return bool(pd.isna(a)) != bool(pd.isna(b))  # a row in one run only differs
        return abs(float(a) - float(b)) > TOL * max(1.0, abs(float(a)), abs(float(b)))
    if pd.isna(a) and pd.isna(b):
        return False
    return a != b


def union(first: list[Any], second: list[Any]) -> list[Any]:
    """Every item of both lists once: ``first`` in its order, each item only in ``second`` placed
    after the item it follows there (a metric new in B beside its neighbours)."""
    out = list(dict.fromkeys(first))
    seen = set(out)
    after = None
    for item in second:
        if item not in seen:
            at = out.index(after) + 1 if after in seen else len(out) if after is not None else 0
            out.insert(at, item)
            seen.add(item)
        after = item
    return out


def presence(in_a: bool, in_b: bool) -> str:
    return "both" if in_a and in_b else "only in A" if in_a else "only in B"


MERGED = {"both": "both", "left_only": "only in A", "right_only": "only in B"}


def merge_on(a: pd.DataFrame | None, b: pd.DataFrame | None, keys: list[str], values: list[str]) -> pd.DataFrame:
    """``values`` of A and B by ``keys``, 0 where a run has no row."""
    empty = pd.DataFrame(columns=keys + values)
    a = empty if a is None else a[keys + values]
    b = empty if b is None else b[keys + values]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_A", "_B"))
    for v in values:
        for x in "AB":
            merged[f"{v}_{x}"] = pd.to_numeric(merged[f"{v}_{x}"], errors="coerce").fillna(0.0)
    return merged.reset_index(drop=True)


def num(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.3g}"
    return str(v)


def pct(v: Any, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.{digits}%}"
