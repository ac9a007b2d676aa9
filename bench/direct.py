"""A yardstick: the model of the contract (version 3) built directly in highspy, without Pyomo.

    python -m bench.direct S            # build and solve one bench case, print its figures
    python -m bench.direct tier-S cap41

Used only to measure (``bench.run`` gives, for every case, the whole run's time over this
build + HiGHS, and checks that the two optima agree). It is a compact, independent build of
``docs/contract/formulation.md`` from the checked ``Network`` (the reader's output, so both start
from the same data): one Python loop writes the columns and rows as plain lists, and one
``passModel`` hands them to HiGHS. It shares no code with ``model/families``.

Per period t (``Network.periods``, each period's data from ``Network.at(t)``), with W[t] its
weight, S(t) its sites, A(t) its arcs, N(t) its pools:

    min  sum_t W[t] ( sum fixed b + sum module_cost n + sum reserve_cost r + sum holding q
                      + (1 - sum π) (sum (unit_cost + base tariff_rate + freight) y + sum penalty u)
                      + sum_ω π[ω] (sum dc y^ω + sum penalty u^ω + sum restock w^ω) )

π[ω] is the scenario's weight (its yearly probability); penalty[p,c] the Demand row's
unmet_penalty, else the product's. A scenario's flows exist only on arcs that no Closures row of
it closes (origin country, destination, product; never domestic). With caps_in_scenarios: hold,
(4), (5) and (11) are written again on each scenario's flows, with their own g^ω.
    (1)  sum_s y[s,c,t] + u[p,c,t] = D[p,c,t] + sum_{s in c} a[s,p] prod[s,t]        (p,c) in N(t)
    (2)  prod[s,t] + r[s,t] <= capacity[s] b[s,t] + module_capacity[s] n[s,t]
    (2b) prod[s,t] >= min_output[s] cap[s,t]                               normal year only
    (3)  n[s,t] <= max_modules[s] b[s,t]                                 candidates and closable sites
    (4)  E <= cap sum_s y[s,m,t]  (E: lookthrough sum y - sum_{s not in Q} g; direct sum_{s in Q} y;
         a single-country cap: sum_{s in k} y, for k = of, or every k != m for `any`)
    (5)  the same summed over a total row's markets
    (6)  sum_{plants s not in Q, with an arc} r[s,t] >= reserve_share[p] R[p,t],  R = D + sum_q a_P[q,p] R[q]
    (7)  sum_s y^ω + w^ω + u^ω = D f^ω + sum a[s,p] prod^ω[s,t],  0 <= u^ω <= D f^ω
    (8)  prod^ω[s,t] <= (1 - loss^ω[s]) cap[s,t]
    (9)  w^ω[p,c,t] <= q[p,c,t]
    (10) u^ω <= max_shortfall[ω] D f^ω
    (11) sum_{s not in Q in c} a[s,i] sum_c' g[s,c',t] <= sum_{s' not in Q} g[s',c,t]   pools (i,c)
    (14) with hold: (4), (5), (11) on y^ω, g^ω in every scenario
    (12) min_open <= sum_{s in G, S(t)} b[s,t] <= max_open                (existing sites count 1)
    (13) b[s,t] >= b[s,t-1] (candidates), b[s,t] <= b[s,t-1] (closable), n[s,t] >= n[s,t-1]
         (closable: n[s,t] >= n[s,t-1] - max_modules (1 - b[s,t]))

The concern-free parts g exist only for products upstream of (or under) a look-through cap and
only at sites outside K that have inputs: a site outside K with no inputs counts all its output
concern-free (g = y, the variable y is used), and g of a product upstream of no look-through cap
appears in no row that binds. With ``tighten=True`` (the default, as the tool) the valid
tightenings of ``docs/formulation.md`` are added where a product's need is data (no site consumes
it): y <= D, the rows (T) y <= min(D, largest capacity) b and (T^ω), and the rounded cover (R).
"""

from __future__ import annotations

import math
import resource
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from model.families.dependency import caps_of
from model.families.groups import groups_of
from model.families.reserve import reserve_of
from model.families.stockpiles import stocks_of
from model.solve import new_highs

INF = highspy.kHighsInf
MIN_FRACTION = 1e-3  # (R) is skipped where B/d is within this of a whole number, as in the tool


