"""The deploy files speak of metrics that exist, and the image, Heroku and CI install the same locked set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import redis
import yaml
from prometheus_client import REGISTRY, generate_latest

import bot.obs.metrics  # noqa: F401 - registers the bot's metrics in the default registry
from bot.run.exposition import build_registry

REPO = Path(__file__).resolve().parents[1]
NAME = re.compile(r"\btechspec_[a-z_]+\b")


SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exposed_names(connection: redis.Redis) -> set[str]:
    """Every sample name a scrape can show (labelled ones too, before their first sample)."""
    registry = build_registry(connection, "techspec")
    assert b"techspec_redis_up 1.0" in generate_latest(registry)
    return {
        family.name + suffix
        for family in [*REGISTRY.collect(), *registry.collect()]
        if family.name.startswith("techspec_")
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_dashboard_and_alerts_use_only_exposed_metrics(redis_conn: redis.Redis) -> None:
    names = exposed_names(redis_conn)
    rules = yaml.safe_load((REPO / "deploy/alerts.yml").read_text())
    assert {r["alert"] for g in rules["groups"] for r in g["rules"]} == {
        "TechspecNoWorker",
        "TechspecQueueBacklog",
        "TechspecSessionFailureRate",
    }
    dashboard = json.loads((REPO / "deploy/grafana-dashboard.json").read_text())
    used = set(NAME.findall((REPO / "deploy/alerts.yml").read_text())) | set(NAME.findall(json.dumps(dashboard)))
    histogram_parts = {n.rsplit("_bucket", 1)[0] for n in used if n.endswith("_bucket")}
    unknown = {n for n in used if n not in names and n.rsplit("_bucket", 1)[0] not in histogram_parts}
    assert not unknown, f"metrics named in deploy/ that nothing exposes: {sorted(unknown)}"


def test_every_locked_runtime_package_is_in_the_dev_lock_at_the_same_version() -> None:
    def pins(name: str) -> dict[str, str]:
        lines = (REPO / name).read_text().splitlines()
        return dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))

    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert runtime and all(dev.get(name) == version for name, version in runtime.items())
    assert "prometheus-client" in runtime
    assert "requirements.txt" in (REPO / "Dockerfile").read_text()
    assert "requirements-dev.txt" in (REPO / "scripts/setup.sh").read_text()


def test_the_readme_lists_every_setting() -> None:
    from bot.config import Settings

    readme = (REPO / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"| `{name.upper()}` |" not in readme]
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_heroku_app_json_runs_procfile_processes_with_known_settings() -> None:
    from bot.config import Settings

    app = json.loads((REPO / "app.json").read_text())
    procfile = {line.split(":", 1)[0] for line in (REPO / "Procfile").read_text().splitlines() if ":" in line}
    assert set(app["formation"]) <= procfile and {"web", "worker"} <= set(app["formation"])
    known = {name.upper() for name in Settings.model_fields}
    assert set(app["env"]) <= known
    assert (REPO / ".python-version").read_text().strip().startswith("3.11")


def test_compose_runs_the_image_for_web_worker_and_redis() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert {"redis", "web", "worker"} <= set(services)
    assert services["web"]["command"] == ["web"] and services["worker"]["command"] == ["worker"]
    assert "REDIS_URL=redis://redis:6379/0" in services["web"]["environment"]
