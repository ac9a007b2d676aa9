"""The invariants catch what they are there to catch: each one, given the sample's result tables
with one planted inconsistency, reports it in words (and passes on the untouched tables)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from model.invariants import check_all
from model.network import Network
from model.results import Results


@pytest.fixture(scope="module")
def sample(solved_sample: Results, sample_network: Network) -> tuple[Results, Network]:
    return solved_sample, sample_network  # solved once per session; every invariant asserted there


def _tampered(res: Results, change: Callable[[dict[str, pd.DataFrame]], None]) -> Results:
    tables = {name: table.copy() for name, table in res.tables.items()}
    change(tables)
    return Results(tables, res.objective, res.solve)


def _less_flow(t: dict[str, pd.DataFrame]) -> None:
    t["Flows"].loc[0, "quantity"] *= 0.5


def _flow_on_no_lane(t: dict[str, pd.DataFrame]) -> None:
    t["Flows"].loc[0, "market"] = "Atlantis"


def _too_much_reserve(t: dict[str, pd.DataFrame]) -> None:
    sites = t["Sites"]
    i = sites.index[sites["capacity"] > 0][0]
    sites.loc[i, "reserve"] = sites.loc[i, "capacity"] * 2


def _no_reserve(t: dict[str, pd.DataFrame]) -> None:
    t["Sites"]["reserve"] = 0.0


def _more_from_the_concern(t: dict[str, pd.DataFrame]) -> None:
    dep = t["Dependency"]
    row = dep[(dep["scope"] == "each") & (dep["cap"] < 1) & (dep["concern_supplied"] > 0)].iloc[0]
    flows = t["Flows"]
    concern = (flows["product"] == row["product"]) & (flows["market"] == row["market"]) & (flows["origin"] == "China")
    flows.loc[concern, "quantity"] *= 10


def _wrong_cost(t: dict[str, pd.DataFrame]) -> None:
    t["Costs"].loc[0, "value"] += 1000.0


def _scenario_unbalanced(t: dict[str, pd.DataFrame]) -> None:
    t["Scenarios"].loc[0, "unmet"] += 1.0


def _scenario_over_capacity(t: dict[str, pd.DataFrame]) -> None:
    t["ScenarioSites"].loc[0, "production"] = t["ScenarioSites"].loc[0, "capacity_left"] * 3 + 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_less_flow, "but supplied + unmet"),
        (_flow_on_no_lane, "uses no allowed lane"),
        (_too_much_reserve, "exceeds capacity"),
        (_no_reserve, "below the required"),
        (_more_from_the_concern, "exceeds cap"),
        (_wrong_cost, "recomputes to"),
        (_scenario_unbalanced, "supplied + drawn + unmet != demand"),
        (_scenario_over_capacity, "capacity left"),
    ],
)
def test_each_invariant_reports_a_planted_inconsistency(
    sample: tuple[Results, Network], change: Callable[[dict[str, pd.DataFrame]], None], words: str
) -> None:
    res, net = sample
    assert check_all(res, net) == []
    problems = check_all(_tampered(res, change), net)
    assert any(words in p for p in problems), problems
