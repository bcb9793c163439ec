"""docker-compose.yml: schema-valid, runnable commands, safe ports, documented variables."""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKER_DIR = REPO_ROOT / "infra" / "docker"

_VAR = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")
_DEFAULT = re.compile(r"\$\{([A-Z_][A-Z0-9_]*):?-([^}]*)\}")


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """Resolve `${VAR:-default}` / `${VAR}` as compose would, from `values` then the default."""
    text = _DEFAULT.sub(lambda m: values.get(m.group(1)) or m.group(2), text)
    return _VAR.sub(lambda m: values.get(m.group(1), ""), text)


def variables_used(text: str) -> set[str]:
    """Names of every `${VAR...}` reference in `text`."""
    return set(_VAR.findall(text))


def help_invocation(argv: list[str]) -> list[str] | None:
    """The same command line with `--help` appended, for CLIs whose --help validates options.

    Returns None for `python -c ...` snippets (checked separately) and shell forms.
    """
    if not argv:
        raise ValueError("empty command")
    if argv[0] == "python" and len(argv) > 1 and argv[1] == "-c":
        return None
    return [*argv, "--help"]


# Container paths -> where the same file lives in the repository.
PATH_MAP = {
    "/opt/dagster/home/": DOCKER_DIR / "dagster",
    "/app/": REPO_ROOT,
}


def test_compose_validates_against_compose_spec(tool):
    proc = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_service_has_a_command_and_healthcheck_or_is_one_shot(compose):
    for name, svc in compose["services"].items():
        if name == "pipeline":
            assert svc.get("restart") == "no", "the pipeline service must run once"
            continue
        assert "healthcheck" in svc, f"service {name!r} has no healthcheck"
        if name != "postgres":
            assert "command" in svc, f"service {name!r} does not say what it runs"


def test_depends_on_conditions_match_the_dependency(compose):
    services = compose["services"]
    for name, svc in services.items():
        for dep, spec in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep!r}"
            condition = spec["condition"]
            if dep == "pipeline":
                assert condition == "service_completed_successfully", (name, dep)
            else:
                assert condition == "service_healthy", (name, dep)
                assert "healthcheck" in services[dep], (
                    f"{dep} has no healthcheck for {name}"
                )


def test_published_ports_bind_localhost_and_do_not_collide(compose, documented_vars):
    host_ports = []
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            resolved = interpolate(port, documented_vars)
            ip, host_port, _container = resolved.split(":")
            assert ip == "127.0.0.1", f"{name} publishes {port!r} beyond localhost"
            host_ports.append(int(host_port))
    duplicates = [p for p, n in Counter(host_ports).items() if n > 1]
    assert not duplicates, f"host ports published twice: {duplicates}"
    assert len(host_ports) >= 5


def test_every_compose_variable_is_documented(documented_vars):
    used = variables_used(COMPOSE_FILE.read_text())
    missing = sorted(used - documented_vars.keys())
    assert not missing, (
        f"variables used in docker-compose.yml but not in .env.example: {missing}"
    )


def test_required_secrets_have_no_default_and_no_value_in_the_example(
    compose, documented_vars
):
    text = COMPOSE_FILE.read_text()
    for secret in (
        "POSTGRES_PASSWORD",
        "ECOM_TRANSFORMER_PASSWORD",
        "ECOM_READER_PASSWORD",
        "MLFLOW_DB_PASSWORD",
        "DAGSTER_PG_PASSWORD",
        "ECOM_API_KEY",
    ):
        assert f"${{{secret}:?" in text, (
            f"{secret} must be required (${{{secret}:?...}})"
        )
        assert documented_vars[secret] == "", (
            f".env.example must not carry a value for {secret}"
        )


def _to_repo_path(arg: str) -> str:
    for prefix, target in PATH_MAP.items():
        if arg.startswith(prefix):
            return str(Path(target) / arg[len(prefix) :])
    return arg


def _commands(compose, documented_vars) -> dict[str, list[str]]:
    commands: dict[str, list[str]] = {}
    for name, svc in compose["services"].items():
        if "command" in svc:
            commands[f"{name}.command"] = svc["command"]
        test = (svc.get("healthcheck") or {}).get("test") or []
        if test and test[0] == "CMD":
            commands[f"{name}.healthcheck"] = test[1:]
    return {
        key: [_to_repo_path(interpolate(a, documented_vars)) for a in argv]
        for key, argv in commands.items()
    }


def _run_help(argv: list[str], exe: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DAGSTER_HOME=str(DOCKER_DIR / "dagster"), NO_COLOR="1")
    return subprocess.run(
        [exe, *argv[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=env,
    )


@pytest.mark.slow
def test_service_commands_are_accepted_by_the_project_clis(
    compose, documented_vars, tool
):
    """Each command line (with --help appended) parses: programs, sub-commands and options exist."""
    commands = _commands(compose, documented_vars)
    runnable = {k: help_invocation(v) for k, v in commands.items()}
    runnable = {k: v for k, v in runnable.items() if v is not None}
    assert any(v[0] == "ecom" for v in runnable.values())
    exes = [
        sys.executable if v[0] == "python" else tool(v[0]) for v in runnable.values()
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(
            zip(runnable, pool.map(_run_help, runnable.values(), exes), strict=True)
        )
    failures = {
        key: f"{' '.join(runnable[key])}\n{proc.stdout[-400:]}{proc.stderr[-800:]}"
        for key, proc in results.items()
        if proc.returncode != 0
    }
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())


def test_python_modules_and_files_referenced_exist(compose, documented_vars):
    for key, argv in _commands(compose, documented_vars).items():
        for flag, value in itertools.pairwise(argv):
            if flag in ("-m", "--module-name") and argv[0] != "python":
                assert importlib.util.find_spec(value) is not None, (
                    f"{key}: no module {value}"
                )
            if flag == "run" and value.endswith(".py"):
                assert (REPO_ROOT / value).is_file(), f"{key}: no file {value}"
            if flag in ("-w", "--workspace"):
                assert Path(value).is_file(), f"{key}: no workspace file {value}"
        if argv[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(argv[2]) is not None, (
                f"{key}: no module {argv[2]}"
            )
        if argv[:2] == ["python", "-c"]:
            compile(argv[2], key, "exec")


def test_services_use_the_least_privileged_database_role(compose):
    env = {n: s.get("environment") or {} for n, s in compose["services"].items()}
    for reader in ("api", "app"):
        assert "ecom_reader:" in env[reader]["ECOM_DATABASE_URL"], reader
    for writer in ("pipeline", "dagster-code", "dagster-daemon"):
        assert "ecom_transformer:" in env[writer]["ECOM_DATABASE_URL"], writer
    assert "mlflow:" in env["mlflow"]["MLFLOW_BACKEND_STORE_URI"]
