"""The model as sparse matrices: what Pyomo's ``LinearStandardFormCompiler`` computes, faster.

    minimise  c_k x + offset_k  (one row per objective expression k)
    subject to  A_i x  (<=, =, >=)  rhs_i   (mixed form: one row per bound of a constraint)

Pyomo's public route to these matrices is its ``LinearStandardFormCompiler`` (``model.solve``
uses it whenever this module declines). It walks every constraint with its general expression
visitor (a dispatch per node, a standardised copy of each inequality, a result object per row)
and returns scipy matrices, so a run that uses it also imports scipy. This module reads the few
expression shapes the families build (sums and linear expressions of variables and
``coefficient * variable`` terms, constants, products by constants, named expressions) directly.

**A private path, kept on purpose.** The reader dispatches on Pyomo's expression node classes
and reads their ``args``: Pyomo's internal layout, not a promised API. It is kept because it
shortens a planner's wait by a measured share: on the L bench network the compile takes 0.11 s
here against 0.22 s in Pyomo's compiler, and Pyomo's compiler adds 0.76 s of imports (scipy and
what Pyomo loads with it) to the run: together about 14% of an L run, and close to doubling the
sample's 1.0 s from the prompt (``python -m bench.public``, docs/performance.md). It is
isolated so that an upgrade of Pyomo cannot make it give wrong matrices or stop the tool:

* the internal names are imported here only, and if they are gone the reader is off;
* it runs only on the Pyomo releases in ``TESTED_PYOMO``, the ones on which
  ``tests/test_standard_form.py`` compared its matrices with Pyomo's compiler for exact equality
  (the same columns in the same order, rows, senses, right-hand sides and coefficients);
* anything it does not recognise, and any error inside it, raises ``Unsupported``.

In each case the caller compiles with Pyomo's public compiler instead: the same matrices, slower,
and the Summary sheet's ``compiler`` row says so. Pyomo is therefore not pinned for this module.

The matrices are Pyomo's: the same columns in the same order (each variable component's data
added in index order when one of them is first met, unused ones dropped), the same rows,
orientations and right-hand sides (``ConstraintData.to_bounded_expression``'s rules), zero
coefficients dropped and repeated variables summed. (One difference: a row whose variables all
cancel, or are fixed, is skipped when it holds; Pyomo's compiler sometimes keeps such a row,
empty.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo
import pyomo.version
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.numeric_types import native_numeric_types, native_types

# Pyomo's internal expression classes: the private path (see the module docstring). If a later
# Pyomo moves or renames them, the reader is off and Pyomo's public compiler does the work.
try:
    from pyomo.core.base.var import VarData
    from pyomo.core.expr.numeric_expr import (
        DivisionExpression,
        LinearExpression,
        MonomialTermExpression,
        NegationExpression,
        ProductExpression,
        SumExpression,
    )
    from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression, RangedExpression
except ImportError as _missing:  # pragma: no cover - only on a Pyomo without these names
    _IMPORT_PROBLEM = f"Pyomo's expression classes are not where this reader expects them ({_missing})"
else:
    _IMPORT_PROBLEM = ""

TESTED_PYOMO: tuple[tuple[int, int], ...] = ((6, 10),)
"""Pyomo releases (major, minor) whose expression layout ``tests/test_standard_form.py`` checked
against Pyomo's compiler. Add a release here only after that test passes on it."""


def private_reader_problem(version: tuple[int, ...] | None = None) -> str:
    """Why the private reader is off for this Pyomo (``version``, default the installed one), or ""."""
    if _IMPORT_PROBLEM:
        return _IMPORT_PROBLEM
    major_minor = tuple((version or pyomo.version.version_info)[:2])
    if major_minor not in TESTED_PYOMO:
        shown = ".".join(map(str, major_minor))
        return f"Pyomo {shown} is not among the releases this reader was checked on ({TESTED_PYOMO})"
    return ""


class Unsupported(Exception):  # noqa: N818 - a signal to fall back, not an error
    """An expression this compiler does not read (the caller falls back to Pyomo's)."""


@dataclass
class StandardForm:
    """The compiled model (the fields of Pyomo's ``LinearStandardFormInfo`` that the solver uses),
    as plain numpy arrays: no scipy, whose import (with the submodules Pyomo then loads) costs
    about a second of every run's start."""

    c: np.ndarray
    """Objective rows, dense: one row per objective expression, one column per variable."""
    c_offset: np.ndarray
    start: np.ndarray
    """A in compressed columns: where each column's entries start (n + 1 values)."""
    index: np.ndarray
    """Row of each entry of A, ascending within a column."""
    value: np.ndarray
    rhs: np.ndarray
    rows: list[tuple[Any, int]]
    """(constraint, sense) per row of A: 1 for <=, -1 for >=, 0 for =."""
    columns: list[Any]
    """The Pyomo variable of each column."""

    @property
    def nnz(self) -> int:
        return len(self.value)


