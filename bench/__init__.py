"""Benchmarks (`make bench`). Each bench/bench_<area>.py has `run(report)`; report(name, value,
unit) prints `bench <name> <value> <unit>`. They run against a fresh test database (PostgreSQL when
DATABASE_URL points at one; the status and dashboard figures need it and say so otherwise)."""
