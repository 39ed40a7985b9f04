"""Runs every bench/bench_*.py module against a throwaway test database."""

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def report(name: str, value: float, unit: str) -> None:
    print(
        f"bench {name} {value:.3f} {unit}"
        if isinstance(value, float)
        else f"bench {name} {value} {unit}",
        flush=True,
    )


def main(selected: list[str]) -> int:
    import bench

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    failures = 0
    try:
        for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
            if not info.name.startswith("bench_"):
                continue
            if selected and info.name.removeprefix("bench_") not in selected:
                continue
            module = importlib.import_module(f"bench.{info.name}")
            started = time.perf_counter()
            try:
                module.run(report)
            except Exception as exc:  # noqa: BLE001  (one failing bench must not hide the rest)
                failures += 1
                print(f"# {info.name} failed: {exc!r}", file=sys.stderr, flush=True)
            print(f"# {info.name} took {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
