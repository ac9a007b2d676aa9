"""Supply network redesign: ``python run.py --help``."""

import logging
import os
import sys

from model.cli import main
from model.collector import hold_for_the_process


def exit_now(code: int) -> None:
    """Flush what was printed and end the process with ``code``, skipping the interpreter's
    teardown: freeing every module and object one by one takes 0.15-0.25 s, a tenth of a run on
    the sample (docs/performance.md). Only for the end of a run: by then every file is written
    and closed, and sweep workers and Dask clients are shut down by ``model.study``."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (output piped into `head`): nothing to flush to
            pass
    os._exit(code)


if __name__ == "__main__":
    hold_for_the_process()  # one run, then the process ends: no collection frees what the end frees
    exit_now(main())
