"""The multipage entry point: every page reachable from app/Home.py renders."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.server import ENTRY

pytestmark = pytest.mark.slow

TITLES = {
    "pages/overview.py": "Overview",
    "pages/sales.py": "Sales",
    "pages/customers.py": "Customers & CLV",
    "pages/churn.py": "Churn risk",
    "pages/recommendations.py": "Recommendations",
    "pages/campaigns.py": "Campaigns",
    "pages/data_quality.py": "Data quality",
}


def test_every_page_renders_from_the_entry_point(world_app):
    at = AppTest.from_file(str(ENTRY), default_timeout=90).run()
    assert [t.value for t in at.title] == ["Overview"]
    for path, title in TITLES.items():
        at.switch_page(path).run()
        assert not at.exception, (path, [e.message for e in at.exception])
        assert [t.value for t in at.title] == [title]
        assert not at.code, (
            path,
            "a warehouse problem was reported",
            [e.value for e in at.error],
        )
