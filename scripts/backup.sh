#!/usr/bin/env bash
# make backup: PostgreSQL custom-format dump (pg_dump -Fc) of DATABASE_URL, or of the embedded
# server when it is unset, into var/backups/ (or $BACKUP_DIR). Prints the file written.
# First the audit chain is verified and its head checkpointed (signed) both in the checkpoint
# file and next to the dump (FILE.checkpoint), which restore.sh checks the restored rows against.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
. scripts/pg-env.sh
DIR="${BACKUP_DIR:-var/backups}"
mkdir -p "$DIR"
OUT="$DIR/carecert-$(date -u +%Y%m%dT%H%M%SZ).dump"
"$PY" manage.py verify_audit --checkpoint >&2
"$PY" manage.py verify_audit --checkpoint --checkpoints "$OUT.checkpoint" >&2
chmod 600 "$OUT.checkpoint"
pg_dump --format=custom --no-owner --file="$OUT" "$URL"
chmod 600 "$OUT"
echo "$OUT"