class _Columns:
    """Column numbers by variable, assigned as Pyomo's compiler assigns them: when a variable is
    first met, every variable of its component gets the next numbers, in index order. Fixed
    variables get none (they are constants); columns no row uses are dropped at the end."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.variables: list[VarData] = []
        self.fixed: set[int] = set()

    def new(self, v: VarData) -> int | None:
        """Number ``v``'s whole component; ``v``'s column, or None if ``v`` is fixed."""
        if id(v) in self.fixed:
            return None
        datas = list(v.parent_component().values())
        fixed = [data.fixed for data in datas]
        self.fixed.update(id(data) for data, f in zip(datas, fixed) if f)
        index = self.index
        free = [data for data, f in zip(datas, fixed) if not f and id(data) not in index]
        index.update(zip(map(id, free), range(len(self.variables), len(self.variables) + len(free))))
        self.variables += free
        return index.get(id(v))


class _Row:
    """Terms of one row as parallel lists (column, coefficient), in the order they are met."""

    __slots__ = ("cols", "index", "js", "vs")

    def __init__(self, cols: _Columns) -> None:
        self.cols = cols
        self.index = cols.index
        self.js: list[int] = []
        self.vs: list[float] = []

    def merged(self) -> tuple[list[int], list[float]]:
        """The terms with repeated columns summed and zero coefficients dropped."""
        js, vs = self.js, self.vs
        if 0.0 not in vs and len(set(js)) == len(js):
            return js, vs
        total: dict[int, float] = {}
        for j, v in zip(js, vs):
            total[j] = total.get(j, 0.0) + v
        kept = [(j, v) for j, v in total.items() if v != 0]
        return [j for j, _ in kept], [v for _, v in kept]


def _linear(expr: Any, mult: float, row: _Row) -> float:
    """Add ``mult * expr``'s variable terms to ``row``; return its constant."""
    cls = expr.__class__
    if cls is VarData:
        return _variable(expr, mult, row)
    if cls is LinearExpression or cls is SumExpression:
        return _sum(expr, mult, row)
    if cls in native_numeric_types:
        return mult * expr
    if cls is MonomialTermExpression:
        coef, v = expr.args
        return _linear(v, mult * _constant(coef), row)
    if isinstance(expr, VarData):
        return _variable(expr, mult, row)
    if cls is ProductExpression:
        a, b = expr.args
        if _is_constant(a):
            return _linear(b, mult * _constant(a), row)
        if _is_constant(b):
            return _linear(a, mult * _constant(b), row)
        raise Unsupported(f"a product of two variable expressions: {expr}")
    if cls is NegationExpression:
        return _linear(expr.args[0], -mult, row)
    if cls is DivisionExpression:
        a, b = expr.args
        if _is_constant(b):
            return _linear(a, mult / _constant(b), row)
        raise Unsupported(f"a division by a variable expression: {expr}")
    if isinstance(expr, SumExpression):  # e.g. Pyomo's mutable sums
        return _sum(expr, mult, row)
    if getattr(expr, "is_named_expression_type", None) and expr.is_named_expression_type():
        return _linear(expr.expr, mult, row)
    if _is_constant(expr):
        return mult * _constant(expr)
    raise Unsupported(f"an expression of type {cls.__name__}: {expr}")


def _sum(expr: SumExpression, mult: float, row: _Row) -> float:
    """A sum's terms: ``coefficient * variable`` and variables read in place, others by ``_linear``.

    The families' sums are mostly all variables (balances) or all ``coefficient * variable``
    (costs); those are read a whole sum at a time when every variable already has a column.
    """
    args = expr.args
    kinds = {arg.__class__ for arg in args}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind is VarData:
            found = _columns_of_all(args, row)
            if found is not None:
                row.js += found
                row.vs += [mult] * len(found)
                return 0.0
        elif kind is MonomialTermExpression:
            pairs = [arg.args for arg in args]
            coefs = [c for c, _ in pairs]
            if {c.__class__ for c in coefs} <= native_numeric_types:
                found = _columns_of_all([v for _, v in pairs], row)
                if found is not None:
                    row.js += found
                    row.vs += [mult * c for c in coefs]
                    return 0.0
    return _terms(args, mult, row)


