"""Terraform: formatted, parseable, complete, and no database port open to the internet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "infra" / "terraform"
DATABASE_PORTS = {5432, 5439}
WORLD = {"0.0.0.0/0", "::/0"}

REQUIRED_RESOURCES = {
    # network
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_nat_gateway",
    # data stores
    "aws_db_instance",
    "aws_redshift_cluster",
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    # images and compute
    "aws_ecr_repository",
    "aws_ecs_cluster",
    "aws_ecs_task_definition",
    "aws_ecs_service",
    # edge
    "aws_lb",
    "aws_lb_listener",
    "aws_lb_target_group",
    # monitoring
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_sns_topic",
    # security
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_secretsmanager_secret",
    "aws_security_group",
}


def _unquote(value):
    """python-hcl2 keeps the quotes of labels and strings; drop them recursively."""
    if isinstance(value, str):
        return (
            value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        )
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def tf() -> dict[str, list]:
    """All blocks of every .tf file, merged by block type."""
    merged: dict[str, list] = {}
    files = sorted(TERRAFORM_DIR.glob("*.tf"))
    assert files, f"no .tf files in {TERRAFORM_DIR}"
    for path in files:
        with path.open() as handle:
            try:
                parsed = _unquote(hcl2.load(handle))
            except Exception as exc:  # the parser raises several lark error types
                pytest.fail(f"{path.name} does not parse: {exc}")
        for block_type, blocks in parsed.items():
            merged.setdefault(block_type, []).extend(blocks)
    return merged


@pytest.fixture(scope="module")
def resources(tf) -> dict[tuple[str, str], dict]:
    out = {}
    for block in tf.get("resource", []):
        for rtype, named in block.items():
            for name, body in named.items():
                out[(rtype, name)] = body
    return out


def test_terraform_fmt_is_clean():
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.fail(
            "terraform binary not found on PATH (needed for `terraform fmt -check`)"
        )
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"terraform fmt would change files:\n{proc.stdout}"


def test_required_resources_exist(resources):
    present = {rtype for rtype, _ in resources}
    missing = sorted(REQUIRED_RESOURCES - present)
    assert not missing, f"missing resource types: {missing}"


def test_every_service_is_on_fargate_in_private_subnets(resources):
    service = resources[("aws_ecs_service", "this")]
    assert service["launch_type"] == "FARGATE"
    network = service["network_configuration"][0]
    assert network["assign_public_ip"] is False
    assert "aws_subnet.private" in network["subnets"]


def test_https_listener_and_http_redirect(resources):
    https = resources[("aws_lb_listener", "https")]
    assert https["protocol"] == "HTTPS" and https["port"] == 443
    assert https["certificate_arn"] == "${var.acm_certificate_arn}"
    http = resources[("aws_lb_listener", "http")]
    action = http["default_action"][0]
    assert action["type"] == "redirect"
    assert action["redirect"][0]["protocol"] == "HTTPS"


def test_buckets_are_private_encrypted_and_versioned(resources):
    block = resources[("aws_s3_bucket_public_access_block", "this")]
    for flag in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block[flag] is True, flag
    versioning = resources[("aws_s3_bucket_versioning", "this")]
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"


def test_database_is_private_and_encrypted(resources):
    db = resources[("aws_db_instance", "main")]
    assert db["engine"] == "postgres"
    assert db["publicly_accessible"] is False
    assert db["storage_encrypted"] is True
    assert db["manage_master_user_password"] is True
    redshift = resources[("aws_redshift_cluster", "warehouse")]
    assert redshift["count"] == "${var.enable_redshift ? 1 : 0}"
    assert redshift["publicly_accessible"] is False


def _port_range(rule: dict) -> range:
    low = int(rule.get("from_port", 0))
    high = int(rule.get("to_port", 65535))
    if str(rule.get("ip_protocol", rule.get("protocol", ""))) in ("-1", "all"):
        low, high = 0, 65535
    return range(low, high + 1)


def _world_rules(resources) -> list[tuple[str, dict]]:
    rules = []
    for (rtype, name), body in resources.items():
        if rtype == "aws_vpc_security_group_ingress_rule":
            if body.get("cidr_ipv4") in WORLD or body.get("cidr_ipv6") in WORLD:
                rules.append((f"{rtype}.{name}", body))
        elif rtype == "aws_security_group_rule" and body.get("type") == "ingress":
            if WORLD & set(
                body.get("cidr_blocks", []) + body.get("ipv6_cidr_blocks", [])
            ):
                rules.append((f"{rtype}.{name}", body))
        elif rtype == "aws_security_group":
            for ingress in body.get("ingress", []):
                if WORLD & set(
                    ingress.get("cidr_blocks", []) + ingress.get("ipv6_cidr_blocks", [])
                ):
                    rules.append((f"{rtype}.{name}", ingress))
    return rules


def test_no_database_port_is_open_to_the_world(resources):
    world = _world_rules(resources)
    assert world, "expected the ALB's public HTTPS rule to be found"
    for label, rule in world:
        exposed = DATABASE_PORTS & set(_port_range(rule))
        assert not exposed, f"{label} opens {sorted(exposed)} to the internet"
        assert set(_port_range(rule)) <= {80, 443}, f"{label} opens more than HTTP(S)"


def test_remote_state_backend_is_s3(tf):
    backends = [b for block in tf["terraform"] for b in block.get("backend", [])]
    assert backends and "s3" in backends[0]
    providers = tf["terraform"][0]["required_providers"][0]
    assert "aws" in providers


def test_tfvars_only_set_declared_variables(tf):
    declared = {name for block in tf["variable"] for name in block}
    required = {
        name
        for block in tf["variable"]
        for name, body in block.items()
        if "default" not in body
    }
    for tfvars in sorted((TERRAFORM_DIR / "environments").glob("*.tfvars")):
        with tfvars.open() as handle:
            values = _unquote(hcl2.load(handle))
        unknown = set(values) - declared
        assert not unknown, f"{tfvars.name} sets undeclared variables {sorted(unknown)}"
        assert required <= set(values), (
            f"{tfvars.name} misses {sorted(required - set(values))}"
        )
    assert {p.stem for p in (TERRAFORM_DIR / "environments").glob("*.tfvars")} >= {
        "dev",
        "prod",
    }


def test_every_variable_and_output_is_described(tf):
    for kind in ("variable", "output"):
        for block in tf[kind]:
            for name, body in block.items():
                assert body.get("description"), f"{kind} {name} has no description"
