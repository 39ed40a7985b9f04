"""Demo data registry. Apps register steps (cms sits below them and cannot import them);
`manage.py load_demo` runs every step in order. Steps must be idempotent."""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps

DEMO_PASSWORD = "CareCert-Demo-2026"  # noqa: S105  (published in README for demo logins)


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    func: Callable[[Callable[[str], None]], None]


_STEPS: dict[str, DemoStep] = {}


def demo_step(order: int, name: str):
    """Register `func(log)` as a demo step; lower orders run first."""

    def register(func):
        _STEPS[name] = DemoStep(order, name, func)
        return func

    return register


def demo_steps() -> list[DemoStep]:

    # Discover `<app>/demo.py` or every module of an `<app>/demo/` package.
    for config in apps.get_app_configs():
        if config.name in {"cms"} or config.name.startswith(("django", "wagtail")):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "__path__"):
            for info in pkgutil.iter_modules(module.__path__):
                importlib.import_module(f"{config.name}.demo.{info.name}")
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))
