"""The project's own scaffolding: settings per environment, the Compose file, Celery's
configuration, the demo data command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from config.celery import app as celery_app
from letters.models import Letter
from prisoners.models import PrisonAddress, Prisoner

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_overrides, settings_module="config.settings.production"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LETTERBRIDGE_"))}
    env.pop("DATABASE_URL", None)
    env |= {"DJANGO_SETTINGS_MODULE": settings_module} | env_overrides
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 30 + "y" * 30 + "-production-secret-for-the-check",
    "LETTERBRIDGE_TRACKING_KEY": "tracking-key-for-the-check",
    "LETTERBRIDGE_ENCRYPTION_KEYS": "bGV0dGVyYnJpZGdlLXRlc3Qtb25seS1rZXktMDAwMDI=",
    "LETTERBRIDGE_LOOKUP_KEY": "lookup-key-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "letters.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/letterbridge",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
}


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "LETTERBRIDGE_TRACKING_KEY",
        "LETTERBRIDGE_ENCRYPTION_KEYS",
        "LETTERBRIDGE_LOOKUP_KEY",
        "DATABASE_URL",
    ],
)
def test_production_refuses_to_start_without_each_secret(missing):
    result = _manage(
        "check", env_overrides={k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    )
    assert result.returncode != 0
    assert missing in result.stderr


SECRETS = (
    "DJANGO_SECRET_KEY",
    "LETTERBRIDGE_TRACKING_KEY",
    "LETTERBRIDGE_ENCRYPTION_KEYS",
    "LETTERBRIDGE_LOOKUP_KEY",
)
# What Compose (or the host) provides beside .env: the services' addresses.
SERVICES = {k: PRODUCTION_ENV[k] for k in ("DATABASE_URL", "REDIS_URL")}


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_env_example_as_copied_does_not_start_production_until_every_secret_is_set():
    # given .env.example copied as it is
    env = _env_example() | SERVICES
    # when production starts
    result = _manage("check", env_overrides=env)
    # then it refuses, naming each secret still empty
    assert result.returncode != 0
    for secret in SECRETS:
        assert secret in result.stderr, result.stderr


def test_env_example_with_its_secrets_filled_passes_the_deploy_check():
    # given .env.example with real secrets in it, and nothing else changed
    example = _env_example()
    assert example["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert example["DJANGO_SECURE_SSL_REDIRECT"] == "true"
    assert all(
        origin.startswith("https://")
        for origin in example["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")
    )
    env = example | {k: PRODUCTION_ENV[k] for k in SECRETS} | SERVICES
    # when Django's deployment check runs, warnings counting as failures
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    # then nothing is found (HTTPS redirect, HSTS, secure cookies, DEBUG off, a strong key)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_requires_two_factor_whatever_the_environment_says():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.LETTERBRIDGE_REQUIRE_2FA)",
        env_overrides=PRODUCTION_ENV | {"LETTERBRIDGE_REQUIRE_2FA": "false"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_tests_run_on_postgresql_and_redis():
    assert settings.DATABASES["default"]["ENGINE"] == "core.db.postgresql"  # Django's, subclassed
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_ci_refuses_sqlite():
    result = _manage(
        "check",
        settings_module="config.settings.test",
        env_overrides={"CI": "true", "DATABASE_URL": "sqlite:////tmp/nope.sqlite3"},
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_celery_is_configured_for_safe_delivery():
    conf = celery_app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1  # a long PDF holds no other task behind it
    assert conf.beat_scheduler == "core.beat:SingleBeatScheduler"
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
    celery_app.loader.import_default_modules()  # what a worker does at start
    registered = set(celery_app.tasks.keys())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered, f"beat names a task no worker knows: {entry['task']}"


APP_SERVICES = ("migrate", "web", "worker-mail", "worker-pdf", "worker", "beat")


def _compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_file_runs_one_image_for_web_workers_and_beat():
    services = _compose_services()
    assert {"postgres", "redis", "proxy", "mailpit", *APP_SERVICES} <= set(services)
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    assert "gunicorn" in services["web"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        # .env (from .env.example) is for production; this plain-HTTP run on localhost turns
        # the HTTPS redirect off and serves localhost in its own file, overriding .env
        assert services[name]["env_file"] == ".env"
        assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"
        assert "localhost" in env["DJANGO_ALLOWED_HOSTS"].split(",")
        assert env["LETTERBRIDGE_SITE_URL"] == "http://localhost:8000"
    assert (ROOT / "Dockerfile").exists()
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), "publish on loopback only"


def test_compose_scales_web_behind_one_proxy_after_one_migration():
    services = _compose_services()
    # migrations run once, to completion, before any app container starts
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["web"]["command"]
    for name in APP_SERVICES[1:]:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # `--scale web=3`: no fixed name, no host port; the proxy publishes one and finds every web
    assert not any("container_name" in service for service in services.values())
    assert "ports" not in services["web"]
    assert services["proxy"]["ports"] == ["127.0.0.1:8000:8000"]
    caddyfile_mount = services["proxy"]["volumes"][0].split(":")[0]
    assert "dynamic a web 8000" in (ROOT / caddyfile_mount).read_text()
    for name in APP_SERVICES:  # lockouts and rate limits see the client behind the proxy
        assert services[name]["environment"]["LETTERBRIDGE_PROXY_COUNT"] == "1"


def _consumed_queues(command: str) -> set[str]:
    words = command.split()
    return set(words[words.index("-Q") + 1].split(","))


def test_compose_runs_one_worker_per_queue_group_and_one_beat():
    services = _compose_services()
    workers = {
        name: _consumed_queues(service["command"])
        for name, service in services.items()
        if "celery" in service.get("command", "") and " worker" in service["command"]
    }
    assert workers == {
        "worker-mail": {"mail"},
        "worker-pdf": {"pdf"},
        "worker": {"payments", "default"},
    }
    # every queue has its worker, and no queue is read by two groups
    assert sorted(q for queues in workers.values() for q in queues) == sorted(
        settings.LETTERBRIDGE_TASK_QUEUES
    )
    beats = [name for name, s in services.items() if " beat" in s.get("command", "")]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"], "one beat: never replicated"


def test_compose_file_keeps_private_files_in_its_s3_service():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    # given MinIO, not published outside Compose's network, and a one-shot bucket maker
    assert "ports" not in services["minio"]
    assert services["minio"]["healthcheck"]
    init = services["minio-init"]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert init["restart"] == "no"
    script = " ".join(init["command"])
    assert "mc mb --ignore-existing local/letterbridge" in script
    assert "mc anonymous set none local/letterbridge" in script
    # then web and worker start once the bucket exists, and store their files in it
    for name in ("web", "worker"):
        service = services[name]
        assert service["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
        url = service["environment"]["LETTERBRIDGE_STORAGE_URL"]
        assert url.startswith("s3://letterbridge:") and "@minio:9000/letterbridge?" in url
    assert "minio-data" in compose["volumes"]


def test_lock_file_pins_every_dependency():
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert lines and all("==" in line for line in lines)
    assert any(line.startswith("django==5.2") for line in lines)


@pytest.mark.django_db
def test_demo_data_loads_once_and_tells_the_truth(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo_data")
    call_command("load_demo_data")
    assert "already loaded" in capsys.readouterr().out
    assert Prisoner.objects.count() == 7
    khamroev = Prisoner.objects.get(slug="bakhrom-khamroev")
    address = PrisonAddress.objects.get(prisoner=khamroev)
    assert not address.is_demo and address.postal_index == "600020"
    assert address.one_line_ru().startswith("600020, Владимирская область, г. Владимир")
    assert khamroev.recipient_line_ru == "Хамроеву Бахрому Мардоновичу, 1963 г.р."
    assert PrisonAddress.objects.exclude(prisoner=khamroev).filter(is_demo=False).count() == 0
    for slug in ("aleksei-navalny", "sasha-skochilenko", "alsu-kurmasheva"):
        assert not Prisoner.objects.get(slug=slug).accepts_letters
    statuses = set(Letter.objects.values_list("status", flat=True))
    assert statuses == set(Letter.Status.values)


@pytest.mark.django_db
def test_demo_data_refused_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_data")