def _columns_of_all(variables: list[VarData], row: _Row) -> list[int] | None:
    """The columns of ``variables``, numbering the components met for the first time (in the
    order the term-by-term walk would); None if one of them is fixed."""
    index = row.index
    try:
        return list(map(index.__getitem__, map(id, variables)))
    except KeyError:
        pass
    for v in variables:
        if id(v) not in index and row.cols.new(v) is None:
            return None
    return list(map(index.__getitem__, map(id, variables)))


def _terms(args: Any, mult: float, row: _Row) -> float:
    """``_sum`` term by term: any mix of terms, and sums with a fixed variable."""
    constant = 0.0
    index, js, vs = row.index, row.js, row.vs
    for arg in args:
        acls = arg.__class__
        if acls is MonomialTermExpression:
            coef, v = arg.args
            j = index.get(id(v))
            if j is None or coef.__class__ not in native_numeric_types:
                constant += _linear(arg, mult, row)
            else:
                js.append(j)
                vs.append(mult * coef)
        elif acls is VarData:
            j = index.get(id(arg))
            if j is None:
                constant += _variable(arg, mult, row)
            else:
                js.append(j)
                vs.append(mult)
        else:
            constant += _linear(arg, mult, row)
    return constant


def _variable(v: VarData, mult: float, row: _Row) -> float:
    j = row.index.get(id(v))
    if j is None:
        j = row.cols.new(v)
        if j is None:  # fixed: a constant
            return mult * pyo.value(v)
    row.js.append(j)
    row.vs.append(mult)
    return 0.0


def _is_constant(x: Any) -> bool:
    return x.__class__ in native_types or not x.is_potentially_variable() or x.is_fixed()


def _constant(x: Any) -> float:
    return x if x.__class__ in native_numeric_types else pyo.value(x)


def compile_standard_form(m: pyo.ConcreteModel, objectives: list[Any]) -> StandardForm:
    """Compile the active constraints of ``m`` and the ``objectives`` expressions (all minimised).

    Raises ``Unsupported`` when the private reader is off for this Pyomo
    (``private_reader_problem``), for an expression it does not read, and for any error inside it;
    and Pyomo's ``InfeasibleConstraintException`` for a constraint with no variables that cannot
    hold (as Pyomo's compiler does).
    """
    problem = private_reader_problem()
    if problem:
        raise Unsupported(problem)
    try:
        return _compile(m, objectives)
    except (Unsupported, InfeasibleConstraintException):
        raise
    except Exception as exc:  # an expression layout this reader does not know: Pyomo's compiler reads it
        raise Unsupported(f"the expression reader failed ({type(exc).__name__}: {exc})") from exc


def _compile(m: pyo.ConcreteModel, objectives: list[Any]) -> StandardForm:
    cols = _Columns()
    c_rows: list[tuple[list[int], list[float]]] = []
    offsets = []
    for expr in objectives:
        row = _Row(cols)
        offsets.append(_linear(expr, 1.0, row))
        c_rows.append((row.js, row.vs))  # dense: repeated columns summed below
    a_rows: list[tuple[list[int], list[float]]] = []
    rhs: list[float] = []
    rows: list[tuple[Any, int]] = []
    index = cols.index
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        terms = _variable_bound(con.expr, index)
        if terms is not None:  # x <= c y: one <= row, right-hand side 0
            rows.append((con, 1))
            rhs.append(0.0)
            a_rows.append(terms)
            continue
        lb, body, ub = _bounded(con)
        if lb is None and ub is None:
            continue
        row = _Row(cols)
        offset = 0.0
        for part, sign in body:
            offset += _linear(part, sign, row)
        terms = row.merged()
        if not terms[0]:
            if (lb is None or lb <= offset) and (ub is None or ub >= offset):
                continue
            raise InfeasibleConstraintException(f"model contains a trivially infeasible constraint, '{con.name}'")
        # mixed form: one = row, or a <= row and/or a >= row (Pyomo's order)
        for sense, bound in ((0, ub),) if lb == ub else ((1, ub), (-1, lb)):
            if bound is not None:
                rows.append((con, sense))
                rhs.append(bound - offset)
                a_rows.append(terms)
    n = len(cols.variables)
    c = np.zeros((len(c_rows), n))
    for i, (js, vs) in enumerate(c_rows):
        c[i] = np.bincount(np.asarray(js, dtype=np.intp), weights=vs, minlength=n)  # in order, as merged()
    start, index, value = _columns_of(a_rows, n)
    used = (np.diff(start) > 0) | c.any(axis=0)
    columns = cols.variables
    if not used.all():  # unused columns are empty in A: dropping them keeps the other starts
        keep = np.flatnonzero(used)
        c, start = c[:, keep], start[np.append(keep, n)]
        columns = [columns[j] for j in keep]
    offset = np.array(offsets, dtype=float)
    return StandardForm(c, offset, start, index, value, np.array(rhs, dtype=float), rows, columns)


