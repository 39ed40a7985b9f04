"""Issue 3: `make backup` / `make restore` round trip into a fresh PostgreSQL database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from certification.audit import audit_record
from certification.models import AuditEvent, Person
from tests.factories import PersonFactory

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "certification_person",
    "certification_auditevent",
    "certification_employment",
    "cms_user",
]


def _url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = quote(s["HOST"] or "127.0.0.1", safe="")  # a socket directory is percent-encoded
    return f"postgres://{s['USER']}{password}@{host}:{s['PORT'] or 5432}/{name}"


def _counts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        sql = "SELECT count(*) FROM {}"  # fixed table names from TABLES, never user input
        return {t: conn.execute(sql.format(t)).fetchone()[0] for t in TABLES}


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_with_equal_counts_and_an_intact_audit_chain(
    cast, tmp_path
):
    for _ in range(3):
        PersonFactory()
    audit_record(actor=cast.regulator, action="test.before_backup")
    source = _url(connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DATABASE_URL": source,
        "BACKUP_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "PYTHON": sys.executable,
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "checkpoints.jsonl"),
    }
    dump = subprocess.run(
        [str(ROOT / "scripts/backup.sh")],
        env=env,
        check=True,  # noqa: S603
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(dump).stat().st_size > 0

    fresh = f"cc_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env["DATABASE_URL"] = _url(fresh)
        result = subprocess.run(
            [str(ROOT / "scripts/restore.sh"), dump],
            env=env,  # noqa: S603
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"audit chain intact: {AuditEvent.objects.count()} rows" in result.stdout
        # checked against the signed head saved with the dump
        assert Path(dump + ".checkpoint").exists() and "— matches" in result.stdout
        assert (tmp_path / "checkpoints.jsonl").exists()
        assert _counts(_url(fresh)) == _counts(source)
        assert _counts(source)["certification_person"] == Person.objects.count() > 3
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
