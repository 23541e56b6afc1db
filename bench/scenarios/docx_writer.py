"""The DOCX annex (python-docx on the brand's reference document, its fonts embedded)."""
from __future__ import annotations

from lib import sample_annex, scenario, timed


@scenario("docx", order=50)
def other_customers(repeat: int):
    """A new customer each run, as in a batch (the embedded fonts' deflated bytes are reused)."""
    from generator.writers.docx import render
    others = iter([sample_annex(i) for i in range(repeat + 2)])
    return timed(lambda: render(next(others)), repeat)
