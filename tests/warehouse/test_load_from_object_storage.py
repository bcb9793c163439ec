"""Loading a batch from object storage (an S3 server on 127.0.0.1, moto) is loading it from a
directory: the same raw tables, the same refusals, nothing half-fetched left behind."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import psycopg
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

import warehouse.object_store as object_store
from contracts.manifest import (
    MANIFEST_FILE,
    read_manifest,
    sha256_file,
    table_entry,
    write_manifest,
)
from contracts.raw_tables import TABLES
from orchestration.cli.main import app
from warehouse.databases import admin_url, create_database, drop_database
from warehouse.loader import LoadError, load_batch, loaded_batches
from warehouse.object_store import fetch_batch, is_object_store_url, parse_url
from warehouse.raw_validation import RawValidationError
from warehouse.settings import get_settings

# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (a free port), for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """A boto3 client for the moto server; the code under test finds it via ECOM_S3_ENDPOINT_URL
    and dummy credentials (no profile, no instance metadata lookups)."""
    monkeypatch.setenv("ECOM_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for var in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(var, raising=False)
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


def _bucket(s3, name: str | None = None) -> str:
    bucket = name or f"batches-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    return bucket


def _upload(s3, batch_dir: Path, bucket: str, prefix: str) -> str:
    """Upload every file under `batch_dir` (ground truth included) to s3://bucket/prefix/."""
    for path in sorted(p for p in batch_dir.rglob("*") if p.is_file()):
        s3.upload_file(
            str(path), bucket, f"{prefix}/{path.relative_to(batch_dir).as_posix()}"
        )
    return f"s3://{bucket}/{prefix}/"


@pytest.fixture
def other_database(embedded_url: str) -> Iterator[str]:
    """A second fresh, empty database (the first is `fresh_database`)."""
    admin = admin_url(embedded_url)
    name, url = create_database(admin, "t")
    yield url
    drop_database(admin, name)


@pytest.fixture
def parquet_batch(hand_batch) -> Path:
    """The hand-made batch with every table as Parquet (values kept as text, empty fields as
    nulls) and its own manifest."""
    csv_batch = hand_batch()
    out = csv_batch.parent / "parquet-batch"
    out.mkdir()
    manifest = json.loads((csv_batch / MANIFEST_FILE).read_text())
    tables = {}
    for name, entry in manifest["tables"].items():
        source = csv_batch / entry["file"]
        columns = [c["name"] for c in entry["columns"]]
        table = pacsv.read_csv(
            source,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, "string"),
                strings_can_be_null=True,
            ),
        )
        path = out / f"{name}.parquet"
        pq.write_table(table, path)
        tables[name] = table_entry(
            name, table.num_rows, sha256_file(path), file=path.name, columns=columns
        )
    write_manifest(
        out,
        {**manifest, "batch_id": f"{manifest['batch_id']}-parquet", "tables": tables},
    )
    return out


