"""The benchmark's scenarios, one module per subject; each registers its rows with lib.scenario.
A new scenario is a new module here (or a function in the module of its subject): the report
picks it up, in the order its `order` says."""
from __future__ import annotations

import importlib
import pkgutil


def load() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
