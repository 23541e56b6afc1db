"""Row headers in the tables of a Typst PDF, as WeasyPrint tags `<th scope="row">`.

Typst tags a table's header rows as `TH` (scope column) and every other cell as `TD`; its
`pdf.header-cell`, which would make a row header, needs the `a11y-extras` feature, which the
`typst` package does not enable. So the template marks each table whose first column heads its
rows (the activity of a matrix row, a fact of the title block, a party of the summary): a
`metadata` labelled `<row-headers>` holding how many tables come before it. Here the first cell
of each body row of those tables becomes a `TH` with `/Scope /Row` and an `/ID`, which the
row's other cells then name in their `/Headers` beside their column's header (Typst gives every
cell its `/Headers`, and a reader that finds them goes by them alone), so a screen reader
announces the activity with each role.

A matrix table whose last row stays with the notes under it is laid out as two tables (the
template's `raci`); the second is marked `<continues-table>` (holding its number) and joined to
the first here: its rows move into the first table's body and take the first table's column
headers in their `/Headers`, so a reader finds one table, as WeasyPrint's. A last row that
starts a page carries the repeated header and stays a table of its own.

Tables are counted in reading order, not counting tables inside a table's cells (the
structure tree is not walked below a row; the brand's templates nest no table in a cell).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pikepdf import Array, Dictionary, Name, String

from ..infra.pdf_update import Update, append_kid, holder, struct_kids

LABEL = "<row-headers>"
CONTINUES = "<continues-table>"
_ROWS = (Name.THead, Name.TBody, Name.TFoot)
# made once: each `Name.X` is a new object, and the pass compares hundreds of cells
_TD, _TH, _TR, _TABLE, _TBODY, _ROW = Name.TD, Name.TH, Name.TR, Name.Table, Name.TBody, Name.Row


def tables(root: Any, wanted: set[int]) -> dict[int, Any]:
    """The `Table` structure elements numbered `wanted` (0 the first in reading order)."""
    found: dict[int, Any] = {}
    count = 0
    stack = [root]
    while stack and len(found) < len(wanted):
        element = stack.pop()
        if element.get("/S") == Name.Table:
            if count in wanted:
                found[count] = element
            count += 1
            continue
        stack.extend(reversed(struct_kids(element)))
    return found


def _table_attributes(cell: Any) -> tuple[Any, list[Any]]:
    """The cell's `/O /Table` attribute dictionary (made if it has none), and the chain of
    objects down to it (what an update must rewrite when it changes)."""
    owned = cell.get("/A")
    if isinstance(owned, Dictionary):
        cell.A = owned = Array([owned])
    elif not isinstance(owned, Array):
        cell.A = owned = Array()
    for attributes in owned:
        if isinstance(attributes, Dictionary) and attributes.get("/O") == _TABLE:
            return attributes, [cell, owned, attributes]
    owned.append(Dictionary(O=_TABLE))
    return owned[len(owned) - 1], [cell, owned]


def _body_rows(table: Any) -> list[tuple[int, Any]]:
    """(index among all the table's rows, row) of each row outside the header and footer."""
    rows: list[tuple[int, Any]] = []
    index = 0
    for part in struct_kids(table):
        group = part.get("/S")
        for row in ([part] if group == _TR else struct_kids(part) if group in _ROWS else []):
            if row.get("/S") == _TR:
                if group in (_TR, _TBODY):
                    rows.append((index, row))
                index += 1
    return rows


def _retag_row(update: Update, row: Any, ident: str) -> Any:
    """The row's first cell as its row header `ident`, named by the row's other cells; that
    cell (None for a row already headed)."""
    kinds = [(c, c.get("/S")) for c in struct_kids(row)]
    cells = [c for c, kind in kinds if kind == _TD or kind == _TH]
    if not cells or cells[0].get("/S") != _TD or not all(c.is_indirect for c in cells):
        return None
    head = cells[0]
    head.S = _TH
    head.ID = String(ident)
    attributes, chain = _table_attributes(head)
    attributes.Scope = _ROW
    update.changed(head, holder(*chain))
    named = String(ident)
    for cell in cells[1:]:
        attributes, chain = _table_attributes(cell)
        headers = attributes.get("/Headers")
        if isinstance(headers, Array):
            headers.append(named)  # in place: Typst writes it direct in the attributes
        else:
            attributes.Headers = Array([named])
        update.changed(holder(*chain, *([headers] if isinstance(headers, Array) else [])))
    return head


def _register(update: Update, idents: dict[str, Any]) -> None:
    """The new identifiers in the structure tree's `/IDTree` (a name tree: keys in order)."""
    pdf = update.pdf
    tree = pdf.Root.StructTreeRoot
    if "/IDTree" not in tree:
        tree.IDTree = Dictionary(Names=Array())
    ids = tree.IDTree
    if "/Names" not in ids:  # a tree of /Kids: left alone (Typst writes one flat /Names)
        return
    names = list(ids.Names)
    pairs = {bytes(names[i]): names[i + 1] for i in range(0, len(names) - 1, 2)}
    pairs.update({key.encode(): element for key, element in idents.items()})
    ids.Names = Array([item for key in sorted(pairs) for item in (String(key), pairs[key])])
    update.changed(holder(pdf.Root, tree, ids, ids.Names))


def row_headers(update: Update, marked: Iterable[int]) -> None:
    """In the file `update` changes, the first cell of each body row of the tables numbered
    `marked` tagged as its row's header."""
    root = update.pdf.Root
    if "/StructTreeRoot" not in root:
        return
    idents: dict[str, Any] = {}
    for number, table in sorted(tables(root.StructTreeRoot, set(marked)).items()):
        for index, row in _body_rows(table):
            ident = f"R{number}y{index}"
            head = _retag_row(update, row, ident)
            if head is not None:
                idents[ident] = head
    if idents:
        _register(update, idents)


def _column_headers(table: Any) -> list[Any]:
    """The `/ID` of each column header of the table's header row (None where a cell has none)."""
    head = next((part for part in struct_kids(table) if part.get("/S") == Name.THead), None)
    rows = [row for row in struct_kids(head) if row.get("/S") == _TR] if head is not None else []
    return [cell.get("/ID") for cell in struct_kids(rows[0])] if rows else []


def _join(update: Update, first: Any, second: Any) -> bool:
    """`second`'s rows moved into `first`'s body, named by `first`'s column headers; False
    (nothing changed) when the two are not a table and its headerless continuation side by side."""
    body = next((part for part in reversed(struct_kids(first)) if part.get("/S") == _TBODY), None)
    parent, rows = second.get("/P"), struct_kids(second)
    siblings = parent.get("/K") if parent is not None else None
    if (body is None or not rows or any(row.get("/S") != _TR or not row.is_indirect for row in rows)
            or first.get("/P") is None or first.P.objgen != parent.objgen or not isinstance(siblings, Array)):
        return False
    columns = _column_headers(first)
    for row in rows:
        row.P = body
        append_kid(update, body, row)
        update.changed(row)
        for column, cell in zip(columns, struct_kids(row), strict=False):  # a cell past the header names none
            attributes, chain = _table_attributes(cell)
            headers = attributes.get("/Headers")
            if column is None or (isinstance(headers, Array) and column in list(headers)):
                continue
            attributes.Headers = Array([column, *(headers if isinstance(headers, Array) else [])])
            update.changed(holder(*chain))
    kept = [kid for kid in siblings if not (isinstance(kid, Dictionary) and kid.objgen == second.objgen)]
    parent.K = Array(kept)
    update.changed(parent)
    return True


def join_continued(update: Update, marked: Iterable[int]) -> None:
    """In the file `update` changes, each table numbered in `marked` joined to the table before
    it (numbers as Typst laid the tables out; joined from the last, so they stay right)."""
    root = update.pdf.Root
    wanted = sorted({n for n in marked if n > 0}, reverse=True)
    if "/StructTreeRoot" not in root or not wanted:
        return
    found = tables(root.StructTreeRoot, {*wanted, *(n - 1 for n in wanted)})
    for number in wanted:
        if number in found and number - 1 in found:
            _join(update, found[number - 1], found[number])