def _raw_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """raw.<table> -> (rows, md5 of every row without _loaded_at, in a stable order)."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            row = conn.execute(
                "select count(*), coalesce(md5(string_agg(r, e'\\n' order by r)), '')"
                f" from (select (to_jsonb(t) - '_loaded_at')::text as r from raw.{table.name} t) s"
            ).fetchone()
            assert row is not None
            out[table.name] = (int(row[0]), str(row[1]))
    return out


def _nothing_loaded(url: str) -> bool:
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('raw._batches')").fetchone() == (None,):
            return True
        return all(
            conn.execute(f"select not exists (select from raw.{t.name})").fetchone()
            == (True,)
            for t in TABLES
        ) and conn.execute(
            "select not exists (select from raw._batches)"
        ).fetchone() == (True,)


def _left_in(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# ------------------------------------------------------------------------------- URLs


def test_urls_parse_to_bucket_and_prefix() -> None:
    assert is_object_store_url("s3://b/x") and is_object_store_url("S3://b")
    assert not is_object_store_url("/data/s3://b") and not is_object_store_url("b/x")
    assert parse_url("s3://b").prefix == "" and parse_url("s3://b/").prefix == ""
    assert parse_url("s3://b/x/y").prefix == "x/y/" == parse_url("s3://b/x/y/").prefix
    assert parse_url("s3://b/x/y").local_parts() == ["x", "y"]
    for bad in ("s3://", "s3:///x", "s3://b/../x", "s3://b/./x"):
        with pytest.raises(LoadError, match="s3://"):
            parse_url(bad)


# ------------------------------------------------------------------------ (a) same raw tables


# CSV: a clean batch from the generator (sixteen tables, tiny scale);
# Parquet: the hand-made batch converted (the same transport, a fraction of the load time)
@pytest.mark.parametrize(
    ("kind", "fixture"), [("csv", "clean_batch"), ("parquet", "parquet_batch")]
)
def test_a_batch_loads_the_same_from_a_directory_and_from_s3(
    kind: str,
    fixture: str,
    request: pytest.FixtureRequest,
    s3,
    fresh_database: str,
    other_database: str,
    tmp_path: Path,
) -> None:
    batch = request.getfixturevalue(fixture)
    url = _upload(s3, batch, _bucket(s3), f"landing/{kind}")

    local = load_batch(batch, fresh_database)
    fetched = fetch_batch(url, tmp_path / "s3")
    remote = load_batch(fetched, other_database)

    assert fetched == tmp_path / "s3" / parse_url(url).bucket / "landing" / kind
    # exactly the manifest's files were fetched (not the ground truth beside them)
    manifest = read_manifest(batch)
    assert {p.name for p in fetched.iterdir()} == {MANIFEST_FILE} | {
        e.file for e in manifest.tables.values()
    }
    assert {e.format for e in manifest.tables.values()} == {kind}
    assert not local.skipped and not remote.skipped
    assert remote.batch_id == local.batch_id and remote.tables == local.tables
    expected = _raw_fingerprints(fresh_database)
    assert expected["orders"][0] > 0 and expected["order_items"][0] > 0
    assert _raw_fingerprints(other_database) == expected
    [ledger_local], [ledger_remote] = (
        loaded_batches(fresh_database),
        loaded_batches(other_database),
    )
    assert ledger_remote["manifest_sha256"] == ledger_local["manifest_sha256"]
    assert ledger_remote["row_counts"] == ledger_local["row_counts"]


# --------------------------------------------------------------- (b) a non-conforming batch


def test_a_non_conforming_batch_on_s3_is_refused(
    s3, hand_batch, good_rows, fresh_database: str, tmp_path: Path
) -> None:
    good_rows["orders"][1]["order_id"] = good_rows["orders"][0]["order_id"]
    url = _upload(s3, hand_batch(good_rows), _bucket(s3), "bad")

    with pytest.raises(RawValidationError) as refused:
        load_batch(fetch_batch(url, tmp_path / "s3"), fresh_database)

    text = refused.value.report.to_text()
    assert "orders.order_id: unique_key" in text and "at line(s) [2, 3]" in text
    assert _nothing_loaded(fresh_database)
    assert loaded_batches(fresh_database) == []


# ----------------------------------------------------------------- (c) what can go wrong


def _missing_bucket(s3, batch: Path) -> tuple[str, str]:
    url = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/batch/"
    return url, r"bucket 'no-such-bucket-\w+' does not exist"


def _missing_manifest(s3, batch: Path) -> tuple[str, str]:
    bucket = _bucket(s3)
    _upload(s3, batch, bucket, "elsewhere")
    return (
        f"s3://{bucket}/batch",
        rf"no manifest\.json under the prefix \(s3://{bucket}/batch/manifest\.json",
    )


def _file_absent(s3, batch: Path) -> tuple[str, str]:
    bucket = _bucket(s3)
    url = _upload(s3, batch, bucket, "batch")
    s3.delete_object(Bucket=bucket, Key="batch/orders.csv")
    return url, (
        rf"file 'orders\.csv' \(table 'orders'\) is listed in the manifest but "
        rf"s3://{bucket}/batch/orders\.csv does not exist"
    )


def _file_tampered(s3, batch: Path) -> tuple[str, str]:
    bucket = _bucket(s3)
    url = _upload(s3, batch, bucket, "batch")
    body = (batch / "orders.csv").read_bytes().replace(b"24.99", b"25.99", 1)
    s3.put_object(Bucket=bucket, Key="batch/orders.csv", Body=body)
    return (
        url,
        rf"checksum mismatch for s3://{bucket}/batch/orders\.csv \(table 'orders'\)",
    )


def _manifest_invalid(s3, batch: Path) -> tuple[str, str]:
    bucket = _bucket(s3)
    url = _upload(s3, batch, bucket, "batch")
    s3.put_object(Bucket=bucket, Key="batch/manifest.json", Body=b"{not json")
    return url, (
        rf"not a valid manifest: s3://{bucket}/batch/manifest\.json is not valid JSON"
    )


@pytest.mark.parametrize(
    "spoil",
    [
        _missing_bucket,
        _missing_manifest,
        _file_absent,
        _file_tampered,
        _manifest_invalid,
    ],
)
def test_a_broken_source_names_the_url_and_leaves_nothing(
    spoil, s3, hand_batch, tmp_path: Path
) -> None:
    url, message = spoil(s3, hand_batch())
    dest = tmp_path / "s3"
    with pytest.raises(LoadError, match=message) as refused:
        fetch_batch(url, dest)
    assert f"cannot fetch {parse_url(url).url}" in str(refused.value)
    assert _left_in(dest) == []


def test_an_unreachable_endpoint_or_missing_credentials_is_named(
    s3, hand_batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _upload(s3, hand_batch(), _bucket(s3), "batch")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with monkeypatch.context() as env:
        env.setenv("ECOM_S3_ENDPOINT_URL", closed)
        with pytest.raises(
            LoadError, match=f"cannot reach the object store at {closed}"
        ):
            fetch_batch(url, tmp_path / "s3")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    with pytest.raises(LoadError, match="no usable credentials for the object store"):
        fetch_batch(url, tmp_path / "s3")
    assert _left_in(tmp_path / "s3") == []


def test_refused_credentials_are_named() -> None:
    refused = ClientError(
        {"Error": {"Code": "InvalidAccessKeyId", "Message": "The key does not exist"}},
        "GetObject",
    )
    reason = object_store._describe_failure(
        refused, parse_url("s3://b/p"), "p/manifest.json", "http://store"
    )
    assert reason == (
        "the object store at http://store refused access to s3://b/p/manifest.json: "
        "InvalidAccessKeyId (The key does not exist)"
    )


# ----------------------------------------------------------------------- (d) idempotency


def test_fetching_again_downloads_only_the_manifest_and_loading_again_is_skipped(
    s3, hand_batch, fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = _bucket(s3)
    url = _upload(s3, hand_batch(), bucket, "daily/2024-12-31")
    dest = tmp_path / "s3"
    first = fetch_batch(url, dest)
    before = {p.name: p.stat().st_ino for p in first.iterdir()}
    assert load_batch(first, fresh_database).skipped is False

    fetched: list[str] = []
    real_get = object_store._get

    def counting_get(client, location, name, path, missing):
        fetched.append(name)
        return real_get(client, location, name, path, missing)

    monkeypatch.setattr(object_store, "_get", counting_get)
    again = fetch_batch(url, dest)
    assert again == first and fetched == [MANIFEST_FILE]
    assert {p.name: p.stat().st_ino for p in again.iterdir()} == before
    prefix = f"{bucket}/daily/2024-12-31"
    assert _left_in(dest) == sorted(
        [bucket, f"{bucket}/daily", prefix, *(f"{prefix}/{n}" for n in before)]
    )
    assert load_batch(again, fresh_database).skipped
    assert len(loaded_batches(fresh_database)) == 1

    # a new batch under the same prefix replaces the local copy
    fetched.clear()
    url = _upload(s3, hand_batch(batch_id="hand-0002"), bucket, "daily/2024-12-31")
    replaced = fetch_batch(url, dest)
    assert replaced == first and read_manifest(replaced).batch_id == "hand-0002"
    assert len(fetched) == len(before)
    assert [p.name for p in dest.iterdir()] == [bucket]  # nothing staged left over


# ------------------------------------------------------------------------------- (e) CLI


@pytest.fixture
def cli_env(
    s3, fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The CLI pointed at a fresh database and a landing directory of its own."""
    landing = tmp_path / "landing"
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_database)
    monkeypatch.setenv("ECOM_LANDING_DIR", str(landing))
    get_settings.cache_clear()
    yield landing
    get_settings.cache_clear()


