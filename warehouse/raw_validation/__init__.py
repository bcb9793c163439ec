"""Raw validation, in the database: each batch is COPYed into its own audit area and checked
there with SQL generated from the raw contract before the loader publishes it into `raw`
(write-audit-publish). A finding names the table, column, rule and file line numbers.
"""

from contracts.manifest import BatchManifest, ManifestError, read_manifest
from warehouse.raw_validation.report import (
    RawValidationError,
    ValidationFailure,
    ValidationReport,
)
from warehouse.raw_validation.runner import audit_batch, validate_batch

__all__ = [
    "BatchManifest",
    "ManifestError",
    "RawValidationError",
    "ValidationFailure",
    "ValidationReport",
    "audit_batch",
    "read_manifest",
    "validate_batch",
]