class Matrix:
    """Columns and rows of a MIP as plain lists (rows in compressed row form)."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.start: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.offset = 0.0
        self.unmet: list[int] = []  # the baseline unmet-demand columns u[p,c,t]
        self.demand = 0.0  # sum of D[p,c,t] over the periods

    def col(self, cost: float = 0.0, lower: float = 0.0, upper: float = INF, integer: bool = False) -> int:
        """A new column; returns its index."""
        j = len(self.cost)
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        if integer:
            self.integer.append(j)
        return j

    def row(self, terms: list[tuple[int, float]], lower: float = -INF, upper: float = INF) -> None:
        """lower <= sum coef x[col] <= upper (repeated columns are added up)."""
        cols = [c for c, _ in terms]
        if len(set(cols)) != len(cols):
            merged: dict[int, float] = defaultdict(float)
            for c, v in terms:
                merged[c] += v
            terms = list(merged.items())
        for c, v in terms:
            if v:
                self.index.append(c)
                self.value.append(v)
        self.start.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def highs_lp(self) -> highspy.HighsLp:
        """The model as a ``HighsLp`` (row-wise matrix)."""
        lp = highspy.HighsLp()
        n, m = len(self.cost), len(self.row_lower)
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.asarray(self.cost, dtype=float)
        lp.col_lower_ = np.asarray(self.lower, dtype=float)
        lp.col_upper_ = np.asarray(self.upper, dtype=float)
        lp.row_lower_ = np.asarray(self.row_lower, dtype=float)
        lp.row_upper_ = np.asarray(self.row_upper, dtype=float)
        lp.offset_ = float(self.offset)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
        lp.a_matrix_.start_ = np.asarray(self.start, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(self.value, dtype=float)
        if self.integer:
            kinds = [highspy.HighsVarType.kContinuous] * n
            for j in self.integer:
                kinds[j] = highspy.HighsVarType.kInteger
            lp.integrality_ = kinds
        return lp

    @property
    def size(self) -> dict[str, int]:
        return {
            "rows": len(self.row_lower),
            "columns": len(self.cost),
            "nonzeros": len(self.index),
            "integers": len(self.integer),
        }


def rounded_cover(sizes: list[float], demand: float, divisor: float) -> tuple[list[float], float, float] | None:
    """Mixed-integer rounding of sum_j a_j z_j + s >= B (z integer >= 0, s >= 0) by d: with
    f = frac(B/d), f_j = frac(a_j/d): sum_j (floor(a_j/d) + min(f_j, f)/f) z_j + s/(d f) >= ceil(B/d).
    None where B <= 0 or f is within ``MIN_FRACTION`` of 0 or 1."""
    if demand <= 0 or divisor <= 0:
        return None
    beta = demand / divisor
    f = beta - math.floor(beta)
    if f < MIN_FRACTION or f > 1 - MIN_FRACTION:
        return None
    coefs = []
    for a in sizes:
        alpha = a / divisor
        coefs.append(math.floor(alpha) + min(alpha - math.floor(alpha), f) / f)
    return coefs, 1.0 / (divisor * f), float(math.ceil(beta))


def _upstream(products: set[str], input_rate: dict[tuple[str, str], float], site_product: dict[str, str]) -> set[str]:
    """``products`` and every product that goes into one of them through any chain of recipes."""
    feeds: dict[str, set[str]] = defaultdict(set)  # product -> its inputs (over all its sites)
    for (s, i), a in input_rate.items():
        if a > 0:
            feeds[site_product[s]].add(i)
    out, todo = set(products), list(products)
    while todo:
        for i in feeds[todo.pop()]:
            if i not in out:
                out.add(i)
                todo.append(i)
    return out


def gross_requirement(net: Any, demand: dict[tuple[str, str], float]) -> dict[str, float]:
    """R[p] = sum_c D[p,c] + sum_q a_P[q,p] R[q] over the product-level recipe rows (a fixed point
    of an acyclic recipe graph; hubs add nothing)."""
    recipe: dict[tuple[str, str], float] = net.recipe
    final: dict[str, float] = defaultdict(float)
    for (p, _), d in demand.items():
        final[p] += d
    memo: dict[str, float] = {}
    users: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (q, i), a in recipe.items():
        if a > 0:
            users[i].append((q, a))

    def req(p: str) -> float:
        if p not in memo:
            memo[p] = final[p] + sum(a * req(q) for q, a in users[p])
        return memo[p]

    return {p: req(p) for p in net.products}


@dataclass
class Built:
    """The yardstick's model and what was counted while building it."""

    matrix: Matrix
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Data:
    """What every period reads that does not vary by period."""

    concern: frozenset[str]
    """Q: the concern sites (a site's Sites.concern, else its country's)."""
    country: dict[str, str]
    product: dict[str, str]
    input_rate: dict[tuple[str, str], float]
    inputs_of: dict[str, list[tuple[str, float]]]
    consumed: set[str]
    closable: set[str]
    hubs: set[str]
    candidates: set[str]
    customs: dict[str, float]
    groups: dict[str, tuple[int, int | None]]
    site_group: dict[str, str]
    scenarios: list[str]


