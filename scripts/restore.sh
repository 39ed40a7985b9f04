#!/usr/bin/env bash
# make restore FILE=var/backups/…: pg_restore --clean into DATABASE_URL, or copy the SQLite
# file back. Then checks the audit chain (manage.py verify_audit).
set -euo pipefail
cd "$(dirname "$0")/.."
FILE="${1:?usage: restore.sh FILE}"
[ -f .env ] && set -a && . ./.env && set +a
URL="${DATABASE_URL:-sqlite:///$(pwd)/var/carecert.sqlite3}"
case "$URL" in
  postgres://*|postgresql://*)
    pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$URL" "$FILE" ;;
  sqlite:///*)
    DST="${URL#sqlite:///}"; [ "${DST:0:1}" = "/" ] || DST="/$DST"
    cp "$FILE" "$DST" ;;
  *) echo "restore: unsupported DATABASE_URL" >&2; exit 2 ;;
esac
"${PYTHON:-.venv/bin/python}" manage.py verify_audit
