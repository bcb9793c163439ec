"""Batches under an S3 URL (AWS S3, MinIO or any S3-compatible store), fetched to a local copy.

A batch in object storage is laid out as on disk: `s3://bucket/prefix/manifest.json` plus the
files it lists, side by side under the same prefix. `fetch_batch` downloads the manifest first,
then exactly the files it lists into a hidden directory in the destination root, checks every
sha256, and renames the complete copy into place as `<dest_root>/<bucket>/<prefix>/`. The
loader then loads that copy like any local batch. A copy in place is therefore always whole and
verified; a failed fetch leaves nothing behind.

Where the store is: `ECOM_S3_ENDPOINT_URL` (environment or `.env`), else whatever boto3 finds
itself (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, `~/.aws/config`, or AWS S3). Credentials
always come from boto3's own chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`,
instance roles, ...).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.manifest import (
    MANIFEST_FILE,
    BatchManifest,
    ManifestError,
    read_manifest,
    sha256_file,
)
from warehouse.loader import LoadError

log = logging.getLogger(__name__)

SCHEME = "s3://"
_STAGING_PREFIX = ".fetch-"
CHUNK_BYTES = 1 << 20
_MISSING_BUCKET = {"NoSuchBucket"}
_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}
_REFUSED = {
    "AccessDenied",
    "403",
    "Forbidden",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
}


class ObjectStoreError(LoadError):
    """A batch cannot be fetched from object storage (the message names the URL and why)."""


class ObjectStoreSettings(BaseSettings):
    """`ECOM_S3_*` from the environment or `.env`; unset means boto3's own configuration."""

    model_config = SettingsConfigDict(
        env_prefix="ECOM_S3_", env_file=".env", extra="ignore"
    )

    endpoint_url: str | None = None


@dataclass(frozen=True)
class ObjectLocation:
    """A bucket and a key prefix ("" or ending in "/")."""

    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.prefix}"

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def local_parts(self) -> list[str]:
        """The prefix as path components below `<dest_root>/<bucket>/`."""
        return [part for part in self.prefix.split("/") if part]


def is_object_store_url(source: str) -> bool:
    """True for `s3://...` (any case of the scheme)."""
    return source[: len(SCHEME)].lower() == SCHEME


def parse_url(url: str) -> ObjectLocation:
    """`s3://bucket[/prefix[/]]` -> ObjectLocation; ObjectStoreError when malformed."""
    if not is_object_store_url(url):
        raise ObjectStoreError(f"{url!r} is not an s3:// URL")
    bucket, _, prefix = url[len(SCHEME) :].partition("/")
    if not bucket:
        raise ObjectStoreError(f"{url!r} names no bucket (expected s3://bucket/prefix)")
    parts = [part for part in prefix.split("/") if part]
    if any(part in (".", "..") for part in parts) or bucket in (".", ".."):
        raise ObjectStoreError(
            f"{url!r}: '.' and '..' are not allowed in the bucket or prefix"
        )
    prefix = prefix.lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return ObjectLocation(bucket, prefix)


def _client(endpoint_url: str | None) -> Any:
    options: dict[str, Any] = {
        "connect_timeout": 10,
        "read_timeout": 60,
        "retries": {"max_attempts": 3, "mode": "standard"},
    }
    if endpoint_url:  # S3-compatible stores rarely resolve bucket sub-domains
        options["s3"] = {"addressing_style": "path"}
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, config=Config(**options)
    )


