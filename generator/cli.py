"""The `annex` command line: thin commands over the model, readers and writers.

Exit codes: 0 success; 1 input read but breaks a rule, or some batch items
failed; 2 usage error or unreadable input. Bad input prints what, where and how to fix it,
never a traceback. Each command imports what it runs when it runs (not at the top): `annex
--help` or a `validate` does not load WeasyPrint, python-docx or pyHanko.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import NoReturn, Optional

import typer

from .infra.diagnostics import Diagnostic, InputError, printable

# Plain (click) help: typer's rich help panel prints a value type after every option, flags
# included (`--draft <bool>`), as if a flag took a value; the plain one leaves flags bare.
PLAIN_HELP = None
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=PLAIN_HELP,
                  help="Contract annexes (PDF, DOCX) from RACI responsibility matrices.")
DB_HELP = "SQLAlchemy URL (default: ANNEX_DB, else SQLite in the data folder)"


class Format(StrEnum):
    pdf = "pdf"
    docx = "docx"
    all = "all"


def formats_of(fmt: Format) -> list[str]:
    return ["pdf", "docx"] if fmt == Format.all else [fmt.value]


def show(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        typer.echo(d.format(), err=True)


def fail(exc: InputError) -> NoReturn:
    show(exc.diagnostics)
    raise typer.Exit(2 if exc.unreadable else 1)


def exit_with(command: Callable[[], int]) -> NoReturn:
    """Run a command; exit with the code it returns, or say what input was bad and exit 1 or 2."""
    try:
        code = command()
    except InputError as exc:
        fail(exc)
    raise typer.Exit(code)


@app.command()
def validate(
    paths: list[Path] = typer.Argument(..., help="matrix and customer files; folders are walked"),
    warn: list[str] = typer.Option([], "--warn", metavar="RULE",
                                   help="report a RACI rule as a warning: one-accountable, responsible-required"),
    data: Path = typer.Option(Path("data"), "--data", help="where customer files find their matrices"),
) -> None:
    """Check matrices and customer files; report every problem at once."""
    from .commands.validate import validate_paths
    allowed = {"one-accountable", "responsible-required"}
    bad = [w for w in warn if w not in allowed]
    if bad:
        typer.echo(f"error: --warn takes one of {', '.join(sorted(allowed))}, not {printable(', '.join(bad))}",
                   err=True)
        raise typer.Exit(2) from None
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
        from .infra.atomic import write_atomic
        try:
            write_atomic(output, text.encode())
        except InputError as exc:  # a full disk, a read-only folder: said, not a traceback
            fail(exc)
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
    lenient: bool = typer.Option(False, "--lenient",
                                 help="leave out, with a warning, what the matrix cannot hold (else an error)"),
) -> None:
    """Turn a published Markdown page into a matrix YAML file."""
    from .commands.importer import import_command
    exit_with(lambda: import_command(page, output=output, lang=lang, reference=reference, matrix_id=matrix_id,
                                     lenient=lenient))


@app.command()
def export(
    matrix: Path = typer.Argument(..., help="a matrix YAML file"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Markdown file to write (default: stdout)"),
) -> None:
    """Write a matrix back as a published Markdown page."""
    from .commands.export import export_command
    exit_with(lambda: export_command(matrix, output=output))


@app.command()
def build(
    matrix: str = typer.Argument(..., metavar="MATRIX", help="matrix YAML file, or matrix id under --data"),
    lang: Optional[str] = typer.Option(None, "--lang", help="language (default: the customer's, else fr)"),
    customer: Optional[str] = typer.Option(None, "--customer", metavar="FILE[#ID]",
                                           help="customer file, #ID picks one"),
    fmt: Format = typer.Option(Format.all, "--format", help="pdf, docx or all"),
    out: str = typer.Option("output", "-o", "--output", help="output folder, or s3://BUCKET/PREFIX"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder (default: templates/default)"),
    draft: bool = typer.Option(False, "--draft", help="allow a matrix that is not approved; watermark it"),
    review: bool = typer.Option(False, "--review", help="also write the review DOCX (<name>_review.docx): protected "
                                "so that every edit is a tracked change, deviations as tracked changes"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder for matrix ids"),
    sign_p12: Optional[Path] = typer.Option(None, "--sign", metavar="SIGNER.p12",
                                            help="also write <name>_signed.pdf, signed in the provider's field"),
    passphrase_file: Optional[Path] = typer.Option(None, "--passphrase-file",
                                                   help="file holding the .p12 passphrase (else ANNEX_P12_PASSPHRASE)"),
) -> None:
    """Build one annex as PDF and/or DOCX."""
    from .brand import load_brand
    from .catalog import load_checked_matrix, resolve_matrix
    from .commands.build import build as build_files
    from .readers.customers import pick_customer
    try:
        signer = _signer(sign_p12, passphrase_file)
        cust = pick_customer(customer)[0] if customer else None
        path = resolve_matrix(matrix, lang=lang or (cust.lang if cust else None), data_dir=data, allow_path=True)
        m = load_checked_matrix(path)
        sink = output_sink(out)
        with sink.session():
            written = build_files(m, cust, load_brand(templates), formats_of(fmt), Path(out), draft=draft,
                                  review=review, signer=signer, sink=sink)
        for w in written:
            if w.what == "wrote":
                typer.echo(f"wrote {printable(w.path)} ({w.size:,} bytes, fingerprint {w.fingerprint[:12]})")
            else:
                typer.echo(f"{w.what} {printable(w.path)}")
    except InputError as exc:
        fail(exc)


def _signer(p12: Optional[Path], passphrase_file: Optional[Path]):
    """The signer of --sign, loaded before any work so that a bad key or passphrase stops at once."""
    if p12 is None:
        return None
    from .signing.sign import load_signer, read_passphrase
    return load_signer(p12, read_passphrase(passphrase_file))


@app.command()
def batch(
    customers: Path = typer.Argument(..., help="customer file (.yaml or .csv)"),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="worker processes (default: number of CPUs)"),
    fmt: Format = typer.Option(Format.all, "--format", help="pdf, docx or all"),
    out: str = typer.Option("output", "-o", "--output", help="output folder, or s3://BUCKET/PREFIX"),
    force: bool = typer.Option(False, "--force", help="regenerate even annexes that are unchanged"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder holding the matrices"),
    sign_p12: Optional[Path] = typer.Option(None, "--sign", metavar="SIGNER.p12",
                                            help="also write each PDF's <name>_signed.pdf (provider's field)"),
    passphrase_file: Optional[Path] = typer.Option(None, "--passphrase-file",
                                                   help="file holding the .p12 passphrase (else ANNEX_P12_PASSPHRASE)"),
    since: Optional[str] = typer.Option(None, "--since", metavar="VERSION",
                                        help="also write each annex's change notice against this matrix version"),
    review: bool = typer.Option(False, "--review", help="also write each annex's review DOCX (<name>_review.docx)"),
    job_timeout: float = typer.Option(300.0, "--job-timeout", metavar="SECONDS", min=1,
                                      help="stop and fail a customer's annexes still running after this long"),
    queue: Optional[str] = typer.Option(None, "--queue", envvar="ANNEX_QUEUE", metavar="URL",
                                        help="send the jobs to `annex worker`s on this Redis (needs -o s3://...)"),
) -> None:
    """Build every customer's annexes, in parallel, with a manifest."""
    from .commands.batch import run_batch

    def run() -> int:
        sink = output_sink(out)
        runner = queue_runner(queue, out, job_timeout) if queue else None
        return run_batch(customers, jobs=jobs, formats=formats, out_dir=Path(out), force=force, templates=templates,
                         data_dir=data, signer=_signer(sign_p12, passphrase_file), since=since,
                         job_timeout=job_timeout, sink=sink, runner=runner)
    formats = formats_of(fmt) + (["review"] if review else [])
    exit_with(run)


