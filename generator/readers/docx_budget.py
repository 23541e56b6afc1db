"""Is a DOCX from outside within the work `review-import` can afford? Asked before python-docx
parses it into a tree.

The zip check (infra/zipcheck.py) bounds the bytes; this bounds what the XML holds, whatever it
compresses to: a 213 KiB DOCX of a million empty paragraphs, or 300 KiB expanding to tens of
megabytes of elements, made python-docx and the reader take 1.5 GB and minutes. Each XML part
is streamed through lxml's parser into a counting target (no tree is built, so memory stays
flat) and the first limit crossed stops the reading with the part and the figure named.
Entities are not resolved and nothing is fetched (XXE), as everywhere annex reads XML.
"""
from __future__ import annotations

import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Optional

from lxml import etree

from ..model import limits

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REVISIONS = {W + t for t in ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "tblPrChange",
                             "tblPrExChange", "trPrChange", "tcPrChange", "tblGridChange", "sectPrChange",
                             "numberingChange", "cellIns", "cellDel", "cellMerge")}
# what is counted, its limit, and how a message names it
COUNTED = (("elements", limits.MAX_DOCX_ELEMENTS, "XML elements"),
           ("paragraphs", limits.MAX_DOCX_PARAGRAPHS, "paragraphs"),
           ("rows", limits.MAX_DOCX_ROWS, "table rows"),
           ("revisions", limits.MAX_DOCX_REVISIONS, "tracked changes"),
           ("comments", limits.MAX_DOCX_COMMENTS, "comments"))
KIND = {W + "p": "paragraphs", W + "tr": "rows", W + "comment": "comments", **{t: "revisions" for t in REVISIONS}}
CHUNK = 64 * 1024


class OverBudget(Exception):
    """A limit crossed: the message says which, and in which part."""


class _Counter:
    """An lxml parser target that counts as elements open and refuses past a limit."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts, self.part = counts, ""

    def start(self, tag: str, attrib: object) -> None:
        self.counts["elements"] += 1
        kind = KIND.get(tag)
        if kind:
            self.counts[kind] += 1
        if self.counts["elements"] > limits.MAX_DOCX_ELEMENTS or (kind and self.counts[kind] > LIMIT[kind]):
            what = kind or "elements"
            raise OverBudget(f"{self.part}: more than {LIMIT[what]:,} {NAME[what]} in the document")

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


LIMIT = {key: limit for key, limit, _ in COUNTED}
NAME = {key: name for key, _, name in COUNTED}


def docx_over_budget(package: zipfile.ZipFile) -> Optional[str]:
    """Why the package's XML is more than review-import reads (what, where, the limit), or None.

    Every part is offered to the parser, whatever its name (python-docx goes by content type,
    so `word/document.bin` can be the document): one that is not XML fails on its first bytes,
    and what it held before does not count against the limits."""
    counts: Counter[str] = Counter()
    target = _Counter(counts)
    try:
        for entry in package.infolist():
            target.part = entry.filename
            counts["bytes"] += _count_part(package, entry, target)
            if counts["bytes"] > limits.MAX_DOCX_XML_BYTES:
                return f"its XML parts expand to more than {limits.MAX_DOCX_XML_BYTES:,} bytes"
    except OverBudget as exc:
        return str(exc)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        return f"cannot be expanded: {exc}"
    return None


def _count_part(package: zipfile.ZipFile, entry: zipfile.ZipInfo, target: _Counter) -> int:
    """Stream one part through the counting parser; the bytes it read as XML (0 if not XML)."""
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False)
    read, elements = 0, target.counts["elements"]
    with package.open(entry) as stream:  # never more than the declared size: zipfile stops there
        try:
            while chunk := stream.read(CHUNK):
                parser.feed(chunk)
                read += len(chunk)
                if read > limits.MAX_DOCX_XML_BYTES:
                    break
            parser.close()
        except etree.XMLSyntaxError:
            # not XML (a font, an image: at once), or broken XML, which python-docx reports
            # with its own words if it is a part it reads
            return read if target.counts["elements"] > elements else 0
    return read


def budget_hint(path: Path) -> str:
    return (f"{path.name} holds far more than an annex's review copy (see README.md, Limits); give the DOCX "
            "annex built, as legal saved it")