def build(net: Any, tighten: bool = True) -> Built:
    """The contract's model of ``net`` (a checked ``model.network.Network``) as plain matrices."""
    t_start = time.perf_counter()
    mx = Matrix()
    input_rate = {k: a for k, a in net.input_rate.items() if a > 0}
    inputs_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (s, i), a in input_rate.items():
        inputs_of[s].append((i, a))
    data = _Data(
        concern=net.concern_sites,
        country=net.site_country,
        product=net.site_product,
        input_rate=input_rate,
        inputs_of=inputs_of,
        consumed={i for _, i in input_rate},
        closable=set(net.closable),
        hubs=set(net.hubs),
        candidates=set(net.candidates),
        customs=net.customs_value,
        groups=groups_of(net).limits,
        site_group=groups_of(net).site_group,
        scenarios=list(net.scenarios),
    )
    counts: dict[str, int] = defaultdict(int)
    prev: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for p in net.periods:
        prev = _period(mx, net, data, p.year, p.weight, prev, counts, tighten)
    return Built(mx, time.perf_counter() - t_start, dict(counts))


def _period(
    mx: Matrix,
    net: Any,
    data: _Data,
    t: int,
    weight: float,
    prev: tuple[dict[str, int], dict[str, int]],
    counts: dict[str, int],
    tighten: bool,
) -> tuple[dict[str, int], dict[str, int]]:
    """Period t's columns and rows; returns its b and n columns (for (13) in the next period)."""
    col, row = mx.col, mx.row
    concern, country, product = data.concern, data.country, data.product
    input_rate, inputs_of, consumed = data.input_rate, data.inputs_of, data.consumed
    closable, candidates, customs, hubs = data.closable, data.candidates, data.customs, data.hubs
    groups, site_group, scenarios = data.groups, data.site_group, data.scenarios
    b_prev, n_prev = prev
    v = net.at(t)
    normal = weight * (1.0 - sum(net.weight.get(w, 0.0) for w in scenarios))  # W[t] (1 - sum π)

    def penalty(p: str, c: str) -> float:
        return v.market_penalty.get((p, c), net.unmet_penalty[p])

    sites = list(v.sites)
    demand = {k: d for k, d in v.demand.items() if d > 0}
    arcs = list(v.arcs)
    # (2)-(3): design variables b[s,t], n[s,t]; existing sites' fixed cost is a constant
    b: dict[str, int] = {}
    n: dict[str, int] = {}
    for s in sites:
        if s in candidates or s in closable:
            b[s] = col(weight * v.fixed_cost[s], 0, 1, integer=True)
        else:
            mx.offset += weight * v.fixed_cost[s]
        if v.max_modules[s] > 0 and v.module_capacity[s] > 0:
            n[s] = col(weight * v.module_cost[s], 0, v.max_modules[s], integer=True)
            if s in b:
                row([(n[s], 1.0), (b[s], -float(v.max_modules[s]))], upper=0.0)  # (3)
    counts["design"] += len(b) + len(n)

    def cap_terms(s: str, factor: float = 1.0) -> tuple[list[tuple[int, float]], float]:
        """cap[s,t] * factor as (variable terms, constant)."""
        terms, const = [], 0.0
        if s in b:
            terms.append((b[s], factor * v.capacity[s]))
        else:
            const += factor * v.capacity[s]
        if s in n:
            terms.append((n[s], factor * v.module_capacity[s]))
        return terms, const

    # (13) build-out from the previous period, within each site's availability
    for s in sites:
        if s in b and s in b_prev:
            if s in candidates:
                row([(b[s], 1.0), (b_prev[s], -1.0)], lower=0.0)
            else:
                row([(b[s], 1.0), (b_prev[s], -1.0)], upper=0.0)
        if s in n and s in n_prev:
            if s in closable:
                mm = float(v.max_modules[s])
                row([(n[s], 1.0), (n_prev[s], -1.0), (b[s], -mm)], lower=-mm)
            else:
                row([(n[s], 1.0), (n_prev[s], -1.0)], lower=0.0)
    # (12) groups
    for g, (lo, hi) in groups.items():
        members = [s for s in sites if site_group.get(s) == g]
        fixed = sum(1 for s in members if s not in b)
        terms = [(b[s], 1.0) for s in members if s in b]
        row(terms, lower=lo - fixed, upper=INF if hi is None else hi - fixed)

    # pools N(t), baseline flows y[s,c,t] and unmet u[p,c,t]
    pools = dict.fromkeys(demand)
    for s in sites:
        for i, _ in inputs_of.get(s, ()):
            pools.setdefault((i, country[s]), None)

    def dc(s: str, c: str) -> float:
        base = customs.get(product[s], v.unit_cost[s])
        return v.unit_cost[s] + base * v.tariff_rate[(s, c)] + v.freight_cost[(s, c)]

    y: dict[tuple[str, str], int] = {}
    into: dict[tuple[str, str], list[str]] = defaultdict(list)
    out_of: dict[str, list[str]] = defaultdict(list)
    for s, c in arcs:
        p = product[s]
        ub = demand.get((p, c), 0.0) if tighten and p not in consumed else INF
        y[(s, c)] = col(normal * dc(s, c), 0.0, ub)
        into[(p, c)].append(s)
        out_of[s].append(c)
    consumers: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for s in sites:
        for i, a in inputs_of.get(s, ()):
            consumers[(i, country[s])].append((s, a))
    u: dict[tuple[str, str], int] = {}
    for (p, c), d in demand.items():
        u[(p, c)] = col(normal * penalty(p, c), 0.0, d)
        mx.unmet.append(u[(p, c)])
        mx.demand += d
    for p, c in pools:  # (1) pool balance
        terms = [(y[(s, c)], 1.0) for s in into.get((p, c), ())]
        for s, a in consumers.get((p, c), ()):
            terms += [(y[(s, c2)], -a) for c2 in out_of.get(s, ())]
        if (p, c) in u:
            terms.append((u[(p, c)], 1.0))
        d = demand.get((p, c), 0.0)
        row(terms, lower=d, upper=d)
    counts["flows"] += len(y) + len(u)

    # reserve r[s,t] (6): at plants outside K with an arc, for a product with a reserve share (not at
    # hubs: their capacity is throughput, and spare throughput makes no product; the contract's
    # S_A(t) does not say so, the tool reads it so)
    r: dict[str, int] = {}
    for s in sites:
        if s not in hubs and s not in concern and out_of.get(s) and reserve_of(net).share.get(product[s], 0) > 0:
            r[s] = col(weight * reserve_of(v).cost[s])
    requirement = gross_requirement(v, demand)
    for p in net.products:
        need = reserve_of(net).share.get(p, 0.0) * requirement.get(p, 0.0)
        if need > 0:
            row([(r[s], 1.0) for s in sites if s in r and product[s] == p], lower=need)
    # (2) capacity
    for s in sites:
        if not out_of.get(s) and s not in r:
            continue
        terms = [(y[(s, c)], 1.0) for c in out_of.get(s, ())]
        if s in r:
            terms.append((r[s], 1.0))
        cterms, const = cap_terms(s, -1.0)
        row(terms + cterms, upper=-const)
    # (2b) minimum output, the normal year only: prod[s,t] >= min_output[s] cap[s,t]
    for s in sites:
        least = net.min_output.get(s, 0.0)
        if least > 0:
            cterms, const = cap_terms(s, -least)
            row([(y[(s, c)], 1.0) for c in out_of.get(s, ())] + cterms, lower=-const)
    # (T): a candidate or closable site ships only if it operates, where need is data
    if tighten:
        for s, c in arcs:
            p = product[s]
            if s in b and p not in consumed:
                big = min(demand[(p, c)], v.capacity[s] + v.module_capacity[s] * v.max_modules[s])
                row([(y[(s, c)], 1.0), (b[s], -big)], upper=0.0)
    # (R): the rounded capacity cover of each product whose need is data
    if tighten:
        sites_of: dict[str, list[str]] = defaultdict(list)
        for s in sites:
            sites_of[product[s]].append(s)
        markets_of: dict[str, list[str]] = defaultdict(list)
        for p, c in demand:
            markets_of[p].append(c)
        for p, markets in markets_of.items():
            if p in consumed:
                continue
            terms_z: list[tuple[float, int]] = []
            existing = 0.0
            for s in sites_of[p]:
                if s in b:
                    if v.capacity[s] > 0:
                        terms_z.append((v.capacity[s], b[s]))
                else:
                    existing += v.capacity[s]
                if s in n:
                    terms_z.append((v.module_capacity[s], n[s]))
            if not terms_z:
                continue
            sizes = [a for a, _ in terms_z]
            mir = rounded_cover(sizes, sum(demand[(p, c)] for c in markets) - existing, max(sizes))
            if mir is None:
                continue
            coefs, unmet_coef, rhs = mir
            terms = [(j, k) for k, (_, j) in zip(coefs, terms_z, strict=True) if k]
            row(terms + [(u[(p, c)], unmet_coef) for c in markets], lower=rhs)
            counts["cover"] += 1

    # concern-free parts g (11) and caps (4), (5), on the normal year's flows
    def caps(
        y: dict[tuple[str, str], int], into: dict[tuple[str, str], list[str]], out_of: dict[str, list[str]], pools: Any
    ) -> None:
        """(11), (4) and (5) on one scenario's flows ``y`` (the normal year's or a crisis's)."""
        direct_caps = caps_of(v).each_direct
        look_each = {k: cap for k, cap in caps_of(v).each.items() if cap < 1 and k in pools and into.get(k)}
        dir_each = {k: cap for k, cap in direct_caps.items() if cap < 1 and k in pools and into.get(k)}
        totals = [tc for tc in caps_of(v).total if tc.cap < 1 and tc.of is None]
        look_products = {p for p, _ in look_each} | {tc.product for tc in totals if tc.basis == "lookthrough"}
        traced = _upstream(look_products, input_rate, product) if input_rate else set()
        g: dict[tuple[str, str], int] = {}
        for s, c in y:
            if product[s] in traced and s not in concern and inputs_of.get(s):
                g[(s, c)] = col()
                row([(g[(s, c)], 1.0), (y[(s, c)], -1.0)], upper=0.0)  # g <= y
        counts["concern_free"] += len(g)

        def free(s: str, c: str) -> int | None:
            """The column of s's concern-free flow into c: g, or y itself (no inputs, outside K)."""
            if s in concern:
                return None
            return g.get((s, c)) if inputs_of.get(s) else y[(s, c)]

        if g:
            for (i, c), users in consumers.items():
                lhs = [
                    (g[(s, c2)], a) for s, a in users if s not in concern for c2 in out_of.get(s, ()) if (s, c2) in g
                ]
                if not lhs:
                    continue
                rhs = [(j, -1.0) for s2 in into.get((i, c), ()) if (j := free(s2, c)) is not None]
                row(lhs + rhs, upper=0.0)  # (11)

        def excess(p: str, c: str, cap: float, basis: str) -> list[tuple[int, float]]:
            """E - cap * sum_s y[s,c,t] as terms."""
            terms = []
            for s in into.get((p, c), ()):
                if (s, c) not in y:
                    continue
                terms.append((y[(s, c)], 1.0 - cap))
                if basis == "lookthrough" and s not in concern:
                    j = free(s, c)
                    if j is not None:
                        terms.append((j, -1.0))
                elif basis == "direct" and s not in concern:
                    terms[-1] = (y[(s, c)], -cap)
            return terms

        def is_trivial(terms: list[tuple[int, float]]) -> bool:
            merged: dict[int, float] = defaultdict(float)
            for j, k in terms:
                merged[j] += k
            return all(k <= 1e-12 for k in merged.values())

        for basis, capped in (("lookthrough", look_each), ("direct", dir_each)):
            for (p, c), cap in capped.items():
                terms = excess(p, c, cap, basis)
                if not is_trivial(terms):
                    row(terms, upper=0.0)
                    counts["caps"] += 1
        for tc in totals:
            basis = tc.basis
            terms = [
                term for c in tc.markets if (tc.product, c) in pools for term in excess(tc.product, c, tc.cap, basis)
            ]
            if not is_trivial(terms):
                row(terms, upper=0.0)
                counts["caps"] += 1
        # single-country caps per stage (4s, 5s): country k's flows - cap * all flows <= 0, for
        # the country named, or (any) every country shipping in that is not one of the markets
        singles = [(p, (c,), of, cap) for (p, c, of), cap in caps_of(v).single.items() if cap < 1]
        singles += [
            (tc.product, tc.markets, tc.of, tc.cap) for tc in caps_of(v).total if tc.cap < 1 and tc.of is not None
        ]
        for p, markets, of, cap in singles:
            arcs_in = [(s, c) for c in markets if (p, c) in pools for s in into.get((p, c), ()) if (s, c) in y]
            for k in dict.fromkeys(country[s] for s, _ in arcs_in):
                if (of == "any" and k in markets) or (of != "any" and k != of):
                    continue
                row([(y[a], (1.0 - cap) if country[a[0]] == k else -cap) for a in arcs_in], upper=0.0)
                counts["caps"] += 1

    caps(y, into, out_of, pools)

    # stock q[p,c,t] and scenarios (7)-(10), (T^ω)
    q: dict[tuple[str, str], int] = {}
    for (p, c), most in stocks_of(net).max_stock.items():
        if most > 0 and (p, c) in pools:
            q[(p, c)] = col(weight * stocks_of(net).holding_cost.get((p, c), 0.0), 0.0, most)
    hold = net.settings.caps_in_scenarios == "hold"
    for w in scenarios:
        sw = weight * net.weight.get(w, 0.0)  # weight-0 scenarios constrain but cost nothing
        shortfall = net.max_shortfall.get(w)
        live = {s for s in sites if net.loss.get((w, s), 0.0) < 1}
        closed = [cl for cl in net.closures if cl.scenario == w]

        def is_closed(s: str, c: str, closed: list[Any] = closed) -> bool:
            origin = country[s]
            return origin != c and any(
                (cl.origins is None or origin in cl.origins)
                and (cl.destinations is None or c in cl.destinations)
                and (cl.product is None or cl.product == product[s])
                for cl in closed
            )

        need = {}
        for p, c in pools:
            need[(p, c)] = demand.get((p, c), 0.0) * v.demand_factor.get((w, p, c), 1.0)
        ys: dict[tuple[str, str], int] = {}
        ws_out: dict[str, list[str]] = defaultdict(list)
        ws_into: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s, c in arcs:
            p = product[s]
            if s in live and (need[(p, c)] > 0 or consumers.get((p, c))) and not is_closed(s, c):
                ys[(s, c)] = col(sw * dc(s, c))
                ws_out[s].append(c)
                ws_into[(p, c)].append(s)
        scenario_pools = []
        for p, c in pools:  # (7)
            d = need[(p, c)]
            if d <= 0 and not consumers.get((p, c)):
                continue
            scenario_pools.append((p, c))
            terms = [(ys[(s, c)], 1.0) for s in into.get((p, c), ()) if (s, c) in ys]
            for s, a in consumers.get((p, c), ()):
                terms += [(ys[(s, c2)], -a) for c2 in ws_out.get(s, ())]
            if d > 0:
                hi = d if shortfall is None else min(d, shortfall * d)  # (10)
                terms.append((col(sw * penalty(p, c), 0.0, hi), 1.0))
            if (p, c) in q:
                wd = col(sw * stocks_of(net).restock_cost.get((p, c), 0.0))
                terms.append((wd, 1.0))
                row([(wd, 1.0), (q[(p, c)], -1.0)], upper=0.0)  # (9)
            row(terms, lower=d, upper=d)
        for s in sites:  # (8)
            if not ws_out.get(s):
                continue
            cterms, const = cap_terms(s, -(1.0 - net.loss.get((w, s), 0.0)))
            row([(ys[(s, c)], 1.0) for c in ws_out[s]] + cterms, upper=-const)
        if tighten:  # (T^ω)
            for (s, c), j in ys.items():
                p = product[s]
                if s in b and p not in consumed:
                    big = min(need[(p, c)], v.capacity[s] + v.module_capacity[s] * v.max_modules[s])
                    row([(j, 1.0), (b[s], -big)], upper=0.0)
        if hold:  # (14)
            caps(ys, ws_into, ws_out, set(scenario_pools))
        counts["scenario_flows"] += len(ys)
    return b, n


