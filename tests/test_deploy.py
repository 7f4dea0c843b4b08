"""The production set-up: settings refuse unsafe starts, and docker-compose.yml
only runs commands this project has (Docker itself cannot run here)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import get_commands

BASE = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_ENV")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 20 + "-Yq9#kT2!vR8@pL5$wN3%zB7^mC4&hJ6*",
        ALLOWED_HOSTS="visits.example.com",
        BACKUP_KEYS="k1:" + "A" * 43 + "=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("file-secret-" + "s" * 50)
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        DJANGO_ENV="production",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="x",
    )
    assert result.stdout.strip().splitlines()[-1] == "file-secret-" + "s" * 50


def test_compose_services_run_commands_the_project_has():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "minio", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:17")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "beat", "migrate"):
        command = services[name]["command"]
        program = command[0]
        assert program == "python" or (BIN / program).exists(), f"{name}: {program} is not installed"
        if program == "python":
            assert command[1] == "manage.py" and command[2] in get_commands(), command
        if program == "gunicorn":
            module = command[1].replace(".", "/") + ".py"
            assert (BASE / module).exists(), module
        if program == "celery":
            assert command[1:3] == ["-A", "config"] and (BASE / "config" / "celery.py").exists()
    for volume in services["postgres"].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (BASE / source).exists(), source
    assert (BASE / "Dockerfile").exists()
    assert (BASE / ".env.example").exists()
