"""Sensors: start a load when a new batch lands; report failed runs."""

import json
import logging
import os

import dagster as dg

from orchestration.batches import unloaded_batches
from orchestration.jobs import load_landed_job
from orchestration.paths import landing_dir

log = logging.getLogger(__name__)


@dg.sensor(
    name="landed_batch_sensor",
    job=load_landed_job,
    minimum_interval_seconds=30,
    description="Starts a load when a batch with a manifest lands in the landing directory and is not yet in raw.",
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landed_batch_sensor(context: dg.SensorEvaluationContext):
    import psycopg

    from warehouse.connection import database_url
    from warehouse.loader import loaded_batches

    try:
        loaded = {b["batch_id"] for b in loaded_batches(database_url(start=False))}
    except (RuntimeError, psycopg.OperationalError) as exc:
        return dg.SkipReason(f"warehouse unreachable: {exc}")
    pending = unloaded_batches(landing_dir(), loaded)
    if not pending:
        return dg.SkipReason(f"no new batch in {landing_dir()}")
    # one run loads every pending batch in order; keyed by the newest so a batch starts one run
    newest = pending[-1]
    return dg.RunRequest(
        run_key=newest.batch_id,
        tags={"ecom/batches": ",".join(b.batch_id for b in pending)},
    )


def report_failure(run_id: str, job_name: str, message: str) -> dict:
    """Log a failed run; POST it to ECOM_ALERT_WEBHOOK_URL when that is set. Returns the payload."""
    payload = {
        "event": "run_failure",
        "run_id": run_id,
        "job": job_name,
        "message": message,
    }
    log.error("dagster run failed: %s", json.dumps(payload))
    webhook = os.environ.get("ECOM_ALERT_WEBHOOK_URL")
    if webhook:
        import httpx

        try:
            httpx.post(webhook, json=payload, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:  # alerting must never crash the sensor
            log.error("could not deliver failure alert to webhook: %s", exc)
    return payload


@dg.run_failure_sensor(
    name="run_failure_reporter",
    description="Reports failed runs to the log, and to ECOM_ALERT_WEBHOOK_URL when set.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_reporter(context: dg.RunFailureSensorContext):
    report_failure(
        context.dagster_run.run_id,
        context.dagster_run.job_name,
        context.failure_event.message or "",
    )