def _describe_failure(
    exc: Exception, location: ObjectLocation, key: str, endpoint: str
) -> str:
    """What went wrong, in words, for a botocore exception raised while reading `key`."""
    where = f"{SCHEME}{location.bucket}/{key}"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach the object store at {endpoint} ({exc})"
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return (
            f"no usable credentials for the object store at {endpoint} ({exc}); set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = error.get("Message") or code
        if code in _MISSING_BUCKET:
            return f"bucket {location.bucket!r} does not exist at {endpoint}"
        if code in _MISSING_KEY:
            return f"{where} does not exist"
        if code in _REFUSED:
            return f"the object store at {endpoint} refused access to {where}: {code} ({message})"
        return f"reading {where} failed: {code} ({message})"
    return f"reading {where} failed: {exc}"


def _endpoint_of(client: Any) -> str:
    return str(client.meta.endpoint_url)


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def _get(
    client: Any, location: ObjectLocation, name: str, path: Path, missing: str
) -> str:
    """Stream `prefix/name` into `path`; returns its sha256. ObjectStoreError naming the URL,
    with `missing` as the reason when the object does not exist."""
    key = location.key(name)
    digest = hashlib.sha256()
    try:
        body = client.get_object(Bucket=location.bucket, Key=key)["Body"]
        with path.open("wb") as fh:
            for chunk in body.iter_chunks(CHUNK_BYTES):
                digest.update(chunk)
                fh.write(chunk)
    except (BotoCoreError, ClientError) as exc:
        reason = (
            missing
            if _code(exc) in _MISSING_KEY
            else _describe_failure(exc, location, key, _endpoint_of(client))
        )
        raise ObjectStoreError(f"cannot fetch {location.url}: {reason}") from None
    return digest.hexdigest()


def _fetch_manifest(
    client: Any, location: ObjectLocation, staged_copy: Path
) -> BatchManifest:
    key = location.key(MANIFEST_FILE)
    _get(
        client,
        location,
        MANIFEST_FILE,
        staged_copy / MANIFEST_FILE,
        f"no {MANIFEST_FILE} under the prefix ({SCHEME}{location.bucket}/{key} does not exist)",
    )
    try:
        return read_manifest(staged_copy)
    except ManifestError as exc:
        # name the object, not the staging copy (gone by the time anyone reads this)
        reason = str(exc).replace(
            str(staged_copy / MANIFEST_FILE), f"{SCHEME}{location.bucket}/{key}"
        )
        raise ObjectStoreError(
            f"cannot fetch {location.url}: not a valid manifest: {reason}"
        ) from None


def _holds(target: Path, manifest: BatchManifest) -> bool:
    """True when `target` is a fetched copy of exactly this manifest (every file present)."""
    path = target / MANIFEST_FILE
    return (
        path.is_file()
        and sha256_file(path) == manifest.sha256
        and all((target / entry.file).is_file() for entry in manifest.tables.values())
    )


def _publish(staged_copy: Path, target: Path, url: str) -> None:
    """Rename the verified copy in `staged_copy` to `target`, replacing an outdated copy there."""
    if target.exists() and not (target / MANIFEST_FILE).is_file():
        raise ObjectStoreError(
            f"cannot fetch {url}: {target} exists and is not a fetched batch; move it away"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        staged_copy.rename(target)
        return
    aside = Path(
        tempfile.mkdtemp(dir=staged_copy.parent, prefix=f"{_STAGING_PREFIX}old-")
    )
    try:
        target.rename(aside / "batch")
        try:
            staged_copy.rename(target)
        except OSError:
            (aside / "batch").rename(target)  # put the old copy back
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def fetch_batch(url: str, dest_root: Path) -> Path:
    """Fetch the batch under `url` to `dest_root/<bucket>/<prefix>/` and return that directory.

    Downloads manifest.json, then only the files it lists; every file's sha256 must match the
    manifest. A copy already there with the identical manifest is reused (only the manifest is
    downloaded). Nothing half-written is left in `dest_root` when anything fails.

    Args:
        url: `s3://bucket/prefix` (the prefix may be empty or end with "/").
        dest_root: local root the batch is copied under, e.g. `<landing>/s3`.

    Returns:
        The local batch directory, ready for `warehouse.loader.load_batch`.

    Raises:
        ObjectStoreError (a LoadError): missing bucket, manifest or file, checksum mismatch,
            unreachable endpoint, missing or refused credentials, invalid manifest.
    """
    started = time.perf_counter()
    location = parse_url(url)
    target = Path(dest_root).joinpath(location.bucket, *location.local_parts())
    endpoint = ObjectStoreSettings().endpoint_url
    client = _client(endpoint)
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True)
    staged_copy = Path(tempfile.mkdtemp(dir=dest_root, prefix=_STAGING_PREFIX))
    try:
        manifest = _fetch_manifest(client, location, staged_copy)
        if _holds(target, manifest):
            log.info(
                "%s: batch %s already fetched to %s", url, manifest.batch_id, target
            )
            return target
        for entry in manifest.tables.values():
            actual = _get(
                client,
                location,
                entry.file,
                staged_copy / entry.file,
                f"file {entry.file!r} (table {entry.name!r}) is listed in the manifest but "
                f"{location.url}{entry.file} does not exist",
            )
            if actual != entry.sha256:
                raise ObjectStoreError(
                    f"cannot fetch {location.url}: checksum mismatch for "
                    f"{location.url}{entry.file} (table {entry.name!r}): the manifest says "
                    f"sha256 {entry.sha256}, the object has {actual}"
                )
        try:
            _publish(staged_copy, target, url)
        except OSError:
            if not _holds(target, manifest):  # else a concurrent fetch won the rename
                raise
    finally:
        shutil.rmtree(staged_copy, ignore_errors=True)
    log.info(
        "%s: fetched batch %s (%d files) to %s in %.1fs",
        url,
        manifest.batch_id,
        len(manifest.tables) + 1,
        target,
        time.perf_counter() - started,
    )
    return target
