"""Dockerfiles: hadolint-clean, pinned bases, non-root, health-checked, multi-stage."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "infra" / "docker"
DOCKERFILES = sorted(DOCKER_DIR.glob("*.Dockerfile"))
# Targets deployed as services; each must end as a non-root, health-checked stage.
SERVICE_TARGETS = {
    "platform.Dockerfile": {"api", "app", "dagster"},
    "mlflow.Dockerfile": {"mlflow"},
}


def _stages(text: str) -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    stages: dict[str, list[str]] = {}
    current = None
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = match.group(2) or match.group(1)
            stages[current] = [line]
        elif current is not None:
            stages[current].append(line)
    return stages


def test_there_are_dockerfiles_for_every_service():
    assert {p.name for p in DOCKERFILES} == set(SERVICE_TARGETS)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_reports_nothing(dockerfile, tool):
    proc = subprocess.run(
        [tool("hadolint"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_base_image_is_pinned(dockerfile):
    text = dockerfile.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base, f"{dockerfile.name}: base image must be an ARG PYTHON_IMAGE default"
    image = base.group(1)
    assert re.fullmatch(
        r"python:\d+\.\d+\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", image
    ), f"{dockerfile.name}: {image} is not pinned to a patch release"
    assert ":latest" not in text


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_service_targets_are_non_root_healthchecked_multistage(dockerfile):
    text = dockerfile.read_text()
    stages = _stages(text)
    assert len(stages) >= 2, f"{dockerfile.name} is not multi-stage"
    for target in SERVICE_TARGETS[dockerfile.name]:
        body = stages.get(target)
        assert body, f"{dockerfile.name}: no stage {target!r}"
        users = [line for line in body if line.startswith("USER ")]
        assert users and users[-1] not in ("USER root", "USER 0", "USER 0:0"), target
        assert any(line.startswith("HEALTHCHECK ") for line in body), (
            f"{target}: no HEALTHCHECK"
        )
        assert any(line.startswith("CMD ") for line in body), f"{target}: no CMD"
    for line in re.findall(r"pip install[^\n]*", re.sub(r"\\\n\s*", " ", text)):
        if "pip install" in line:
            assert "--no-cache-dir" in line, (
                f"{dockerfile.name}: pip without --no-cache-dir"
            )


def test_dependencies_are_installed_before_the_code_is_copied():
    stages = _stages((DOCKER_DIR / "platform.Dockerfile").read_text())
    builder = stages["builder"]
    deps = next(
        i for i, line in enumerate(builder) if "-r /tmp/requirements.txt" in line
    )
    first_code = next(
        i for i, line in enumerate(builder) if line.startswith("COPY warehouse")
    )
    assert deps < first_code


def test_compose_builds_existing_targets(compose):
    for name, svc in compose["services"].items():
        build = svc.get("build")
        if not build:
            continue
        dockerfile = REPO_ROOT / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
        target = build.get("target")
        if target:
            assert target in _stages(dockerfile.read_text()), (
                f"{name}: no target {target}"
            )


def test_files_copied_into_images_exist():
    for dockerfile in DOCKERFILES:
        for line in re.findall(
            r"^COPY (?!--from)(.+)$", dockerfile.read_text(), re.MULTILINE
        ):
            sources = [a for a in line.split()[:-1] if not a.startswith("--")]
            for source in sources:
                assert (REPO_ROOT / source).exists(), (
                    f"{dockerfile.name}: COPY {source} missing"
                )


def test_dockerignore_keeps_secrets_and_state_out_of_the_context():
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git", "dbt_project/target"):
        assert entry in ignored, entry