def output_sink(out: str):
    """-o: a folder, or a bucket and prefix (`s3://`, through boto3; checked when its session opens)."""
    from .infra.objectstore import is_s3
    from .pipeline import FolderSink
    if not is_s3(out):
        return FolderSink(Path(out))
    from .pipeline.s3sink import S3Sink
    return S3Sink(out)


def queue_runner(url: str, out: str, job_timeout: float):
    """The runner of `--queue`: Redis reached and a worker answering, or one line and exit 2."""
    from .infra.diagnostics import error
    from .infra.objectstore import is_s3
    from .queue.app import check_url
    from .queue.runner import check_queue
    from .queue.runner import queue_runner as runner
    check_url(url)
    if not is_s3(out):
        raise InputError([error("-o", f"{printable(out)} is a folder of this machine, which workers elsewhere cannot "
                                      "write into", hint="with --queue, write into object storage: -o s3://BUCKET/PREFIX")],
                         unreadable=True)
    check_queue(url)
    return runner(url, job_timeout, lambda line: typer.echo(printable(line), err=True))


@app.command()
def diff(
    old: str = typer.Argument(..., metavar="OLD", help="matrix YAML file, matrix id, or annex PDF (its embedded data)"),
    new: str = typer.Argument(..., metavar="NEW", help="matrix YAML file, matrix id, or annex PDF"),
    lang: Optional[str] = typer.Option(None, "--lang",
                                       help="language of matrix ids (default: an annex PDF's, else fr)"),
    customer: Optional[str] = typer.Option(None, "--customer", metavar="FILE#ID",
                                           help="mark the changes this customer's deviations override"),
    fmt: str = typer.Option("text", "--format", help="text, json, or a change notice: md, pdf, docx"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="file to write (default: stdout; "
                                          "pdf/docx: output/[CUSTOMER/]ID_LANG_vOLD-to-vNEW.EXT)"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder for the change notice"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder for matrix ids"),
) -> None:
    """What changed between two versions of a matrix, or a change notice to sign."""
    from .commands.diff import diff_command
    exit_with(lambda: diff_command(old, new, lang=lang, customer_ref=customer, fmt=fmt, output=output, data_dir=data,
                                   templates=templates))


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
    from .commands.review import review_import_command
    exit_with(lambda: review_import_command(reviewed, customer_ref=customer, output=output, data_dir=data,
                                            rejected=rejected))


