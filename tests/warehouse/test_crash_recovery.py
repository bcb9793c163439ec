"""A raw load killed with SIGKILL leaves raw as it was, and the next `ecom load` of the same batch
ends exactly where a load that was never interrupted ends: same rows, same checksums, same
ledger, no audit area left behind.

The batch is generated at scale 0.01 (about 230k rows, a few seconds to load) so the load can be
caught in the act: during a COPY into the audit area, and during the publish into raw.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from contracts.raw_tables import TABLES
from warehouse.databases import admin_url, create_database, drop_database
from warehouse.loader import load_batch
from warehouse.raw_validation import validate_batch
from warehouse.raw_validation.audit import audit_schema

ECOM = str(Path(sys.executable).with_name("ecom"))
SCALE = 0.01

#: where to kill the load: a statement of that phase running in the warehouse
PHASES = {
    "copy into the audit area": "copy %",
    "publish into raw": 'insert into "raw".%',
}


def raw_state(url: str) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the rows in order) per raw table, without the load's timestamp; and the
    ledger's batch, manifest hash and row counts."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            row = conn.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(r, '|' order by r), ''))"
                    " from (select (to_jsonb(t) - '_loaded_at')::text as r from raw.{} t) s"
                ).format(sql.Identifier(table.name))
            ).fetchone()
            assert row is not None
            out[table.name] = (int(row[0]), str(row[1]))
        ledger = conn.execute(
            "select count(*), coalesce(string_agg(batch_id || manifest_sha256"
            " || row_counts::text, '|' order by batch_id), '') from raw._batches"
        ).fetchone()
        assert ledger is not None
        out["_batches"] = (int(ledger[0]), str(ledger[1]))
    return out


def _audit_schemas(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            r[0]
            for r in conn.execute(
                "select nspname from pg_namespace where nspname like 'audit\\_%'"
            )
        ]


def _others(conn: psycopg.Connection, like: str = "%") -> list[str]:
    """Active statements of other sessions in this database matching `like`."""
    return [
        r[0]
        for r in conn.execute(
            "select query from pg_stat_activity where datname = current_database()"
            " and pid <> pg_backend_pid() and state = 'active' and query ilike %s",
            (like,),
        )
    ]


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from seeds_generator import generate

    out = tmp_path_factory.mktemp("crash") / "batch"
    generate(out, scale=SCALE, seed=11, progress=False)
    return out


@pytest.fixture(scope="module")
def uninterrupted(embedded_url: str, big_batch: Path) -> Iterator[dict]:
    """raw_state of the batch loaded once, without interruption, into its own database."""
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "crashref")
    try:
        load_batch(big_batch, url)
        yield raw_state(url)
    finally:
        drop_database(admin, name)


def _kill_load_during(url: str, batch: Path, like: str) -> str:
    """Start `ecom load batch`, SIGKILL it while a statement matching `like` runs; the
    statement seen."""
    proc = subprocess.Popen(
        [ECOM, "load", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, ECOM_DATABASE_URL=url),
    )
    seen: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + 180
        while not seen and proc.poll() is None and time.monotonic() < deadline:
            seen = _others(conn, like)
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        output = proc.communicate(timeout=30)[0].decode()
        assert seen, f"never saw {like!r} before the load ended:\n{output}"
        assert proc.returncode == -signal.SIGKILL
        # the server notices the lost client and rolls its transaction back
        deadline = time.monotonic() + 120
        while _others(conn) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _others(conn), "the killed load's session never ended"
    return seen[0]


@pytest.mark.slow
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_killed_load_is_rerun_to_the_uninterrupted_result(
    fresh_database: str, big_batch: Path, uninterrupted: dict, phase: str
) -> None:
    statement = _kill_load_during(fresh_database, big_batch, PHASES[phase])
    # nothing of the killed attempt is in raw; its audit area is left over
    killed = raw_state(fresh_database)
    assert all(rows == 0 for rows, _ in killed.values()), (statement, killed)
    batch_id = json.loads((big_batch / "manifest.json").read_text())["batch_id"]
    assert _audit_schemas(fresh_database) == [audit_schema(batch_id)], statement

    out = subprocess.run(
        [ECOM, "load", str(big_batch)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, ECOM_DATABASE_URL=fresh_database),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "loaded batch" in out.stdout
    assert raw_state(fresh_database) == uninterrupted
    assert _audit_schemas(fresh_database) == []


def test_a_reused_audit_area_that_lost_its_rows_is_staged_again(
    fresh_database: str, hand_batch, good_rows
) -> None:
    # a passing validation is reused by the next load; after a server crash its unlogged
    # tables are empty (here: emptied by hand): the load must not publish the empty tables
    batch = hand_batch()
    assert validate_batch(batch, fresh_database).success
    schema = audit_schema("hand-0001")
    with psycopg.connect(fresh_database) as conn:
        conn.execute(sql.SQL("truncate {}.orders").format(sql.Identifier(schema)))
    result = load_batch(batch, fresh_database)
    assert result.tables == {name: len(rows) for name, rows in good_rows.items()}
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("select count(*) from raw.orders").fetchone() == (5,)


def test_verdict_is_unlogged_like_the_rows_it_judged(
    fresh_database: str, hand_batch
) -> None:
    # a server crash resets unlogged tables; a logged verdict would outlive its rows
    assert validate_batch(hand_batch(), fresh_database).success
    with psycopg.connect(fresh_database) as conn:
        persistence = conn.execute(
            "select distinct relpersistence from pg_class where relkind = 'r'"
            " and relnamespace = %s::regnamespace",
            (audit_schema("hand-0001"),),
        ).fetchall()
    assert persistence == [("u",)]
