"""Schedules: the daily incremental run."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import daily_incremental_job

daily_incremental_schedule = dg.ScheduleDefinition(
    name="daily_incremental_schedule",
    job=daily_incremental_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Every day at 02:00 UTC: generate the next day's batch, load it, build incrementally.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
