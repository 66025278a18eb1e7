"""The production stack: docker-compose.yml is valid Compose, complete, and wired to our settings."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from config import Settings
from workflows.search_attributes import CLI_TYPES
from tests.paths import SPECS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_SCHEMA = SPECS / "compose-spec.json"

EXPECTED_SERVICES = {
    "temporal-postgresql",
    "temporal-schema",
    "temporal",
    "temporal-setup",
    "temporal-ui",
    "app-db-setup",
    "api",
    "worker",
    "waha",
    "chatwoot-postgres",
    "chatwoot-redis",
    "chatwoot-migrate",
    "chatwoot-rails",
    "chatwoot-sidekiq",
    "prometheus",
    "grafana",
}
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}; "$$" is a literal dollar.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example_names() -> set[str]:
    """Every variable .env.example documents, set or commented out."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def env_files_of(service: dict) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str) else files
    return [item if isinstance(item, str) else item["path"] for item in files]


def test_compose_file_is_valid_against_the_compose_spec(compose) -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_service_of_the_stack_is_there(services) -> None:
    assert EXPECTED_SERVICES <= set(services), EXPECTED_SERVICES - set(services)


def test_temporal_runs_on_the_maintained_images_with_a_schema_step(services) -> None:
    images = {name: service.get("image", "") for name, service in services.items()}
    assert not any("temporalio/auto-setup" in image for image in images.values())
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["temporal-setup"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert "setup-schema" in (ROOT / "deploy/temporal/setup-schema.sh").read_text()
    assert "update-schema" in (ROOT / "deploy/temporal/setup-schema.sh").read_text()


def test_peers_use_the_images_they_require(services) -> None:
    assert services["waha"]["image"].startswith("devlikeapro/waha:")
    assert services["chatwoot-postgres"]["image"].startswith("pgvector/pgvector:")
    for name in ("chatwoot-migrate", "chatwoot-rails", "chatwoot-sidekiq"):
        assert services[name]["image"].startswith("chatwoot/chatwoot:")
    assert services["chatwoot-rails"]["depends_on"]["chatwoot-migrate"]["condition"] == "service_completed_successfully"


def test_search_attribute_script_registers_exactly_what_the_workflows_set() -> None:
    script = (ROOT / "deploy/temporal/register-search-attributes.sh").read_text()
    [listed] = re.findall(r'^ATTRIBUTES="([^"]+)"', script, flags=re.MULTILINE)
    registered = dict(pair.split("=") for pair in listed.split())
    assert registered == CLI_TYPES
    assert "temporal operator search-attribute create" in script


@pytest.mark.parametrize("script", sorted((ROOT / "deploy").glob("*/*.sh")), ids=lambda p: p.name)
def test_setup_scripts_are_valid_posix_shell(script: Path) -> None:
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["api", "worker"])
def test_every_setting_reaches_the_api_and_the_worker(services, env_example_names, name) -> None:
    service = services[name]
    explicit = set(environment_of(service))
    via_env_file = env_example_names if ".env" in env_files_of(service) else set()
    missing = sorted(
        field.upper() for field in Settings.model_fields if field.upper() not in explicit | via_env_file
    )
    assert not missing, f"{name} never receives {missing}"
    assert service["command"][0] == ("api" if name == "api" else "worker")
    assert environment_of(service)["ENVIRONMENT"].endswith("production}")


def test_env_example_documents_every_setting(env_example_names) -> None:
    missing = sorted(field.upper() for field in Settings.model_fields if field.upper() not in env_example_names)
    assert not missing, f".env.example lacks {missing}"


def test_every_compose_variable_is_in_env_example(env_example_names) -> None:
    used = set(VARIABLE.findall(COMPOSE_FILE.read_text()))
    assert used, "no ${VAR} found: the pattern is broken"
    missing = sorted(used - env_example_names)
    assert not missing, f".env.example lacks {missing}"


def test_secrets_without_a_safe_default_stop_compose_when_empty() -> None:
    text = COMPOSE_FILE.read_text()
    for secret in (
        "WAHA_API_KEY",
        "WAHA_WEBHOOK_HMAC_KEY",
        "TEMPORAL_POSTGRES_PASSWORD",
        "APP_POSTGRES_PASSWORD",
        "CHATWOOT_SECRET_KEY_BASE",
        "CHATWOOT_POSTGRES_PASSWORD",
        "CHATWOOT_REDIS_PASSWORD",
        "GRAFANA_ADMIN_PASSWORD",
    ):
        uses = re.findall(r"\$\{" + secret + r"(:?[-?][^}]*)?\}", text)
        assert uses, secret
        assert all(use.startswith(":?") for use in uses), f"{secret} must use ${{{secret}:?...}}"


def test_the_app_gets_its_own_database_on_the_postgresql_compose_runs(services) -> None:
    setup = services["app-db-setup"]
    env = environment_of(setup)
    assert setup["depends_on"]["temporal-postgresql"]["condition"] == "service_healthy"
    assert env["PGHOST"] == "temporal-postgresql" and setup["command"] == ["/deploy/create-app-database.sh"]
    script = (ROOT / "deploy/postgres/create-app-database.sh").read_text()
    assert "CREATE ROLE" in script and "CREATE DATABASE" in script
    for name in ("api", "worker"):
        url = environment_of(services[name])["DATABASE_URL"]
        assert url.startswith("${DATABASE_URL:-postgresql://seldenrijk:${APP_POSTGRES_PASSWORD:?")
        assert url.endswith(f"@temporal-postgresql:5432/{env['APP_DB_NAME']}}}")
        assert services[name]["depends_on"]["app-db-setup"]["condition"] == "service_completed_successfully"


def test_waha_delivers_signed_webhooks_to_our_api(services) -> None:
    env = environment_of(services["waha"])
    assert env["WHATSAPP_HOOK_URL"] == "http://api:8000/webhook/waha"
    assert env["WHATSAPP_HOOK_HMAC_KEY"].startswith("${WAHA_WEBHOOK_HMAC_KEY")
    assert env["WAHA_API_KEY"].startswith("${WAHA_API_KEY")


def test_prometheus_scrapes_the_ports_the_processes_serve(services) -> None:
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    ports = {
        job["job_name"]: (job.get("dns_sd_configs") or [{}])[0].get("port")
        for job in prometheus["scrape_configs"]
    }
    worker_env = environment_of(services["worker"])
    assert ports["seldenrijk-worker"] == int(worker_env["APP_METRICS_PORT"])
    assert ports["temporal-sdk"] == int(worker_env["WORKER_METRICS_PORT"])
    assert ports["seldenrijk-api"] == int(services["api"]["command"][-1])
    assert "PROMETHEUS_ENDPOINT" in services["temporal"]["environment"]


def test_mounted_files_exist_and_named_volumes_are_declared(compose, services) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    datasources = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    [source] = datasources["datasources"]
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/seldenrijk.json").read_text())
    uids = {
        target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    }
    assert uids == {source["uid"]}
    titles = " ".join(panel["title"] for panel in dashboard["panels"]).lower()
    for topic in ("berichten", "webhook", "antwoordtijd", "escalatie", "leadscore", "voorraad", "tokens", "kosten"):
        assert topic in titles, topic


def test_dockerfile_runs_the_cli_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["seldenrijk"]' in dockerfile
    [user] = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert user not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and ".venv" in ignored
