"""The Typst engine (brand.yaml `engine: typst`): the same annex, the same brand, laid out by
Typst; "n/a" in a tree without it."""
from __future__ import annotations

import time

from lib import sample_annex, scenario, timed


@scenario("typst-other-customers", order=60, engine="Typst engine")
def other_customers(repeat: int):
    """A new customer of the matrix each run, warm."""
    from generator.writers.pdf import render
    others = iter([sample_annex(i, "typst") for i in range(repeat + 2)])
    return timed(lambda: render(next(others)), repeat)


@scenario("typst-first", order=70)
def first(repeat: int):
    """The first annex of a fresh process (the engine's set-up: fonts indexed, template read,
    first compile), once per process."""
    from generator.writers.pdf import render
    annex = sample_annex(0, "typst")
    start, start_cpu = time.perf_counter(), time.process_time()
    render(annex)
    return [time.perf_counter() - start], [time.process_time() - start_cpu]
