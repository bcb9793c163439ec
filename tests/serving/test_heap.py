"""Start-up objects are frozen out of the garbage collector's scans while the app runs."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from serving.main import create_app


def test_the_running_app_has_a_frozen_heap_and_gives_it_back(make_settings):
    gc.unfreeze()
    app = create_app(make_settings())
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        # the loaded model and the imported libraries are in the permanent generation
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