def _variable_bound(expr: Any, index: dict[int, int]) -> tuple[list[int], list[float]] | None:
    """The terms ([j_x, j_y], [1, -c]) of ``x <= c * y``, read in one step; None for any other row.

    Variable upper bounds of this shape (a flow only from a built site: the (T) rows) are most
    of a network's rows; the general path reads each as two signed parts and takes about five
    times as long. Taken only where the general path gives exactly this: x and y different
    variables that already have columns (so are not fixed), c a nonzero plain number.
    """
    if expr.__class__ is not InequalityExpression:
        return None
    x, cy = expr.args
    if x.__class__ is not VarData or cy.__class__ is not MonomialTermExpression:
        return None
    c, y = cy.args
    if c.__class__ not in native_numeric_types or not c:
        return None
    jx, jy = index.get(id(x)), index.get(id(y))
    if jx is None or jy is None or jx == jy:
        return None
    return [jx, jy], [1.0, -1.0 * c]


def _bounded(con: Any) -> tuple[float | None, list[tuple[Any, float]], float | None]:
    """(lb, body, ub) as ``ConstraintData.to_bounded_expression`` orients them, with the body as
    signed parts (``lhs - rhs`` is read as two parts, not built) and the bounds as numbers."""
    expr = con.expr
    if expr.__class__ is RangedExpression:
        lb, body, ub = expr.args
        parts = [(body, 1.0)]
    else:
        lhs, rhs = expr.args
        equality = expr.__class__ is EqualityExpression
        if rhs.__class__ in native_types or not rhs.is_potentially_variable():
            lb, parts, ub = (rhs if equality else None), [(lhs, 1.0)], rhs
        elif lhs.__class__ in native_types or not lhs.is_potentially_variable():
            lb, parts, ub = lhs, [(rhs, 1.0)], (lhs if equality else None)
        else:
            lb, parts, ub = (0 if equality else None), [(lhs, 1.0), (rhs, -1.0)], 0
    if lb is not None and lb.__class__ not in native_types:
        lb = pyo.value(lb)
    if ub is not None and ub.__class__ not in native_types:
        ub = pyo.value(ub)
    return lb, parts, ub


def _columns_of(rows: list[tuple[list[int], list[float]]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows given as (columns, coefficients) -> compressed columns (start, row index, value) with
    n columns; entries of a column in ascending row order."""
    counts = np.fromiter((len(js) for js, _ in rows), dtype=np.int64, count=len(rows))
    nnz = int(counts.sum())
    col = np.fromiter(itertools.chain.from_iterable(js for js, _ in rows), dtype=np.int64, count=nnz)
    value = np.fromiter(itertools.chain.from_iterable(vs for _, vs in rows), dtype=np.float64, count=nnz)
    row = np.repeat(np.arange(len(rows), dtype=np.int32), counts)
    order = np.argsort(col, kind="stable")  # stable: rows stay ascending within each column
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(col, minlength=n), out=start[1:])
    return start, row[order], value[order]


def column_bounds(columns: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's lower and upper bound (-inf / +inf where it has none) and the integer
    columns' numbers, read through each variable's public ``bounds`` and ``is_integer()``:

    lower_j = max(lb_j, domain lower bound),  upper_j = min(ub_j, domain upper bound),
    integer_j = the domain is a contiguous integer range.

    (Reading the bounds from the variables' private slots, once per distinct domain, saved
    0.012 s of L's run: not worth resting on Pyomo's internals.)
    """
    n = len(columns)
    integer = np.flatnonzero([v.is_integer() for v in columns]) if n else np.zeros(0, dtype=np.int64)
    both = np.array([v.bounds for v in columns], dtype=float).reshape(n, 2)  # None -> nan
    lower, upper = both[:, 0], both[:, 1]
    return np.where(np.isnan(lower), -np.inf, lower), np.where(np.isnan(upper), np.inf, upper), integer