@app.command()
def sign(
    pdf: Path = typer.Argument(..., metavar="ANNEX.pdf", help="the annex to sign"),
    p12: Path = typer.Option(..., "--p12", metavar="SIGNER.p12", help="the signer's key and certificate chain"),
    field: Optional[str] = typer.Option(None, "--field", help="signature field (party id; default: the last "
                                                              "party's field still empty, i.e. the provider's first)"),
    reason: Optional[str] = typer.Option(None, "--reason", help="reason for signing, recorded in the signature"),
    location: Optional[str] = typer.Option(None, "--location", help="place of signing"),
    timestamp: Optional[str] = typer.Option(None, "--timestamp", metavar="URL",
                                            help="RFC 3161 time-stamping authority: PAdES B-T"),
    ltv: bool = typer.Option(False, "--ltv", help="add validation data (certificates, revocation): PAdES B-LT"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="signed file (default: <name>_signed.pdf)"),
    force: bool = typer.Option(False, "--force", help="replace the output file if it exists"),
    passphrase_file: Optional[Path] = typer.Option(None, "--passphrase-file",
                                                   help="file holding the .p12 passphrase (else ANNEX_P12_PASSPHRASE)"),
) -> None:
    """Sign an annex (PAdES) in one of its signature fields, as an incremental update."""
    from .commands.sign import sign_command
    from .signing.sign import SignOptions
    if ltv and not timestamp:
        typer.echo("error: --ltv needs --timestamp URL (PAdES B-LT builds on a time-stamped B-T signature)", err=True)
        raise typer.Exit(2)
    options = SignOptions(field=field, reason=reason, location=location, timestamp_url=timestamp, ltv=ltv)
    exit_with(lambda: sign_command(pdf, p12=p12, passphrase_file=passphrase_file, options=options, output=output,
                                   force=force))


