"""`annex diff OLD NEW`: read both sides, compare them, write the chosen format."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from ..annex import deviations_for
from ..brand import load_brand
from ..infra.atomic import write_atomic
from ..infra.diagnostics import InputError, error
from ..model import Customer
from ..readers.customers import pick_customer
from ..versions import notice as writers
from ..versions import render
from ..versions.compare import Diff, compare, notice_name
from ..versions.sources import Side, load_side

FORMATS = ("text", "json", "md", "pdf", "docx")


def load_pair(old_ref: str, new_ref: str, *, lang: Optional[str], data_dir: Path,
              default_lang: Optional[str] = None) -> tuple[Side, Side]:
    """Both sides, in one language: --lang, else an annex PDF's, else `default_lang` (the
    customer's), else fr."""
    pdf_lang = None
    for ref in (new_ref, old_ref):
        if ref.lower().endswith(".pdf") and lang is None:
            pdf_lang = load_side(ref, lang=None, data_dir=data_dir).matrix.lang
            break
    old = load_side(old_ref, lang=lang or pdf_lang or default_lang, data_dir=data_dir)
    new = load_side(new_ref, lang=lang or pdf_lang or old.matrix.lang, data_dir=data_dir)
    if old.matrix.id != new.matrix.id:
        raise InputError([error(new.label, f"is matrix `{new.matrix.id}`, but {old.label} is matrix `{old.matrix.id}`",
                                hint="compare two versions of the same matrix")], unreadable=True)
    if old.matrix.lang != new.matrix.lang:
        raise InputError([error(new.label, f"is in `{new.matrix.lang}`, but {old.label} is in `{old.matrix.lang}`",
                                hint="compare one language at a time (--lang L for matrix ids)")], unreadable=True)
    return old, new


def make_diff(old_ref: str, new_ref: str, *, lang: Optional[str], customer_ref: Optional[str],
              data_dir: Path) -> Diff:
    """The comparison, with the customer of --customer (whose language is the default, as for
    `annex build`), else the one an annex PDF was made for."""
    chosen = pick_customer(customer_ref)[0] if customer_ref else None
    old, new = load_pair(old_ref, new_ref, lang=lang, data_dir=data_dir, default_lang=chosen.lang if chosen else None)
    customer: Optional[Customer]
    if chosen:
        customer = chosen
        deviations = tuple(deviations_for(customer, new.matrix))
    else:
        side = new if new.customer else old
        customer, deviations = side.customer, side.deviations
    # what the customer signed before, when the old side is their annex PDF
    before = old.deviations if old.customer and customer and old.customer.id == customer.id else None
    return compare(old.matrix, new.matrix, customer, deviations, before)


def render_diff(diff: Diff, fmt: str, templates: Optional[Path] = None) -> bytes:
    if fmt == "text":
        return render.to_text(diff).encode("utf-8")
    if fmt == "json":
        return render.to_json(diff).encode("utf-8")
    brand = load_brand(templates)
    notice = render.make_notice(diff, template_version=brand.version)
    if fmt == "md":
        return render.to_markdown(notice).encode("utf-8")
    return writers.render(notice, brand, fmt)


def diff_command(old_ref: str, new_ref: str, *, lang: Optional[str], customer_ref: Optional[str], fmt: str,
                 output: Optional[Path], data_dir: Path, templates: Optional[Path] = None) -> int:
    if fmt not in FORMATS:
        raise InputError([error("--format", f"`{fmt}` is not a diff format", hint=f"use one of {', '.join(FORMATS)}")],
                         unreadable=True)
    diff = make_diff(old_ref, new_ref, lang=lang, customer_ref=customer_ref, data_dir=data_dir)
    data = render_diff(diff, fmt, templates)
    if output is None and fmt in ("pdf", "docx"):
        folder = Path("output") / diff.customer.id if diff.customer else Path("output")
        output = folder / notice_name(diff, fmt)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return 0
    write_atomic(output, data)
    print(f"wrote {output} ({len(data):,} bytes, {len(diff.changes)} change(s))", file=sys.stderr)
    return 0
