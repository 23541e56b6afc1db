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
from pathlib import Path

from ..diagnostics import InputError, error
from ..yamlsource import YamlDocument, load_yaml, read_text

SIGNATORY_FIELDS = ("name", "title", "place")
PLAIN_FIELDS = ("id", "name", "contract", "annex", "lang", "locale", "effective_date")
KNOWN = set(PLAIN_FIELDS) | {"matrices", "deviations"}


def read_csv_document(path: Path) -> YamlDocument:
    """The CSV as the same plain data a YAML customer file gives, with cell positions."""
    text = read_text(path, what="CSV file")
    if not text.strip():
        raise InputError([error(path, "is empty", line=1, hint="the first line names the columns, see README.md")],
                         unreadable=True)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = reader.fieldnames or []
    doc = YamlDocument(str(path), None)
    problems = []
    columns = {name: i + 1 for i, name in enumerate(header)}
    for name in header:
        base = name.rsplit("_", 1)
        if name not in KNOWN and not (len(base) == 2 and base[1] in SIGNATORY_FIELDS):
            problems.append(error(path, f"unknown column `{name}`", line=1, column=columns[name], code="unknown-key",
                                  hint="columns: id, name, contract, annex, lang, matrices, effective_date, "
                                       "deviations, and <party>_name/_title/_place"))
    if problems:
        raise InputError(problems)
    rows = []
    for i, row in enumerate(reader):
        line = reader.line_num
        loc = ("customers", i)
        doc.positions[loc] = (line, 1)
        item: dict = {}
        for name, value in row.items():
            if name is None:
                doc.positions[loc + ("extra",)] = (line, len(header) + 1)
                item["extra cells"] = value
                continue
            value = (value or "").strip()
            doc.positions[loc + (name,)] = (line, columns[name])
            if not value:
                continue
            if name in PLAIN_FIELDS:
                item[name] = value
            elif name == "matrices":
                item["matrices"] = [m.strip() for m in value.replace(",", ";").split(";") if m.strip()]
            elif name == "deviations":
                item["deviations"] = _side_file(path, value, line, columns[name])
            else:
                party, _, key = name.rpartition("_")
                item.setdefault("signatories", {}).setdefault(party, {})[key] = value
                doc.positions[loc + ("signatories", party, key)] = (line, columns[name])
        rows.append(item)
    doc.data = {"customers": rows}
    return doc


def _side_file(csv_path: Path, value: str, line: int, column: int) -> object:
    """The `deviations:` list of a side file; on failure, a value the model rejects with a
    message that names the side file (so that only this customer fails)."""
    side = csv_path.parent / value
    try:
        data = load_yaml(side).data
    except InputError as exc:
        return f"deviations file `{value}` cannot be used: {exc.diagnostics[0].format()}"
    if not isinstance(data, dict) or not isinstance(data.get("deviations"), list):
        return f"deviations file `{value}` must hold a `deviations:` list"
    return data["deviations"]
