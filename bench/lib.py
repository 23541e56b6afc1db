"""What the benchmark's scenarios share: the annex they make, the timing loop, generated customers,
process-tree memory, and the registry each scenario joins (bench/scenarios/*.py).

A scenario is a function registered with `@scenario(...)`: `timed` ones take a repeat count and
return wall and CPU seconds per run (bench/run.py runs each in a fresh process of its own, so its
peak memory is its own); `batch` ones take the command-line options and return result rows,
each with the `text` line the report prints. A scenario that cannot run here (an engine or a
program absent) raises `Unavailable`, and its row reads "n/a".
"""
from __future__ import annotations

import copy
import cProfile
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CUSTOMER = ROOT / "data" / "customers" / "example.yaml"
CUSTOMER_ID = "banque-horizon"


class Unavailable(Exception):
    """This scenario cannot run on this machine or tree; the message says why."""


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[..., Any]
    kind: str  # "timed" (a child process, repeated) or "batch" (whole `annex batch` processes)
    order: int  # where its row stands in the report
    engine: str = ""  # its label in the engines table (ratios to plain WeasyPrint), if it is in it
    opt_in: str = ""  # the command-line flag that runs it (a scenario that needs servers), if any


SCENARIOS: dict[str, Scenario] = {}
profiler: cProfile.Profile | None = None  # bench/run.py --profile: the measured runs of `timed`, profiled
PLAIN = "weasyprint-plain"  # the engines table's unit


def scenario(name: str, *, kind: str = "timed", order: int = 100, engine: str = "",
             opt_in: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        assert name not in SCENARIOS, f"two scenarios named {name}"
        SCENARIOS[name] = Scenario(name, fn, kind, order, engine, opt_in)
        return fn
    return register


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object], repeat: int, *, children: bool = False) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `repeat` runs, after two warm-up runs (imports, caches, fonts;
    a matrix part's pages are kept when it comes back); with `children`, the CPU seconds are
    those of the child processes `fn` waited for (a converter it runs). The measured runs alone
    go through `profiler` when one is set."""
    clock = children_cpu if children else time.process_time
    fn()
    fn()
    wall, cpu = [], []
    if profiler:
        profiler.enable()
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), clock()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(clock() - start_cpu)
    if profiler:
        profiler.disable()
    return wall, cpu


def engine_brand(engine: str):
    """The default brand laid out by `engine`; Unavailable when this annex has no such engine."""
    from generator.brand import load_brand
    brand = load_brand()
    if engine == "weasyprint":
        return brand
    if not hasattr(brand, "with_engine"):
        raise Unavailable(f"this annex has no {engine} engine (brand.yaml `engine: {engine}`)")
    return brand.with_engine(engine)


def sample_annex(variant: int | None = None, engine: str = "weasyprint"):
    """The sample customer's French S3 annex; with `variant`, a customer like it but with a name,
    contract and signatory of its own and no deviations (another customer of the same matrix);
    `engine` lays it out with WeasyPrint (the default brand) or another engine (the same brand)."""
    from generator.annex import build_annex
    from generator.readers.customers import pick_customer
    from generator.readers.matrix_yaml import read_matrix
    customer, _ = pick_customer(f"{CUSTOMER}#{CUSTOMER_ID}")
    if variant is not None:
        customer = customer.model_copy(update={"id": f"{customer.id}-{variant}", "name": f"{customer.name} {variant}",
                                               "contract": f"{customer.contract}-{variant}", "deviations": []})
    matrix, _ = read_matrix(ROOT / "data" / "matrices" / "s3-object-storage" / "fr.yaml")
    return build_annex(matrix, customer, engine_brand(engine))


def make_customers(n: int, path: Path, deviations: bool = True, like: str = "") -> None:
    """`n` customers like the samples (all five languages); every fifth keeps its deviations unless
    `deviations` is off. With `like`, every customer is a variant of that sample customer."""
    import yaml
    base = yaml.safe_load(CUSTOMER.read_text(encoding="utf-8"))["customers"]
    base = [c for c in base if c["id"] == like] if like else base
    customers = []
    for i in range(n):
        c = copy.deepcopy(base[i % len(base)])  # no shared objects: safe_dump would write aliases
        c["id"] = f"{c['id']}-{i:05d}"
        c["name"] = f"{c['name']} #{i}"
        c["contract"] = f"{c['contract']}-{i:05d}"
        if i % 5 or not deviations:
            c.pop("deviations", None)
        customers.append(c)
    path.write_text(yaml.safe_dump({"customers": customers}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and all its descendants, from /proc. RSS counts the pages forked
    workers share with their parent once per process; PSS divides them between the sharers,
    so the PSS sum is the memory the batch really holds."""
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue
    return rss / 1024, pss / 1024
