"""Customers from a spreadsheet export (CSV), for sales ops.

Columns (header row, any order; see README): id, name, contract, annex, lang, matrices
(separated by `;`), effective_date (YYYY-MM-DD), then per party `<party>_name`,
`<party>_title`, `<party>_place`, and `deviations`: a YAML side file (relative to the CSV)
holding a `deviations:` list in the same shape as in a customer YAML file. Every row becomes
the same model as a YAML customer, so both inputs give the same annexes.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import _csv

from ..infra.diagnostics import Diagnostic, InputError, Location, error, quoted
from ..infra.yamlsource import YamlDocument, load_yaml, read_text
from ..model.limits import MAX_CSV_CELL
from ..model.text import text_problem

SIGNATORY_FIELDS = ("name", "title", "place")
PLAIN_FIELDS = ("id", "name", "contract", "annex", "lang", "locale", "effective_date")
KNOWN = set(PLAIN_FIELDS) | {"matrices", "deviations"}


def read_csv_document(path: Path) -> tuple[YamlDocument, dict[int, list[Diagnostic]]]:
    """The CSV as the same plain data a YAML customer file gives, with cell positions, and the
    problems found per row (a side file that cannot be used fails its customer alone)."""
    text = read_text(path, what="CSV file")
    if not text.strip():
        raise InputError([error(path, "is empty", line=1, hint="the first line names the columns, see README.md")],
                         unreadable=True)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    header = _header(path, _next_row(path, reader))
    doc = YamlDocument(str(path), None)
    rows: list[dict] = []
    row_problems: dict[int, list[Diagnostic]] = {}
    side_files: dict[Path, tuple] = {}  # each side file is read once, however many rows name it
    while (cells := _next_row(path, reader)) is not None:
        if not cells:
            continue  # a blank line
        i, line = len(rows), reader.line_num
        item, problems = _row(path, doc, header, cells, ("customers", i), line, side_files)
        rows.append(item)
        if problems:
            row_problems[i] = problems
    doc.data = {"customers": rows}
    return doc, row_problems


def _next_row(path: Path, reader: _csv.Reader) -> list[str] | None:
    """The next row, or None at the end; a row the csv module cannot read is located."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        line = reader.line_num
        message = str(exc)
        if "field larger than field limit" in message:
            message = f"a cell is over {MAX_CSV_CELL // 1024} KiB, the limit of a CSV cell"
        raise InputError([error(path, f"cannot be read as CSV: {message}", line=line,
                                hint="check the quoting of this line; a cell holds one value, not a document")],
                         unreadable=True) from None


def _header(path: Path, header: list[str] | None) -> list[str]:
    """The column names; unknown and repeated names are refused (a repeated column would
    silently replace the first)."""
    header = header or []
    problems = []
    first: dict[str, int] = {}
    for column, name in enumerate(header, start=1):
        base = name.rsplit("_", 1)
        if name in first:
            problems.append(error(path, f"column `{quoted(name)}` appears twice", line=1, column=column,
                                  code="duplicate-column", related=(Location(str(path), 1, first[name]),),
                                  hint="keep one column of each name; a spreadsheet export would keep only the last"))
        elif name not in KNOWN and not (len(base) == 2 and base[1] in SIGNATORY_FIELDS):
            problems.append(error(path, f"unknown column `{quoted(name)}`", line=1, column=column,
                                  code="unknown-key",
                                  hint="columns: id, name, contract, annex, lang, matrices, effective_date, "
                                       "deviations, and <party>_name/_title/_place"))
        first.setdefault(name, column)
    if problems:
        raise InputError(problems)
    return header


def _row(path: Path, doc: YamlDocument, header: list[str], cells: list[str], loc: tuple, line: int,
         side_files: dict[Path, tuple]) -> tuple[dict, list[Diagnostic]]:
    doc.positions[loc] = (line, 1)
    item: dict = {}
    problems: list[Diagnostic] = []
    if len(cells) > len(header):
        doc.positions[loc + ("extra cells",)] = (line, len(header) + 1)
        item["extra cells"] = cells[len(header):]
    for column, name in enumerate(header, start=1):
        value = cells[column - 1].strip() if column <= len(cells) else ""
        doc.positions[loc + (name,)] = (line, column)
        if not value:
            continue
        if name in PLAIN_FIELDS:
            item[name] = value
        elif name == "matrices":
            item["matrices"] = [m.strip() for m in value.replace(",", ";").split(";") if m.strip()]
        elif name == "deviations":
            deviations, problem = _side_file(path, value, line, column, side_files)
            if problem:
                problems.append(problem)
            else:
                item["deviations"] = deviations
        else:
            party, _, key = name.rpartition("_")
            item.setdefault("signatories", {}).setdefault(party, {})[key] = value
            doc.positions[loc + ("signatories", party, key)] = (line, column)
    return item, problems


def _side_file(csv_path: Path, value: str, line: int, column: int,
               cache: dict[Path, tuple]) -> tuple[object, Diagnostic | None]:
    """The `deviations:` list of a side file, or the problem that fails this customer. The side
    file must be a regular file inside the CSV's folder, symbolic links resolved."""
    def problem(message: str, hint: str = "") -> tuple[None, Diagnostic]:
        return None, error(csv_path, f"deviations file `{quoted(value)}` {message}", line=line, column=column,
                           field="deviations", code="deviations-file",
                           hint=hint or "name a YAML file in the CSV's folder or below it, e.g. deviations/acme.yaml")
    unsafe = text_problem(value, multiline=False)
    if unsafe:
        return problem(f"cannot be used: {unsafe}")
    rel = PurePosixPath(value)
    if rel.is_absolute() or PureWindowsPath(value).drive or "\\" in value:
        return problem("is not a relative path", "write it relative to the CSV's folder, with `/`")
    if ".." in rel.parts:
        return problem("leaves the CSV's folder (`..`)")
    side = csv_path.parent / rel
    try:
        real = side.resolve()
        inside = real.is_relative_to(csv_path.parent.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop
        return problem("cannot be resolved (a loop of symbolic links?)")
    if not inside:
        return problem("leaves the CSV's folder through a symbolic link")
    if real not in cache:
        try:
            cache[real] = (load_yaml(side).data, None)
        except InputError as exc:
            cache[real] = (None, exc.diagnostics[0])
    data, failure = cache[real]
    if failure:
        return None, failure
    if not isinstance(data, dict) or not isinstance(data.get("deviations"), list):
        return problem("must hold a `deviations:` list", "see data/customers/deviations/")
    return data["deviations"], None