def test_cli_loads_from_s3_and_refuses_a_missing_prefix_or_a_bad_batch(
    s3, cli_env: Path, hand_batch, good_rows, fresh_database: str
) -> None:
    bucket = _bucket(s3)
    url = _upload(s3, hand_batch(), bucket, "batch")
    runner = CliRunner()

    result = runner.invoke(app, ["load", url])
    assert result.exit_code == 0, result.output
    staged = cli_env / "s3" / bucket / "batch"
    assert f"fetched {url} -> {staged}" in result.output
    assert "loaded batch hand-0001" in result.output
    assert [b["batch_id"] for b in loaded_batches(fresh_database)] == ["hand-0001"]
    again = runner.invoke(app, ["load", url])
    assert again.exit_code == 0 and "already loaded; nothing changed" in again.output
    local = runner.invoke(app, ["load", str(staged)])  # the same batch, as a directory
    assert local.exit_code == 0 and "already loaded; nothing changed" in local.output

    missing = runner.invoke(app, ["load", f"s3://{bucket}/missing"])
    assert missing.exit_code == 1
    assert (
        f"load refused: cannot fetch s3://{bucket}/missing/: no manifest.json under the prefix"
        in missing.output
    )

    good_rows["orders"][1]["order_id"] = good_rows["orders"][0]["order_id"]
    bad = _upload(s3, hand_batch(good_rows, batch_id="hand-bad"), bucket, "bad")
    refused = runner.invoke(app, ["load", bad])
    assert refused.exit_code == 1
    assert "raw validation of batch hand-bad FAILED" in refused.output
    assert "orders.order_id: unique_key" in refused.output
    assert [b["batch_id"] for b in loaded_batches(fresh_database)] == ["hand-0001"]

    nowhere = runner.invoke(app, ["load", str(cli_env / "no-such-dir")])
    assert nowhere.exit_code == 2
    assert "is neither an existing directory nor an s3:// URL" in nowhere.output
