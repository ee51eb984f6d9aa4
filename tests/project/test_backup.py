"""make backup / make restore round-trip a real PostgreSQL database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from letters.models import Letter
from tests.factories import LetterFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"),
]


def _url(dbname: str) -> str:
    params = connection.settings_dict
    return f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{dbname}"


def _run(*args, env_extra):
    return subprocess.run(  # noqa: S603 - our own scripts
        list(args),
        cwd=ROOT,
        env=os.environ | env_extra,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_then_restore_brings_back_the_data(tmp_path):
    # given a database with letters, backed up
    letters = [LetterFactory() for _ in range(3)]
    source = _url(connection.settings_dict["NAME"])
    backup = _run(
        "scripts/backup.sh", env_extra={"DATABASE_URL": source, "BACKUP_DIR": str(tmp_path)}
    )
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip().splitlines()[-1])
    assert dump.exists() and oct(dump.stat().st_mode & 0o777) == "0o600"

    # when a letter is lost and the backup restored
    Letter.objects.filter(pk=letters[0].pk).update(supporter_name="changed after backup")
    restore = _run(
        "scripts/restore.sh", str(dump), env_extra={"DATABASE_URL": source, "FORCE": "1"}
    )
    assert restore.returncode == 0, restore.stderr

    # then the database is as it was at the backup
    connection.close()
    assert Letter.objects.count() == 3
    assert Letter.objects.get(pk=letters[0].pk).supporter_name == letters[0].supporter_name


def _counts(url: str) -> dict[str, int]:
    script = (
        "SELECT format('%s %s', table_name, "
        "(xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', "
        "table_name), false, true, '')))[1]::text) FROM information_schema.tables "
        "WHERE table_schema = 'public' ORDER BY table_name"
    )
    out = subprocess.run(
        ["psql", "-At", url, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line}


def test_restore_into_a_fresh_database_gives_the_same_rows_and_the_app_runs_on_it(tmp_path):
    # given a database with letters (their texts encrypted), backed up
    letters = [LetterFactory() for _ in range(4)]
    source = _url(connection.settings_dict["NAME"])
    backup = _run(
        "scripts/backup.sh", env_extra={"DATABASE_URL": source, "BACKUP_DIR": str(tmp_path)}
    )
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip().splitlines()[-1]
    fresh_name = f"{connection.settings_dict['NAME']}_restored"
    fresh = _url(fresh_name)
    subprocess.run(
        [
            "dropdb",
            "--if-exists",
            fresh_name,
            "-h",
            connection.settings_dict["HOST"],
            "-U",
            connection.settings_dict["USER"],
        ],
        check=True,
    )
    subprocess.run(
        [
            "createdb",
            fresh_name,
            "-h",
            connection.settings_dict["HOST"],
            "-U",
            connection.settings_dict["USER"],
        ],
        check=True,
    )
    try:
        # when it is restored into a new, empty database
        restore = _run("scripts/restore.sh", dump, env_extra={"DATABASE_URL": fresh, "FORCE": "1"})
        assert restore.returncode == 0, restore.stderr

        # then every table has the same rows, and the app starts on it and reads the letters
        assert _counts(fresh) == _counts(source)
        env = {"DATABASE_URL": fresh, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        migrated = _run(sys.executable, "manage.py", "migrate", "--check", env_extra=env)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        read = _run(
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from letters.models import Letter; "
            "print(sorted(Letter.objects.values_list('original_text', flat=True))[0])",
            env_extra=env,
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip().splitlines()[-1] == letters[0].original_text
    finally:
        subprocess.run(
            [
                "dropdb",
                "--if-exists",
                fresh_name,
                "-h",
                connection.settings_dict["HOST"],
                "-U",
                connection.settings_dict["USER"],
            ],
            check=False,
        )


def test_restore_refuses_without_confirmation(tmp_path):
    source = _url(connection.settings_dict["NAME"])
    backup = _run(
        "scripts/backup.sh", env_extra={"DATABASE_URL": source, "BACKUP_DIR": str(tmp_path)}
    )
    dump = backup.stdout.strip().splitlines()[-1]
    refused = subprocess.run(  # noqa: S603
        ["scripts/restore.sh", dump],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": source},
        input="no\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "Nothing changed" in refused.stdout
