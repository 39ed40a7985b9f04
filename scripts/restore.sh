#!/usr/bin/env bash
# make restore FILE=var/backups/…: pg_restore --clean into DATABASE_URL (or the embedded
# server), then checks the audit chain (manage.py verify_audit), against the checkpoint saved
# with the dump when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE="${1:?usage: restore.sh FILE}"
[ -f .env ] && set -a && . ./.env && set +a
. scripts/pg-env.sh
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$URL" "$FILE"
if [ -f "$FILE.checkpoint" ]; then
  "$PY" manage.py verify_audit --checkpoints "$FILE.checkpoint"
else
  "$PY" manage.py verify_audit
fi