@dataclass
class Solved:
    """The yardstick's run: seconds per step, size, status, objective and dual bound."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: dict[str, float]
    size: dict[str, int]
    unmet_share: float | None = None
    """Baseline unmet demand over all final demand, summed over the periods (a case whose caps or
    capacity leave most demand unmet measures little)."""
    built_mb: float | None = None
    """The process's peak memory (MB) once the model is built, before HiGHS is given it."""

    @property
    def total(self) -> float:
        """Build + hand-over + HiGHS: the yardstick's time."""
        return self.seconds["build"] + self.seconds["handover"] + self.seconds["solve"]


def solve(
    net: Any,
    time_limit: float = 600.0,
    mip_gap: float = 1e-4,
    seed: int = 0,
    threads: int = 0,
    highs: tuple[tuple[str, Any], ...] = (("mip_allow_restart", False),),
    tighten: bool = True,
) -> Solved:
    """Build ``net`` directly and solve it with HiGHS (the tool's HiGHS settings by default)."""
    built = build(net, tighten)
    built_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    h = new_highs()  # output off, HiGHS's banner kept off standard output
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("random_seed", int(seed))
    if threads > 0:
        h.setOptionValue("threads", int(threads))
    for name, value in highs:
        h.setOptionValue(name, value)
    if h.passModel(built.matrix.highs_lp()) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the yardstick's model")
    handover = time.perf_counter() - t0
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    has = info.primal_solution_status == 2
    objective = float(info.objective_function_value) if has else None
    bound = float(info.mip_dual_bound) if built.matrix.integer else objective
    gap = float(info.mip_gap) if built.matrix.integer else 0.0
    if gap is not None and (not math.isfinite(gap) or gap < 0):
        gap = 0.0
    seconds = {"build": built.seconds, "handover": handover, "solve": h.getRunTime()}
    unmet = None
    if has and built.matrix.demand > 0:
        x = np.asarray(h.getSolution().col_value)
        unmet = float(x[built.matrix.unmet].sum()) / built.matrix.demand
    return Solved(status, objective, bound, gap, seconds, built.matrix.size, unmet, built_mb)


def agree(a: float | None, a_bound: float | None, b: float | None, b_bound: float | None, rel: float = 1e-6) -> bool:
    """Whether two MIP runs of one model agree: the objectives within ``rel`` of each other, or,
    for runs stopped at their gap, each run's [dual bound, objective] interval meets the other's."""
    if a is None or b is None:
        return False
    scale = max(1.0, abs(a), abs(b))
    if abs(a - b) <= rel * scale:
        return True
    bounds = [x for x in (a_bound, b_bound) if x is not None]
    return bool(bounds) and max(bounds) <= min(a, b) + rel * scale


def main(argv: list[str] | None = None) -> int:
    from bench.run import workbook_for
    from model.workbook import read_workbook

    for case in argv if argv is not None else sys.argv[1:]:
        net = read_workbook(workbook_for(case))
        got = solve(net)
        s = got.seconds
        print(
            f"{case}: {got.status}, objective {got.objective}, bound {got.bound}, {got.size}, "
            f"unmet {'-' if got.unmet_share is None else f'{got.unmet_share:.2%}'} of demand; "
            f"build {s['build']:.2f} s, hand-over {s['handover']:.2f} s, HiGHS {s['solve']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
