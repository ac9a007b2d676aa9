"""Session fixtures: the sample workbook read once and solved once, shared by every test that
needs its optimal results (the solve takes seconds; the tests only read the results)."""

from __future__ import annotations

import pytest

from model.network import Network
from model.results import Results
from model.workbook import read_workbook
from tests.helpers import SAMPLE, solve_network


@pytest.fixture(scope="session")
def sample_network() -> Network:
    """The sample workbook, read and checked (a frozen Network: safe to share)."""
    return read_workbook(SAMPLE)


@pytest.fixture(scope="session")
def solved_sample(sample_network: Network) -> Results:
    """The sample solved to a proven optimum (gap 0), every invariant asserted. Tests read it and
    must not change its tables (copy them first, as tests/test_invariants.py does)."""
    return solve_network(sample_network)


@pytest.fixture(scope="session")
def solved_sample_baseline(sample_network: Network) -> Results:
    """The sample without its scenarios, solved to a proven optimum, every invariant asserted."""
    return solve_network(sample_network.without_scenarios())
