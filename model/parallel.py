"""Independent solves run side by side: the one place that knows how (this process, a pool of
worker processes, or a Dask cluster). Sweeps (``model.study``) and the stress atlas
(``model.stress``) hand it a function and its tasks; the atlas and the alternatives' search run
together through ``call`` (``model.api.solve``)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from model.collector import survivors_frozen
from model.network import Network


def call(net: Network, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(net, *args)``: the task of ``run_each`` when its tasks run different functions (the
    stress atlas's cases beside the alternatives' search, in one pool)."""
    return fn(net, *args)


def tagged(net: Network, kind: Any, fn: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """``(kind, fn(net, *args))``: the task of ``run_each`` when tasks of several kinds share one
    pool (the stress atlas's cases, the alternatives' search, a sweep's points), so that each
    result comes back saying what it is."""
    return kind, fn(net, *args)


def run_each(
    fn: Callable[..., Any],
    net: Network,
    tasks: Iterable[tuple[Any, ...]],
    done: Callable[[Any], None],
    in_process: bool,
    workers: int | None = None,
    dask_address: Any = None,
) -> None:
    """``fn(net, *task)`` for every task, ``done(result)`` as each finishes: on the Dask cluster at
    ``dask_address`` (a ``Client`` or a scheduler address; the network scattered once), else in
    this process when ``in_process``, else in a pool of ``workers`` processes (None: one per core)
    started from a forkserver with Pyomo and HiGHS preloaded. Tasks start in the order given."""
    tasks = list(tasks)
    if dask_address is not None:
        _run_dask(fn, net, tasks, done, dask_address)
    elif in_process:
        with survivors_frozen():  # each task's gc.collect walks only its own model
            for task in tasks:
                done(fn(net, *task))
    else:
        ctx = multiprocessing.get_context("forkserver")  # forking a process with HiGHS threads can hang
        ctx.set_forkserver_preload(["model.pipeline"])  # workers start with Pyomo and HiGHS imported
        with ProcessPoolExecutor(max_workers=workers or None, mp_context=ctx) as pool:
            futures = [pool.submit(fn, net, *task) for task in tasks]
            for f in as_completed(futures):
                done(f.result())


def _run_dask(
    fn: Callable[..., Any], net: Network, tasks: list[tuple[Any, ...]], done: Callable[[Any], None], address: Any
) -> None:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("--dask needs the optional extra: pip install -e '.[dask]' (dask[distributed])") from None
    client = address if isinstance(address, Client) else Client(address)
    try:
        shared = client.scatter(net, broadcast=True)
        futures = [client.submit(fn, shared, *task, pure=False) for task in tasks]
        for f in dask_completed(futures):
            done(f.result())
    finally:
        if client is not address:
            client.close()
