"""annex's PDF engine of reference: WeasyPrint with the annex's own set-up (kept matrix pages,
one parsed stylesheet and font configuration per brand)."""
from __future__ import annotations

from lib import sample_annex, scenario, timed


@scenario("pdf", order=10)
def same_annex(repeat: int):
    """The same annex again: the warm-up runs kept its matrix pages (writers/pdf_pages.py)."""
    from generator.writers.pdf import render
    annex = sample_annex()
    return timed(lambda: render(annex), repeat)


@scenario("pdf-other-customers", order=20, engine="WeasyPrint engine")
def other_customers(repeat: int):
    """A new customer each run, sharing the matrix pages: the batch case."""
    from generator.writers.pdf import render
    others = iter([sample_annex(i) for i in range(repeat + 2)])
    return timed(lambda: render(next(others)), repeat)


@scenario("pdf-new-matrix-pages", order=30)
def new_matrix_pages(repeat: int):
    """The first annex of a matrix in a process, or a customer with deviations of its own."""
    from generator.writers import pdf_pages
    from generator.writers.pdf import render
    annex = sample_annex()
    return timed(lambda: (pdf_pages.cache.clear(), render(annex)), repeat)


@scenario("pdf-whole", order=40)
def whole(repeat: int):
    """The unoptimised path: the whole annex laid out as one document."""
    from generator.writers.pdf import render
    annex = sample_annex()
    return timed(lambda: render(annex, reuse=False), repeat)
