"""GitHub Actions workflows: actionlint-clean, schema-valid, and doing what the deploy needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def _load(name: str) -> dict:
    data = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text())
    # YAML 1.1 reads the `on:` key as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "cd.yml"}


def test_actionlint_reports_nothing(tool):
    proc = subprocess.run(
        [tool("actionlint"), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_match_the_github_workflow_schema(tool):
    proc = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actions_are_pinned_to_a_version():
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in _steps(job):
                if "uses" in step:
                    ref = step["uses"].rpartition("@")[2]
                    assert ref and ref not in ("main", "master", "latest"), step["uses"]


def test_ci_tests_against_a_postgres_service_and_builds_images():
    ci = _load("ci.yml")
    test = ci["jobs"]["test"]
    assert test["services"]["postgres"]["image"].startswith("postgres:16")
    assert "ECOM_TEST_SERVER_URL" in test["env"]
    images = ci["jobs"]["images"]
    build = next(
        s
        for s in _steps(images)
        if s.get("uses", "").startswith("docker/build-push-action")
    )
    assert build["with"]["push"] is False
    targets = {m["image"] for m in images["strategy"]["matrix"]["include"]}
    assert targets == {"api", "app", "dagster", "mlflow"}


def test_cd_uses_oidc_plans_on_prs_and_applies_main_behind_an_environment():
    cd = _load("cd.yml")
    assert cd["permissions"]["id-token"] == "write"
    jobs = cd["jobs"]
    assert "pull_request" in jobs["plan"]["if"]
    assert any("terraform plan" in s.get("run", "") for s in _steps(jobs["plan"]))
    apply = jobs["apply"]
    assert "refs/heads/main" in apply["if"]
    assert apply["environment"]["name"] == "production"
    assert any("terraform apply" in s.get("run", "") for s in _steps(apply))
    for job in ("images", "apply"):
        creds = [
            s
            for s in _steps(jobs[job])
            if "configure-aws-credentials" in s.get("uses", "")
        ]
        assert creds and "role-to-assume" in creds[0]["with"], job
        assert "aws-access-key-id" not in creds[0]["with"], job
    push = next(
        s for s in _steps(jobs["images"]) if "build-push-action" in s.get("uses", "")
    )
    assert push["with"]["push"] is True