@app.command()
def verify(
    pdf: Path = typer.Argument(..., metavar="ANNEX.pdf", help="a signed annex"),
    trust: list[Path] = typer.Option([], "--trust", metavar="ROOT.pem", help="trusted root certificate (repeatable)"),
    data: Optional[Path] = typer.Option(None, "--data", help="data folder: check the annex is still current"),
    templates: Optional[Path] = typer.Option(None, "--templates",
                                             help="brand folder the annex was built with (with --data)"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Check an annex's signatures and that it is what its embedded data says."""
    from .commands.verify import verify_command
    exit_with(lambda: verify_command(pdf, trust=list(trust), data_dir=data, as_json=as_json, templates=templates))


# --- the web service (generator/web/): serve, user, token ---------------------------------------

def _db_url(db: Optional[str], data: Path) -> str:
    from .web.config import default_db_url
    return db or default_db_url(data)


def _open_db(db: Optional[str], data: Path):
    from .web.db import open_database
    try:
        return open_database(_db_url(db, data))
    except Exception as exc:  # a wrong URL or an unreachable server: one line, no traceback
        typer.echo(f"error: cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}", err=True)
        typer.echo("    fix: check --db / ANNEX_DB (e.g. postgresql://user@host/annex) and that the server runs",
                   err=True)
        raise typer.Exit(2) from None


def _check_trust(paths: list[Path]) -> None:
    """Refuse to start with a trust root that cannot be read (exit 2, located)."""
    from .signing.verify import load_roots
    try:
        load_roots(paths)
    except InputError as exc:
        fail(exc)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", help="annex worker processes (default: CPUs, at most 4)"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder holding the matrices"),
    store: Optional[str] = typer.Option(None, "--store", envvar="ANNEX_STORE",
                                        help="folder of generated files (default: <data>/web/files), or s3://BUCKET/PREFIX"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder"),
    queue: Optional[str] = typer.Option(None, "--queue", envvar="ANNEX_QUEUE", metavar="URL",
                                        help="generate on `annex worker`s over this Redis (needs --store s3://...)"),
    insecure_cookies: bool = typer.Option(False, "--insecure-cookies",
                                          help="session cookies without Secure, for plain http on a developer machine"),
    trusted_user_header: Optional[str] = typer.Option(None, "--trusted-user-header", metavar="HEADER",
                                                      help="sign users in from this header set by an SSO reverse "
                                                           "proxy (off by default)"),
    trust: list[Path] = typer.Option([], "--trust", metavar="ROOT.pem",
                                     help="root certificate a signed upload's signers must chain to (repeatable)"),
    provider_cert: list[Path] = typer.Option([], "--provider-cert", metavar="CERT.pem",
                                             help="the provider's own signing certificate, trusted as it is "
                                                  "(repeatable)"),
    check_seconds: float = typer.Option(60.0, "--check-seconds", min=1,
                                        help="time limit of one upload check (review-import, verify)"),
    check_memory: int = typer.Option(768, "--check-memory", min=64, metavar="MIB",
                                     help="memory limit of one upload check, in MiB"),
) -> None:
    """Run the web service for sales and legal, and the API."""
    import uvicorn

    from .web import Settings, create_app
    from .web.generate import cpu_workers
    _open_db(db, data)  # fail early, with a message, on a bad URL
    _check_trust([*trust, *provider_cert])
    try:
        store_url = _web_scale_out(queue, store)
    except InputError as exc:
        fail(exc)
    store_dir = None if store_url or not store else Path(store)
    settings = Settings(data_dir=data, db_url=_db_url(db, data), store_dir=store_dir, store_url=store_url,
                        queue=queue, templates=templates,
                        workers=cpu_workers() if workers is None else workers,
                        secure_cookies=not insecure_cookies, trusted_user_header=trusted_user_header,
                        warm=((("s3-object-storage", "fr"),) if (data / "matrices" / "s3-object-storage").is_dir()
                              else ()),
                        trust=tuple(trust), provider_certs=tuple(provider_cert), check_seconds=check_seconds,
                        check_memory=check_memory * 1024 * 1024)
    typer.echo(f"annex serving on http://{host}:{port} (database {(settings.db_url or '').split('@')[-1]})", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                timeout_graceful_shutdown=10,
                log_level=os.environ.get("ANNEX_LOG_LEVEL", "warning"))


def _web_scale_out(queue: Optional[str], store: Optional[str]) -> Optional[str]:
    """--queue and --store s3://, checked before the server starts (one line, exit 2); the store's URL."""
    from .infra import objectstore
    from .infra.diagnostics import error
    store_url = store if store and objectstore.is_s3(store) else None
    if queue:
        from .queue.app import check_url
        from .queue.runner import check_queue
        check_url(queue)
        if not store_url:
            raise InputError([error("--store", "with --queue, the store must be object storage that workers "
                                               "elsewhere can write into", hint="add --store s3://BUCKET/PREFIX")],
                             unreadable=True)
    if store_url:
        objectstore.check_target(objectstore.parse_target(store_url, "--store"), "--store")
    if queue:
        check_queue(queue)
    return store_url


user_app = typer.Typer(help="Users of the web service.", no_args_is_help=True, rich_markup_mode=PLAIN_HELP)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="user name (letters, digits, . _ @ -)"),
    role: str = typer.Option(..., "--role", help="sales, legal or admin"),
    lang: str = typer.Option("en", "--lang", help="interface language: fr, en, de, es, it"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    data: Path = typer.Option(Path("data"), "--data", help="data folder (where the default SQLite file lives)"),
) -> None:
    """Add a user; the password is read from stdin (or a prompt on a terminal)."""
    from .web.accounts import AccountError, add_user
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    sessions = _open_db(db, data)
    try:
        with sessions.begin() as s:
            add_user(s, name, password, role, lang=lang)
    except AccountError as exc:
        typer.echo(f"error: {printable(exc)}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"user {name} added with role {role}", err=True)


token_app = typer.Typer(help="API tokens of the web service.", no_args_is_help=True, rich_markup_mode=PLAIN_HELP)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="the user the token acts as"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    data: Path = typer.Option(Path("data"), "--data", help="data folder (where the default SQLite file lives)"),
) -> None:
    """Create an API token for a user; it is printed once, on its own line."""
    from .web.accounts import AccountError, create_token
    sessions = _open_db(db, data)
    try:
        with sessions.begin() as s:
            token = create_token(s, name)
    except AccountError as exc:
        typer.echo(f"error: {printable(exc)}", err=True)
        raise typer.Exit(1) from None
    typer.echo(token)


