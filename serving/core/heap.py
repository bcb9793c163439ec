"""Keep the garbage collector's full collections short once the app has started.

After start-up the process holds a few hundred thousand long-lived objects (MLflow, pandas,
scikit-learn, the loaded model). A full (generation 2) collection walks all of them, about
100-200 ms on this project's machines, and stalls every request of that worker meanwhile:
it was the tail of the 1,000-row batch latency. `gc.freeze()` moves them to a permanent
generation that collections skip; objects created later are collected as usual.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then exempt the survivors from future scans."""
    gc.collect()
    gc.freeze()


def unfreeze_heap() -> None:
    """Return the frozen objects to the collector (at shutdown; several apps may share a
    process in tests)."""
    gc.unfreeze()
