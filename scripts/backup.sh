#!/usr/bin/env bash
# make backup: PostgreSQL custom-format dump (pg_dump -Fc) or a copy of the SQLite file,
# into var/backups/ (or $BACKUP_DIR). Prints the file written.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
DIR="${BACKUP_DIR:-var/backups}"
mkdir -p "$DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
URL="${DATABASE_URL:-sqlite:///$(pwd)/var/carecert.sqlite3}"
case "$URL" in
  postgres://*|postgresql://*)
    OUT="$DIR/carecert-$STAMP.dump"
    pg_dump --format=custom --no-owner --file="$OUT" "$URL" ;;
  sqlite:///*)
    SRC="${URL#sqlite:///}"; [ "${SRC:0:1}" = "/" ] || SRC="/$SRC"
    OUT="$DIR/carecert-$STAMP.sqlite3"
    if command -v sqlite3 >/dev/null; then sqlite3 "$SRC" ".backup '$OUT'"; else cp "$SRC" "$OUT"; fi ;;
  *) echo "backup: unsupported DATABASE_URL" >&2; exit 2 ;;
esac
chmod 600 "$OUT"
echo "$OUT"
