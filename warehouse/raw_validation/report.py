"""What raw validation found: failures per table, a text rendering, and the error that stops a load."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ValidationFailure:
    """One failed expectation.

    `rows` are 1-based file line numbers (the header is line 1; for Parquet, row N is line
    N + 1) of example bad values, when known.
    """

    table: str
    column: str | None
    expectation: str
    examples: list
    unexpected_count: int | None = None
    check: str = ""
    rows: list[int] = field(default_factory=list)
    details: str = ""

    def to_text(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        what = f"{self.expectation} ({self.check})" if self.check else self.expectation
        parts = [f"{where}: {what} failed"]
        if self.unexpected_count is not None:
            parts.append(f"{self.unexpected_count} bad value(s)")
        if self.examples:
            parts.append(f"e.g. {self.examples!r}")
        if self.rows:
            parts.append(f"at line(s) {self.rows}")
        if self.details:
            parts.append(self.details)
        return "; ".join(parts)


@dataclass
class ValidationReport:
    """Outcome of validating some tables of one batch."""

    success: bool
    failures: list[ValidationFailure]
    per_table: dict[str, bool]
    batch_id: str = ""
    seconds: float = 0.0

    def failures_for(self, table: str) -> list[ValidationFailure]:
        return [f for f in self.failures if f.table == table]

    def to_text(self) -> str:
        """A human-readable summary: one line per table, one line per failure."""
        head = "passed" if self.success else "FAILED"
        lines = [
            f"raw validation of batch {self.batch_id or '?'} {head} ({self.seconds:.1f}s)"
        ]
        for table, ok in self.per_table.items():
            lines.append(f"  {table}: {'ok' if ok else 'FAILED'}")
            lines.extend(f"    - {f.to_text()}" for f in self.failures_for(table))
        return "\n".join(lines)


class RawValidationError(Exception):
    """A batch failed raw validation; `report` says where and why. Nothing was loaded."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.to_text())
        self.report = report
