"""Legal's reviewed DOCX read back into a customer's `deviations:` list (`annex review-import`).

The DOCX says which annex it is in its custom properties (writers/docx_properties.py: matrix id,
version, language, customer, fingerprint); each matrix row carries a bookmark named after its activity
id (`writers.docx.row_bookmark`), which Word and LibreOffice keep through editing, saving and
table reflow, where row positions would not survive an added or deleted row. Role cells are
read with pending tracked changes applied (or rejected), compared with the standard matrix and
the customer's deviations, and turned into deviations whose reason is the Word comment
anchored on the row. Anything else legal changed (wording, rows, text outside role cells, role
letters outside the legend) cannot become a deviation: it is reported with its place, never
dropped in silence.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml.etree import _Element as Element

from ..i18n import labels
from ..infra.diagnostics import Diagnostic, InputError, error, warning
from ..infra.yamlsource import read_bytes
from ..infra.zipcheck import zip_problem
from ..model import Activity, Matrix, RoleCell, format_roles, limits, parse_roles, plain
from ..writers.docx import row_bookmark
from .docx_budget import budget_hint, docx_over_budget

INSERTED = {qn("w:ins"), qn("w:moveTo")}
DELETED = {qn("w:del"), qn("w:moveFrom")}
TEXT = (qn("w:t"), qn("w:delText"))
# what the writer puts in a role cell beside the letters: non-breaking spaces and a dash for none
_ROLE_NOISE = re.compile(r"[\u00a0\u2002\u2009\u202f–—-]+")


@dataclass
class RowRead:
    activity: Activity
    section: str
    roles: dict[str, Optional[str]]  # party id -> canonical letters, None for no role
    comments: list[str] = field(default_factory=list)  # texts of the Word comments anchored on the row
    comment_ids: list[str] = field(default_factory=list)


def refuse(path: Path, message: str, hint: str, *, unreadable: bool = True) -> InputError:
    return InputError([error(path, message, hint=hint)], unreadable=unreadable)


def open_docx(path: Path) -> tuple[DocxDocument, bytes]:
    """python-docx's Document (and the file's bytes), after checking that it is a regular file,
    a DOCX-sized zip (no zip bombs) and that its XML holds no more than an annex's review copy
    can (readers/docx_budget.py: elements, paragraphs, rows, tracked changes, comments)."""
    from docx import Document
    data = read_bytes(path, max_bytes=limits.MAX_DOCX_BYTES, what="DOCX file")
    hint = "give the DOCX annex built (annex build ... --format docx --review), saved as .docx"
    problem = zip_problem(data, max_bytes=limits.MAX_DOCX_BYTES, max_expanded=limits.MAX_DOCX_EXPANDED,
                          max_entries=limits.MAX_DOCX_ENTRIES)
    if problem:
        raise refuse(path, problem, hint)
    problem = docx_over_budget(zipfile.ZipFile(io.BytesIO(data)))
    if problem:
        raise refuse(path, problem, budget_hint(path))
    try:
        return Document(io.BytesIO(data)), data
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise refuse(path, f"cannot be opened as a DOCX: {type(exc).__name__}: {exc}", hint) from None


# ---- text with tracked changes applied or rejected ----

def _inside(node: Element, stop: Element, tags: set[str]) -> bool:
    for parent in node.iterancestors():
        if parent is stop:
            return False
        if parent.tag in tags:
            return True
    return False


def text_of(element: Element, *, accepted: bool = True) -> str:
    """The text as it reads with every pending tracked change accepted (or rejected)."""
    out = []
    for node in element.iter(*TEXT):
        inserted, deleted = _inside(node, element, INSERTED), _inside(node, element, DELETED)
        if node.tag == qn("w:delText"):
            deleted = True
        keep = not deleted if accepted else not inserted
        if keep and node.text:
            out.append(node.text)
    return "".join(out)


def has_changes(element: Element) -> bool:
    return any(True for _ in element.iter(*(INSERTED | DELETED)))


def comment_ids(element: Element) -> list[str]:
    ids = [e.get(qn("w:id")) for e in element.iter(qn("w:commentRangeStart"), qn("w:commentReference"))]
    return list(dict.fromkeys(i for i in ids if i is not None))


def comments_of(document: DocxDocument) -> dict[str, str]:
    """Comment id -> its text (paragraphs joined by a space)."""
    try:
        return {str(c.comment_id): " ".join(p.text.strip() for p in c.paragraphs if p.text.strip())
                for c in document.comments}
    except Exception:  # a document without a comments part
        return {}


def role_cell(text: str) -> RoleCell:
    return parse_roles(_ROLE_NOISE.sub(" ", text).strip() or None)


# ---- reading ----

def read_review(path: Path, matrix: Matrix, document: DocxDocument, *, accepted: bool = True
                ) -> tuple[list[RowRead], list[Diagnostic], dict[str, str]]:
    """Every bookmarked matrix row with its roles, every edit that cannot be a deviation, and the
    reasons of the deviations table (activity id -> reason, as legal left them)."""
    reader = _ReviewReader(path, matrix, comments_of(document), accepted)
    rows: list[RowRead] = []
    for child in document.element.body:
        if child.tag == qn("w:p"):
            reader.paragraph(child)
        elif child.tag == qn("w:tbl") and not reader.reasons_table(child):
            rows += reader.table(child)
    return rows, reader.findings, reader.reasons


class _ReviewReader:
    """What reading one reviewed DOCX needs and finds, body element by body element."""

    def __init__(self, path: Path, matrix: Matrix, comments: dict[str, str], accepted: bool) -> None:
        self.path, self.comments, self.accepted = path, comments, accepted
        self.anchors: dict[str, tuple[str, Activity]] = {}  # a row's bookmark -> (section title, activity)
        self.reason_anchors: dict[str, str] = {}  # a deviations table row's bookmark -> activity id
        for _, section in matrix.walk():
            for a in section.activities:
                self.anchors[row_bookmark(a.id)] = (section.title, a)
                self.reason_anchors[row_bookmark(a.id, "d")] = a.id
        self.parties = [p.id for p in matrix.parties]
        self.legend = {e.code for e in matrix.legend} or {"R", "A", "C", "I"}
        # the writer appends " [Dérogation 2]" to a deviating row's text: not legal's wording
        self.mark = re.compile(rf"\s*\[{re.escape(labels(matrix.lang).deviation_mark)} \d+\]\s*$")
        self.findings: list[Diagnostic] = []
        self.reasons: dict[str, str] = {}
        self.heading, self.paragraphs = "", 0

    def place(self, what: str) -> str:
        return f"section « {self.heading} », {what}" if self.heading else what

    def edited(self, where: str, element: Element, what: str, hint: str) -> None:
        """An edit that cannot become a deviation, shown as the text before -> after."""
        before, after = _short(text_of(element, accepted=False)), _short(text_of(element))
        self.findings.append(error(self.path, f"{self.place(where)}: {what} (« {before} » -> « {after} »)",
                                   hint=hint, code="review-outside-roles"))

    def stray_comments(self, where: str, element: Element) -> None:
        for cid in comment_ids(element):
            self.findings.append(warning(self.path, f"{self.place(where)}: comment not on a matrix row, not used: "
                                         f"« {_short(self.comments.get(cid, ''))} »", code="review-comment"))

    def paragraph(self, p: Element) -> None:
        self.paragraphs += 1
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and (style.get(qn("w:val")) or "").lower().startswith("heading"):
            self.heading = text_of(p).split("\u2002", 1)[-1].strip()
        where = f"paragraph {self.paragraphs}"
        if has_changes(p):
            self.edited(where, p, "text edited outside the role cells",
                        "annex text comes from the matrix; agree wording changes with the provider, or reject "
                        "the change")
        self.stray_comments(where, p)

    def reasons_table(self, table: Element) -> bool:
        """The deviations table (its rows carry `d_` bookmarks): a reason legal rewrote there is
        kept; any other edit in it is reported. False when the table is another one."""
        anchors = self.reason_anchors
        marked = [(tr, next((anchors[b.get(qn("w:name"))] for b in tr.iter(qn("w:bookmarkStart"))
                             if b.get(qn("w:name")) in anchors), None)) for tr in table.findall(qn("w:tr"))]
        if not any(aid for _, aid in marked):
            return False
        for tr, aid in marked:
            cells = tr.findall(qn("w:tc"))
            if aid and len(cells) == 5:
                self.reasons[aid] = " ".join(text_of(cells[4], accepted=self.accepted).split())
                others = cells[:4]
            else:
                others = [tr]
            if any(has_changes(c) for c in others):
                self.edited(f"deviations table, {f'activity `{aid}`' if aid else 'a row'}", tr,
                            "edited outside the reason",
                            "agreed roles are read from the matrix rows; change them there")
        return True

    def table(self, table: Element) -> list[RowRead]:
        """One table: a matrix table (its rows carry activity bookmarks) or another one."""
        trs = table.findall(qn("w:tr"))
        names = [[b.get(qn("w:name")) for b in tr.iter(qn("w:bookmarkStart"))] for tr in trs]
        if not any(n in self.anchors for row in names for n in row):
            if has_changes(table):
                self.edited("a table outside the matrix", table, "edited",
                            "only role cells of the matrix can be read back")
            self.stray_comments("a table outside the matrix", table)
            return []
        out = []
        for i, (tr, row_names) in enumerate(zip(trs, names, strict=True), start=1):
            known = next((self.anchors[n] for n in row_names if n in self.anchors), None)
            tr_pr = tr.find(qn("w:trPr"))
            if tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None:
                if has_changes(tr):
                    self.findings.append(error(self.path, f"{self.place('table header')}: edited",
                                               code="review-outside-roles",
                                               hint="column headings come from the matrix; reject the change"))
                continue
            if known is None:
                self.findings.append(error(self.path, f"{self.place(f'row {i}')}: a row that is not a matrix "
                                           f"activity (« {_short(text_of(tr))} ») was added",
                                           hint="new activities come from a new matrix version; remove the row",
                                           code="review-row-added"))
                continue
            row = self.row(tr, tr_pr, known)
            if row is not None:
                out.append(row)
        return out

    def row(self, tr: Element, tr_pr: Optional[Element], known: tuple[str, Activity]) -> Optional[RowRead]:
        section, activity = known
        where = self.place(f"activity `{activity.id}`")
        problem = self._row_problem(tr, tr_pr, where)
        if problem:
            self.findings.append(problem)
            return None
        cells = tr.findall(qn("w:tc"))
        text = self.mark.sub("", text_of(cells[0], accepted=self.accepted)).strip()
        if " ".join(text.split()) != " ".join(plain(activity.text).split()):
            standard = _short(plain(activity.text), 80)
            self.findings.append(error(self.path, f"{where}: activity wording edited: « {standard} » -> "
                                       f"« {_short(text, 80)} »", code="review-wording",
                                       hint="wording comes from the matrix; reject the change or ask for a new "
                                            "version"))
        roles: dict[str, Optional[str]] = {}
        for party, cell in zip(self.parties, cells[1:], strict=True):
            raw = text_of(cell, accepted=self.accepted)
            parsed = role_cell(raw)
            if parsed.unknown or any(ch not in self.legend for ch in parsed.letters):
                self.findings.append(error(self.path, f"{where}, party `{party}`: « {raw.strip()} » is not role "
                                           f"letters of the legend ({', '.join(sorted(self.legend))})",
                                           code="review-bad-role", hint="write role letters only, e.g. RA or C I"))
                return None
            roles[party] = format_roles(parsed.letters, parsed.marks) or None
        ids = comment_ids(tr)
        return RowRead(activity, section, roles, [self.comments[c] for c in ids if self.comments.get(c)], ids)

    def _row_problem(self, tr: Element, tr_pr: Optional[Element], where: str) -> Optional[Diagnostic]:
        """Why a matrix row cannot be read at all: deleted or inserted whole, or other cells."""
        for tag, state in ((qn("w:del"), "deleted"), (qn("w:ins"), "inserted")):
            if tr_pr is not None and tr_pr.find(tag) is not None and (self.accepted or state == "inserted"):
                return error(self.path, f"{where}: the row was {state}", code="review-row-deleted",
                             hint="activities come from the matrix; reject the change (a role the customer "
                                  "does not hold is written as an empty cell)")
        cells = len(tr.findall(qn("w:tc")))
        if cells != 1 + len(self.parties):
            return error(self.path, f"{where}: the row has {cells} cells instead of {1 + len(self.parties)}",
                         code="review-cells", hint="keep one activity cell and one role cell per party")
        return None


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"
