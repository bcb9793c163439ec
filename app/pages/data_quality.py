"""Data quality: which source tables hold data, the last dbt build (tests pass/fail, timings),
source freshness, loaded batches."""

from __future__ import annotations

import streamlit as st

from app import coverage, db, dbt_artifacts, exports, ui
from app.config import get_app_settings

BATCHES = """
select batch_id, parent_batch_id, window_start, window_end, loaded_at, source_dir,
    row_counts::text as row_counts
from raw._batches
order by loaded_at desc
"""

BAD = {"error", "fail", "runtime error", "warn"}


def dbt_section(target_dir) -> None:
    st.subheader("Last dbt run")
    run = dbt_artifacts.load_run_results(target_dir)
    if run is None:
        st.info(
            f"No dbt results at {target_dir / 'run_results.json'}: run `ecom run` or `ecom dbt build`.",
            icon=":material/hourglass_empty:",
        )
        return
    results = run.results
    tests = results.loc[results["resource_type"].isin(["test", "unit_test"])]
    passed = int(tests["status"].eq("pass").sum())
    cols = st.columns(4)
    cols[0].metric("Command", f"dbt {run.command}", border=True)
    cols[1].metric("Tests passed", f"{passed} / {len(tests)}", border=True)
    cols[2].metric(
        "Failing or warning", ui.count(results["status"].isin(BAD).sum()), border=True
    )
    cols[3].metric("Duration", f"{run.elapsed_seconds:,.1f} s", border=True)
    st.caption(f"Finished {run.generated_at:%Y-%m-%d %H:%M:%S} UTC · {run.path}")
    exports.table(
        dbt_artifacts.status_summary(results), "dbt-status-summary", key="dq-summary"
    )

    problems = results.loc[results["status"].isin(BAD)]
    failed = int(problems["status"].ne("warn").sum())
    if problems.empty:
        st.success(
            "Every model, snapshot and test in the last run succeeded.",
            icon=":material/check_circle:",
        )
    elif failed:
        st.error(
            f"{failed} node(s) failed, {len(problems) - failed} warned",
            icon=":material/report:",
        )
    else:
        st.warning(
            f"{len(problems)} test(s) warned (warn severity: reported, not blocking)",
            icon=":material/warning:",
        )
    if not problems.empty:
        exports.table(problems, "dbt-problems", key="dq-problems")

    only_tests = st.toggle("Tests only", value=False, key="dq-tests-only")
    shown = tests if only_tests else results
    exports.table(
        shown.sort_values("execution_time", ascending=False),
        "dbt-run-results",
        key="dq-results",
        height=360,
    )


def freshness_section(target_dir) -> None:
    st.subheader("Source freshness")
    loaded = dbt_artifacts.load_freshness(target_dir)
    if loaded is None:
        st.info(
            f"No freshness results at {target_dir / 'sources.json'}: produce them with "
            "`ecom dbt source freshness`.",
            icon=":material/hourglass_empty:",
        )
        return
    frame, checked = loaded
    stale = frame.loc[frame["status"] != "pass"]
    st.caption(
        f"Checked {checked:%Y-%m-%d %H:%M:%S} UTC · {len(frame) - len(stale)} of {len(frame)} sources fresh"
    )
    exports.table(frame, "source-freshness", key="dq-freshness")


def batches_section(url: str) -> None:
    st.subheader("Loaded batches")
    if not ui.table_ready(url, "raw._batches", "The load ledger"):
        return
    batches = db.query(url, BATCHES)
    exports.table(batches, "loaded-batches", key="dq-batches")


def sources_section(url: str) -> None:
    st.subheader("Source tables delivered")
    if not ui.table_ready(url, coverage.COVERAGE_TABLE, "The source coverage"):
        return
    frame = coverage.coverage_rows(url)
    optional = frame.loc[~frame["is_required"]]
    st.caption(
        f"{int(optional['has_rows'].sum())} of {len(optional)} optional tables hold data; "
        "pages say which of the missing ones they need (docs/required-only.md)."
    )
    exports.table(frame, "source-coverage", key="dq-sources")


def render(url: str) -> None:
    target_dir = get_app_settings().resolved_dbt_target_dir()
    sources_section(url)
    dbt_section(target_dir)
    freshness_section(target_dir)
    batches_section(url)


ui.run_page("Data quality", render, needs_marts=False)
