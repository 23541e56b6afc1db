"""The `annex` command line: thin commands over the model, readers and writers.

Exit codes (DESIGN.md): 0 success; 1 input read but breaks a rule, or some batch items
failed; 2 usage error or unreadable input. Bad input prints what, where and how to fix it,
never a traceback.
"""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .diagnostics import Diagnostic, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Contract annexes (PDF, DOCX) from RACI responsibility matrices.")


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    all = "all"


def formats_of(fmt: Format) -> list[str]:
    return ["pdf", "docx"] if fmt == Format.all else [fmt.value]


def show(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        typer.echo(d.format(), err=True)


def fail(exc: InputError) -> None:
    show(exc.diagnostics)
    raise typer.Exit(2 if exc.unreadable else 1)


@app.command()
def validate(
    paths: List[Path] = typer.Argument(..., help="matrix and customer files; folders are walked"),
    warn: List[str] = typer.Option([], "--warn", metavar="RULE",
                                   help="report a RACI rule as a warning: one-accountable, responsible-required"),
    data: Path = typer.Option(Path("data"), "--data", help="where customer files find their matrices"),
) -> None:
    """Check matrices and customer files; report every problem at once."""
    from .validate import validate_paths
    allowed = {"one-accountable", "responsible-required"}
    bad = [w for w in warn if w not in allowed]
    if bad:
        typer.echo(f"error: --warn takes one of {', '.join(sorted(allowed))}, not {', '.join(bad)}", err=True)
        raise typer.Exit(2)
    report = validate_paths(list(paths), relax=frozenset(warn), data_dir=data)
    show(report.sorted())
    n_err, n_warn = len(report.errors), len(report.warnings)
    typer.echo(f"{n_err} error(s), {n_warn} warning(s)", err=True)
    if report.unreadable:
        raise typer.Exit(2)
    raise typer.Exit(1 if n_err else 0)


@app.command()
def schema(
    kind: str = typer.Argument("matrix", help="matrix or customers"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to this file instead of stdout"),
) -> None:
    """Print the JSON Schema of the matrix (or customer) YAML format, for editors."""
    from .schema import schema_json
    if kind not in ("matrix", "customers"):
        typer.echo("error: schema takes `matrix` or `customers`", err=True)
        raise typer.Exit(2)
    text = schema_json(kind)
    if output:
        from .atomic import write_atomic
        write_atomic(output, text.encode())
    else:
        typer.echo(text, nl=False)


@app.command("import")
def import_(
    page: Path = typer.Argument(..., help="a published Markdown page of a matrix"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="YAML file to write (default: stdout)"),
    lang: Optional[str] = typer.Option(None, "--lang", help="page language (default: from the file name)"),
    reference: Optional[Path] = typer.Option(None, "--reference",
                                             help="matrix YAML of the reference language, to share its activity ids"),
    matrix_id: Optional[str] = typer.Option(None, "--id", help="matrix id (default: from the existing output or page)"),
) -> None:
    """Turn a published Markdown page into a matrix YAML file."""
    from .importer import import_command
    try:
        code = import_command(page, output=output, lang=lang, reference=reference, matrix_id=matrix_id)
    except InputError as exc:
        fail(exc)
    raise typer.Exit(code)


@app.command()
def export(
    matrix: Path = typer.Argument(..., help="a matrix YAML file"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Markdown file to write (default: stdout)"),
) -> None:
    """Write a matrix back as a published Markdown page."""
    from .readers.matrix_yaml import read_matrix
    from .writers.markdown_page import render as render_page
    try:
        m, _ = read_matrix(matrix)
    except InputError as exc:
        fail(exc)
    text = render_page(m)
    if output:
        from .atomic import write_atomic
        write_atomic(output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)


@app.command()
def build(
    matrix: str = typer.Argument(..., metavar="MATRIX", help="matrix YAML file, or matrix id under --data"),
    lang: Optional[str] = typer.Option(None, "--lang", help="language (default: the customer's, else fr)"),
    customer: Optional[str] = typer.Option(None, "--customer", metavar="FILE[#ID]", help="customer file, #ID picks one"),
    fmt: Format = typer.Option(Format.all, "--format", help="pdf, docx or all"),
    out: Path = typer.Option(Path("output"), "-o", "--output", help="output folder"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder (default: templates/default)"),
    draft: bool = typer.Option(False, "--draft", help="allow a matrix that is not approved; watermark it"),
    review: bool = typer.Option(False, "--review", help="DOCX: protect it so that every edit is a tracked change"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder for matrix ids"),
) -> None:
    """Build one annex as PDF and/or DOCX."""
    from .brand import load_brand
    from .build import build as build_files, load_checked_matrix, resolve_matrix
    from .readers.customers import pick_customer
    try:
        cust = pick_customer(customer)[0] if customer else None
        path = resolve_matrix(matrix, lang=lang or (cust.lang if cust else None), data_dir=data)
        m = load_checked_matrix(path)
        written = build_files(m, cust, load_brand(templates), formats_of(fmt), out, draft=draft, review=review)
    except InputError as exc:
        fail(exc)
    for w in written:
        typer.echo(f"wrote {w.path} ({w.size:,} bytes, fingerprint {w.annex.stamp.short})")


@app.command()
def batch(
    customers: Path = typer.Argument(..., help="customer file (.yaml or .csv)"),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="worker processes (default: number of CPUs)"),
    fmt: Format = typer.Option(Format.all, "--format", help="pdf, docx or all"),
    out: Path = typer.Option(Path("output"), "-o", "--output", help="output folder"),
    force: bool = typer.Option(False, "--force", help="regenerate even annexes that are unchanged"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder holding the matrices"),
    since: Optional[str] = typer.Option(None, "--since", metavar="VERSION",
                                        help="also write each annex's change notice against this matrix version"),
) -> None:
    """Build every customer's annexes, in parallel, with a manifest."""
    from .batch import run_batch
    try:
        code = run_batch(customers, jobs=jobs, formats=formats_of(fmt), out_dir=out, force=force,
                         templates=templates, data_dir=data, since=since)
    except InputError as exc:
        fail(exc)
    raise typer.Exit(code)


@app.command()
def diff(
    old: str = typer.Argument(..., metavar="OLD", help="matrix YAML file, matrix id, or annex PDF (its embedded data)"),
    new: str = typer.Argument(..., metavar="NEW", help="matrix YAML file, matrix id, or annex PDF"),
    lang: Optional[str] = typer.Option(None, "--lang", help="language of matrix ids (default: an annex PDF's, else fr)"),
    customer: Optional[str] = typer.Option(None, "--customer", metavar="FILE#ID",
                                           help="mark the changes this customer's deviations override"),
    fmt: str = typer.Option("text", "--format", help="text, json, or a change notice: md, pdf, docx"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="file to write (default: stdout; "
                                          "pdf/docx: output/[CUSTOMER/]ID_LANG_vOLD-to-vNEW.EXT)"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder for the change notice"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder for matrix ids"),
) -> None:
    """What changed between two versions of a matrix, or a change notice to sign."""
    from .versions.command import diff_command
    try:
        code = diff_command(old, new, lang=lang, customer_ref=customer, fmt=fmt, output=output, data_dir=data,
                            templates=templates)
    except InputError as exc:
        fail(exc)
    raise typer.Exit(code)


@app.command("review-import")
def review_import(
    reviewed: Path = typer.Argument(..., metavar="REVIEWED.docx", help="the review DOCX as legal sent it back"),
    customer: Optional[str] = typer.Option(None, "--customer", metavar="FILE#ID",
                                           help="the customer's file: its deviations give reasons and are compared"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="YAML file to write (default: stdout)"),
    rejected: bool = typer.Option(False, "--rejected", help="read the roles with pending tracked changes rejected"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder holding the matrices"),
) -> None:
    """Read the roles legal negotiated in a review DOCX back into a `deviations:` list."""
    from .review import review_import_command
    try:
        code = review_import_command(reviewed, customer_ref=customer, output=output, data_dir=data, rejected=rejected)
    except InputError as exc:
        fail(exc)
    raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
