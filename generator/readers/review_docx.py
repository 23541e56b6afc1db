"""Legal's reviewed DOCX read back into a customer's `deviations:` list (`annex review-import`).

The DOCX says which annex it is in its custom properties (writers/docx.py: matrix id, version,
language, customer, fingerprint); each matrix row carries a bookmark named after its activity
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml import etree
from lxml.etree import _Element as Element

from ..diagnostics import Diagnostic, InputError, error, warning
from ..i18n import labels
from ..model import Activity, Matrix, RoleCell, format_roles, parse_roles, plain
from ..writers.docx import row_bookmark

MAX_DOCX = 32 * 1024 * 1024
MAX_EXPANDED = 256 * 1024 * 1024
MAX_ENTRIES = 2000
REQUIRED = ("AnnexMatrixId", "AnnexMatrixVersion", "AnnexLanguage")
INSERTED = {qn("w:ins"), qn("w:moveTo")}
DELETED = {qn("w:del"), qn("w:moveFrom")}
TEXT = (qn("w:t"), qn("w:delText"))
# what the writer puts in a role cell beside the letters: non-breaking spaces and a dash for none
_ROLE_NOISE = re.compile(r"[\u00a0\u2002\u2009\u202f–—-]+")
Place = Callable[[str], str]  # `what` -> `section « heading », what`


@dataclass(frozen=True)
class Identity:
    """What the DOCX says it is (its custom properties)."""

    matrix_id: str
    version: str
    lang: str
    customer: str
    fingerprint: str
    document: str = ""  # "change-notice" for a change notice, empty for an annex


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
    """python-docx's Document (and the file's bytes), after checking it is a DOCX-sized zip (no zip bombs)."""
    from docx import Document
    if not path.is_file():
        raise refuse(path, "no such file", "check the path")
    data = path.read_bytes()
    hint = "give the DOCX annex built (annex build ... --format docx --review), saved as .docx"
    if len(data) > MAX_DOCX:
        raise refuse(path, f"is {len(data):,} bytes, over the limit of {MAX_DOCX:,}", hint)
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise refuse(path, "is not a DOCX file (not a zip archive)", hint) from None
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_EXPANDED:
        raise refuse(path, "expands beyond the size of any annex", hint)
    try:
        return Document(io.BytesIO(data)), data
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise refuse(path, f"cannot be opened as a DOCX: {type(exc).__name__}: {exc}", hint) from None


def identity(path: Path, data: bytes) -> Identity:
    """The annex properties of docProps/custom.xml; a DOCX without them was not made by annex."""
    hint = "review-import reads DOCX files made by `annex build` (their File > Properties > Custom)"
    try:
        raw = zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml")
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    except KeyError:
        raise refuse(path, "has no custom properties: it was not made by annex", hint) from None
    except etree.XMLSyntaxError as exc:
        raise refuse(path, f"docProps/custom.xml is not valid XML: {exc}", hint) from None
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and name.startswith("Annex"):
            props[name] = "".join(prop.itertext()).strip()
    missing = [k for k in REQUIRED if not props.get(k)]
    if missing:
        raise refuse(path, f"lacks the annex properties {', '.join(missing)}: it was not made by annex", hint)
    return Identity(props["AnnexMatrixId"], props["AnnexMatrixVersion"], props["AnnexLanguage"],
                    props.get("AnnexCustomer", ""), props.get("AnnexFingerprint", ""), props.get("AnnexDocument", ""))


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
    anchors: dict[str, tuple[str, Activity]] = {}
    reason_anchors: dict[str, str] = {}
    for _, section in matrix.walk():
        for a in section.activities:
            anchors[row_bookmark(a.id)] = (section.title, a)
            reason_anchors[row_bookmark(a.id, "d")] = a.id
    reasons: dict[str, str] = {}
    comments = comments_of(document)
    parties = [p.id for p in matrix.parties]
    legend = {e.code for e in matrix.legend} or {"R", "A", "C", "I"}
    rows: list[RowRead] = []
    findings: list[Diagnostic] = []
    heading, paragraph = "", 0
    # the writer appends " [Dérogation 2]" to a deviating row's text: not legal's wording
    mark = re.compile(rf"\s*\[{re.escape(labels(matrix.lang).deviation_mark)} \d+\]\s*$")

    def place(what: str) -> str:
        return f"section « {heading} », {what}" if heading else what

    for child in document.element.body:
        if child.tag == qn("w:p"):
            paragraph += 1
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is not None and (style.get(qn("w:val")) or "").lower().startswith("heading"):
                heading = text_of(child).split("\u2002", 1)[-1].strip()
            if has_changes(child):
                findings.append(error(path, f"{place(f'paragraph {paragraph}')}: text edited outside the role cells "
                                      f"(« {_short(text_of(child, accepted=False))} » -> « {_short(text_of(child))} »)",
                                      hint="annex text comes from the matrix; agree wording changes with the "
                                           "provider, or reject the change", code="review-outside-roles"))
            for cid in comment_ids(child):
                findings.append(warning(path, f"{place(f'paragraph {paragraph}')}: comment not on a matrix row, "
                                        f"not used: « {_short(comments.get(cid, ''))} »", code="review-comment"))
        elif child.tag == qn("w:tbl") and _read_reasons(path, child, reason_anchors, accepted, place, findings,
                                                        reasons):
            continue
        elif child.tag == qn("w:tbl"):
            rows += _read_table(path, child, anchors, parties, legend, comments, accepted, place, findings, mark)
    return rows, findings, reasons


def _read_reasons(path: Path, table: Element, anchors: dict[str, str], accepted: bool, place: Place,
                  findings: list[Diagnostic], reasons: dict[str, str]) -> bool:
    """The deviations table (its rows carry `d_` bookmarks): a reason legal rewrote there is kept;
    any other edit in it is reported. False when the table is another one."""
    trs = table.findall(qn("w:tr"))
    marked = [(tr, next((anchors[b.get(qn("w:name"))] for b in tr.iter(qn("w:bookmarkStart"))
                         if b.get(qn("w:name")) in anchors), None)) for tr in trs]
    if not any(aid for _, aid in marked):
        return False
    for tr, aid in marked:
        cells = tr.findall(qn("w:tc"))
        if aid and len(cells) == 5:
            reasons[aid] = " ".join(text_of(cells[4], accepted=accepted).split())
            others = cells[:4]
        else:
            others = [tr]
        if any(has_changes(c) for c in others):
            where = f"activity `{aid}`" if aid else "a row"
            findings.append(error(path, f"{place(f'deviations table, {where}')}: edited outside the reason "
                                  f"(« {_short(text_of(tr, accepted=False))} » -> « {_short(text_of(tr))} »)",
                                  hint="agreed roles are read from the matrix rows; change them there",
                                  code="review-outside-roles"))
    return True


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def _read_table(path: Path, table: Element, anchors: dict[str, tuple[str, Activity]], parties: list[str],
                legend: set[str], comments: dict[str, str], accepted: bool, place: Place, findings: list[Diagnostic],
                mark: re.Pattern[str]) -> list[RowRead]:
    """One table: a matrix table (its rows carry activity bookmarks) or another one."""
    trs = table.findall(qn("w:tr"))
    names = [[b.get(qn("w:name")) for b in tr.iter(qn("w:bookmarkStart"))] for tr in trs]
    if not any(n in anchors for row in names for n in row):
        if has_changes(table):
            findings.append(error(path, f"{place('a table outside the matrix')}: edited "
                                  f"(« {_short(text_of(table, accepted=False))} » -> « {_short(text_of(table))} »)",
                                  hint="only role cells of the matrix can be read back", code="review-outside-roles"))
        for cid in comment_ids(table):
            findings.append(warning(path, f"{place('a table outside the matrix')}: comment not on a matrix row, "
                                    f"not used: « {_short(comments.get(cid, ''))} »", code="review-comment"))
        return []
    out = []
    for i, (tr, row_names) in enumerate(zip(trs, names, strict=False), start=1):
        known = next((anchors[n] for n in row_names if n in anchors), None)
        tr_pr = tr.find(qn("w:trPr"))
        if tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None:
            if has_changes(tr):
                findings.append(error(path, f"{place('table header')}: edited", code="review-outside-roles",
                                      hint="column headings come from the matrix; reject the change"))
            continue
        if known is None:
            findings.append(error(path, f"{place(f'row {i}')}: a row that is not a matrix activity "
                                  f"(« {_short(text_of(tr))} ») was added",
                                  hint="new activities come from a new matrix version; remove the row",
                                  code="review-row-added"))
            continue
        row = _read_row(path, tr, tr_pr, known, parties, legend, comments, accepted, place, findings, mark)
        if row is not None:
            out.append(row)
    return out


def _read_row(path: Path, tr: Element, tr_pr: Optional[Element], known: tuple[str, Activity], parties: list[str],
              legend: set[str], comments: dict[str, str], accepted: bool, place: Place, findings: list[Diagnostic],
              mark: re.Pattern[str]) -> Optional[RowRead]:
    section, activity = known
    where = place(f"activity `{activity.id}`")
    for tag, state in ((qn("w:del"), "deleted"), (qn("w:ins"), "inserted")):
        if tr_pr is not None and tr_pr.find(tag) is not None and (accepted or state == "inserted"):
            findings.append(error(path, f"{where}: the row was {state}", code="review-row-deleted",
                                  hint="activities come from the matrix; reject the change (a role the customer "
                                       "does not hold is written as an empty cell)"))
            return None
    cells = tr.findall(qn("w:tc"))
    if len(cells) != 1 + len(parties):
        findings.append(error(path, f"{where}: the row has {len(cells)} cells instead of {1 + len(parties)}",
                              code="review-cells", hint="keep one activity cell and one role cell per party"))
        return None
    text = mark.sub("", text_of(cells[0], accepted=accepted)).strip()
    if " ".join(text.split()) != " ".join(plain(activity.text).split()):
        findings.append(error(path, f"{where}: activity wording edited: « {_short(plain(activity.text), 80)} » -> "
                              f"« {_short(text, 80)} »", code="review-wording",
                              hint="wording comes from the matrix; reject the change or ask for a new version"))
    roles: dict[str, Optional[str]] = {}
    for party, cell in zip(parties, cells[1:], strict=False):
        raw = text_of(cell, accepted=accepted)
        parsed = role_cell(raw)
        bad = [ch for ch in parsed.letters if ch not in legend]
        if parsed.unknown or bad:
            findings.append(error(path, f"{where}, party `{party}`: « {raw.strip()} » is not role letters of the "
                                  f"legend ({', '.join(sorted(legend))})", code="review-bad-role",
                                  hint="write role letters only, e.g. RA or C I"))
            return None
        roles[party] = format_roles(parsed.letters, parsed.marks) or None
    ids = comment_ids(tr)
    return RowRead(activity, section, roles, [comments[c] for c in ids if comments.get(c)], ids)
