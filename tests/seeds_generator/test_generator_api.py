"""Argument checking and the progress bar of the public API."""

from __future__ import annotations

import pytest

from contracts.manifest import ManifestError
from seeds_generator import generate, read_manifest


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, "scale must be a positive number"),
        ({"scale": float("nan")}, "scale must be a positive number"),
        ({"days": 3}, "days must be an integer >= 14"),
        ({"seed": "x"}, "seed must be an integer"),
    ],
)
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path / "b", progress=False, **kwargs)


def test_progress_bar_on_request(tmp_path, capsys):
    generate(tmp_path / "b", scale=0.002, days=30, progress=True)
    assert "generate" in capsys.readouterr().err
    generate(tmp_path / "c", scale=0.002, days=30, progress=False)
    assert capsys.readouterr().err == ""


def test_short_window_and_custom_start(tmp_path):
    import datetime as dt

    m = generate(
        tmp_path / "b", scale=0.002, days=30, start=dt.date(2023, 6, 1), progress=False
    )
    assert (m["window_start"], m["window_end"]) == ("2023-06-01", "2023-06-30")
    assert read_manifest(tmp_path / "b") == m


def test_read_manifest_errors(tmp_path):
    with pytest.raises(ManifestError, match=r"manifest\.json is missing"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_manifest(tmp_path)