# --- past one machine (generator/queue/): worker --------------------------------------------------

QUEUE_HELP = "Redis URL of the queue: redis://[:PASSWORD@]HOST:6379/0, rediss:// for TLS (else ANNEX_QUEUE)"


@app.command()
def worker(
    queue: Optional[str] = typer.Option(None, "--queue", envvar="ANNEX_QUEUE", metavar="URL", help=QUEUE_HELP),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", min=1,
                                              help="annexes built at once (default: number of CPUs)"),
    data: Path = typer.Option(Path("data"), "--data", help="data folder holding the matrices (the batch's own)"),
    templates: Optional[Path] = typer.Option(None, "--templates", help="brand folder (the batch's own)"),
    job_timeout: float = typer.Option(300.0, "--job-timeout", metavar="SECONDS", min=1,
                                      help="the longest a batch may ask one annex to take"),
    visibility: Optional[float] = typer.Option(None, "--visibility-timeout", metavar="SECONDS", min=1,
                                               help="how long a task taken by a worker that vanished whole waits "
                                                    "before another worker gets it (default: --job-timeout + 70)"),
) -> None:
    """Build annexes for `batch --queue` and `serve --queue`: a Celery worker over Redis."""
    if not queue:
        typer.echo("error: --queue URL (or ANNEX_QUEUE) is required: the Redis the batches send to", err=True)
        raise typer.Exit(2)
    from .queue.worker import run_worker
    exit_with(lambda: run_worker(queue, concurrency=concurrency, data_dir=data, templates=templates,
                                 job_timeout=job_timeout, visibility=visibility,
                                 log_level=os.environ.get("ANNEX_LOG_LEVEL", "INFO")))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
