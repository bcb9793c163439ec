"""The causal notebooks run headless against the generated warehouse, without errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "causal_notebooks"
KERNEL_NAME = "ecom-causal-test"
#: notebook -> (text its outputs must show, number of plots it draws)
NOTEBOOKS = {
    "01_propensity_score_matching": (["ESTIMATE TABLE", "PSM ATT", "smd_after"], 2),
    "02_difference_in_differences": (
        ["ESTIMATE TABLE", "2x2 DiD", "PRE-TREND TEST"],
        2,
    ),
    "03_heterogeneous_effects": (["ESTIMATE TABLE", "psm_att", "REFUTATIONS"], 1),
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data dir with a kernel spec that runs this interpreter (the venv's)."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    sys.executable,
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "ecom causal tests",
                "language": "python",
            }
        )
    )
    return root


def _text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(data.get("text/plain", ""))
            parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def _images(nb) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


def test_notebooks_are_paired_percent_scripts() -> None:
    import jupytext

    assert (NOTEBOOK_DIR / ".gitignore").read_text().count("*.ipynb") == 1
    for name in NOTEBOOKS:
        nb = jupytext.read(NOTEBOOK_DIR / f"{name}.py")
        assert (
            nb.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
        )
        assert any(c.cell_type == "markdown" for c in nb.cells)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_executes_against_the_warehouse(
    name: str, causal_warehouse, kernel_dir: Path, monkeypatch, tmp_path: Path
) -> None:
    import jupytext
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("ECOM_DATABASE_URL", causal_warehouse.url)
    # the world's landing directory ships the planted truth the notebooks show
    monkeypatch.setenv("ECOM_GROUND_TRUTH_DIR", str(causal_warehouse.batch_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = jupytext.read(NOTEBOOK_DIR / f"{name}.py")
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on any failing cell
    text = _text_outputs(nb)
    markers, plots = NOTEBOOKS[name]
    for marker in markers:
        assert marker in text, f"{name}: {marker!r} not in the outputs"
    assert "ground truth: none" not in text
    assert _images(nb) == plots, f"{name}: expected {plots} plot(s) in the outputs"
