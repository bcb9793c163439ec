"""Raw validation: great-expectations suites built from the raw data contract gate every load.

Every column is read as text, so a value that does not parse is a finding with examples and CSV
line numbers, not a crash. The loader refuses a batch whose report is not successful.
"""

from contracts.manifest import (
    BatchManifest,
    ManifestError,
    read_manifest,
)
from warehouse.raw_validation.report import (
    RawValidationError,
    ValidationFailure,
    ValidationReport,
)
from warehouse.raw_validation.runner import validate_batch, validate_table

__all__ = [
    "BatchManifest",
    "ManifestError",
    "RawValidationError",
    "ValidationFailure",
    "ValidationReport",
    "read_manifest",
    "validate_batch",
    "validate_table",
]
