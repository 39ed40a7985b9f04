"""The floor: bare Django (no middleware, no apps of ours) serving one row per request, the
yardstick the HTTP benches divide by. Same gunicorn settings, same database, same run."""
