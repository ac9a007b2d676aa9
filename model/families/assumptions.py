"""Named assumptions on which valid tightenings rest, each a predicate on the checked data.

A tightening (a bound or row implied by the model that helps the solver) is generated only where
its assumption holds, so that the data of a later version can never make it cut off a design the
model allows. ``build_model(net, tighten=False)`` builds none of them; ``tests/test_tightenings.py``
compares the optima with and without them.
"""

from __future__ import annotations

from model.network import Network


def need_is_data(net: Network, product: str) -> bool:
    """The need of every pool (product, market) is data: the final demand D[p,m] (in a scenario
    D[p,m] f^ω[p,m]), because no site consumes the product (a[s,p] = 0 for every site s).

    True for every product of a version-1 workbook (it has no recipes). False for a product that
    some recipe consumes: the need of its pools then includes sum_s a[s,p] prod[s], a variable, so
    ``x[s,m] <= D[p,m]``, the (T) rows with min(D, cap), and the rounded cover (R) with
    B = sum_m D[p,m] - existing capacity would cut off designs that feed other sites.
    """
    return product not in net.consumed_products
