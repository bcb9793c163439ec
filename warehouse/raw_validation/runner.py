"""Run the contract's expectation suites over a batch with great-expectations (pandas, ephemeral)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from contracts.manifest import (
    BatchManifest,
    ManifestError,
    read_manifest,
)
from contracts.raw_tables import get_table
from warehouse.raw_validation.frames import (
    CsvParseError,
    read_text_table,
    text_frame,
    typed_frame,
)
from warehouse.raw_validation.report import ValidationFailure, ValidationReport

log = logging.getLogger(__name__)

EXAMPLES = 5
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
_COLUMNS_EXPECTATION = "expect_table_columns_to_match_ordered_list"


def _context() -> Any:
    """An in-memory GX context: no files, no analytics, no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _show(value: Any) -> Any:
    """Example values as plain, readable Python values (None for any kind of null)."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _columns_failure(
    table: str, result: dict[str, Any], expected: list[str]
) -> ValidationFailure:
    observed = list(result.get("observed_value") or [])
    missing = [c for c in expected if c not in observed]
    unexpected = [c for c in observed if c not in expected]
    if missing or unexpected:
        details = f"missing column(s) {missing}, unexpected column(s) {unexpected}"
    else:
        details = "columns out of order"
    return ValidationFailure(
        table=table,
        column=(missing or unexpected or [None])[0],
        expectation=_COLUMNS_EXPECTATION,
        examples=missing + unexpected,
        check="columns present and ordered",
        details=f"{details}; expected {expected}, found {observed}",
    )


def _failures(
    table: str, failed: list[Any], text: pd.DataFrame, expected: list[str]
) -> list[ValidationFailure]:
    failures = []
    for r in failed:
        config = r.expectation_config
        check = (config.meta or {}).get("check", "")
        column = config.kwargs.get("column")
        if r.exception_info and r.exception_info.get("raised_exception"):
            failures.append(
                ValidationFailure(
                    table,
                    column,
                    config.type,
                    [],
                    check=check,
                    details=str(r.exception_info.get("exception_message")),
                )
            )
        elif config.type == _COLUMNS_EXPECTATION:
            failures.append(_columns_failure(table, r.result, expected))
        else:
            index = list(r.result.get("partial_unexpected_index_list") or [])
            if column in text.columns and index:
                # show the file's own text, also for failures found on parsed values
                examples = [_show(v) for v in text[column].iloc[index].tolist()]
            else:
                examples = [
                    _show(v) for v in r.result.get("partial_unexpected_list") or []
                ]
            failures.append(
                ValidationFailure(
                    table=table,
                    column=column,
                    expectation=config.type,
                    examples=examples,
                    unexpected_count=r.result.get("unexpected_count"),
                    check=check,
                    rows=[int(i) + 2 for i in index],
                )
            )
    return failures


class _GxRunner:
    """One ephemeral GX context with one pandas data source; runs suites over data frames."""

    def __init__(self) -> None:
        self.context = _context()
        self.source = self.context.data_sources.add_pandas("raw_csv")

    def _run(
        self, suite: Any, frame: pd.DataFrame, result_format: dict[str, Any]
    ) -> Any:
        import great_expectations as gx

        asset = self.source.add_dataframe_asset(suite.name)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(
                name=suite.name,
                data=asset.add_batch_definition_whole_dataframe("whole"),
                suite=self.context.suites.add(suite),
            )
        )
        # one batch (so one GX dataframe fingerprint) per run, where Batch.validate takes two
        return definition.run(
            batch_parameters={"dataframe": frame}, result_format=result_format
        )

    def run(self, suite: Any, frame: pd.DataFrame) -> list[Any]:
        """Results of the failed expectations of `suite` (with examples); [] when all pass.

        Passing is the common case, so the whole suite runs with BOOLEAN_ONLY results (about
        half the GX overhead) and only the failed expectations run again to collect examples.
        """
        import great_expectations as gx

        first = self._run(suite, frame, {"result_format": "BOOLEAN_ONLY"})
        failed = [r.expectation_config for r in first.results if not r.success]
        if not failed:
            return []
        again = gx.ExpectationSuite(name=f"{suite.name}.failed")
        for config in failed:
            expectation = config.to_domain_obj()
            expectation.id = None
            again.add_expectation(expectation)
        return [
            r for r in self._run(again, frame, _RESULT_FORMAT).results if not r.success
        ]


def _validate_one(
    gx_runner: _GxRunner, manifest: BatchManifest, name: str
) -> list[ValidationFailure]:
    from warehouse.raw_validation.suites import text_suite, typed_columns, typed_suite

    table = get_table(name)
    path = manifest.path(name)
    if not path.is_file():
        return [
            ValidationFailure(
                name,
                None,
                "file_exists",
                [str(path)],
                details="file listed in manifest is missing",
            )
        ]
    try:
        arrow_table = read_text_table(path)
    except CsvParseError as exc:
        return [
            ValidationFailure(
                name, None, "csv_parses", [str(exc)], details="not well-formed CSV"
            )
        ]
    text = text_frame(arrow_table)
    # an empty file (common in increments) can only be wrong in its header
    present = set(text.columns) if len(text) else set()
    checks = [(text_suite(table, present), text)]
    if present:
        typed = typed_frame(arrow_table, typed_columns(table, present))
        checks.append((typed_suite(table, present, manifest.future_bound), typed))
    failures: list[ValidationFailure] = []
    for suite, frame in checks:
        if suite.expectations:
            failed = gx_runner.run(suite, frame)
            failures.extend(_failures(name, failed, text, table.column_names))
    return failures


def validate_batch(
    batch_dir: Path, tables: Sequence[str] | None = None
) -> ValidationReport:
    """Validate the CSVs of a batch (all its tables, or `tables`) against the raw contract.

    Raises ManifestError when the manifest is unusable or names no such table; everything wrong
    with the data itself is reported in the returned ValidationReport.
    """
    started = time.perf_counter()
    manifest = read_manifest(Path(batch_dir))
    names = list(manifest.tables) if tables is None else list(tables)
    absent = [n for n in names if n not in manifest.tables]
    if absent:
        raise ManifestError(
            f"table(s) {absent} are not in the manifest of batch {manifest.batch_id}"
        )
    gx_runner = _GxRunner()
    failures: list[ValidationFailure] = []
    per_table: dict[str, bool] = {}
    for name in names:
        found = _validate_one(gx_runner, manifest, name)
        per_table[name] = not found
        failures.extend(found)
    seconds = time.perf_counter() - started
    log.info(
        "validated %d table(s) of batch %s in %.1fs",
        len(names),
        manifest.batch_id,
        seconds,
    )
    return ValidationReport(
        success=not failures,
        failures=failures,
        per_table=per_table,
        batch_id=manifest.batch_id,
        seconds=seconds,
    )


def validate_table(batch_dir: Path, table: str) -> ValidationReport:
    """Validate one table of a batch (used by the per-table Dagster asset checks)."""
    return validate_batch(batch_dir, [table])
