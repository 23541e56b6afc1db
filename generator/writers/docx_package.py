"""The DOCX package (the OPC zip) written once, deterministically: fixed entry dates, a fixed entry
order, so the same document gives the same bytes.

python-docx's own save zips every part, and a deterministic re-pack would inflate and deflate
them all again; the brand's embedded fonts alone are ~600 KB to deflate per annex, twice. Here
python-docx's package writer hands over each member's bytes and they are zipped in one pass, and
the binary parts (embedded fonts, images), which are the same in every annex of a brand, are
deflated once per process and their deflated bytes reused: the zip is byte for byte the one
zipfile writes for them (tests/writers/test_docx_package.py).
"""
from __future__ import annotations

import io
import zipfile
import zlib
from functools import lru_cache
from typing import Any, cast

from docx.document import Document as DocxDocument
from docx.opc.packuri import PackURI
from docx.opc.phys_pkg import PhysPkgWriter
from docx.opc.pkgwriter import PackageWriter

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FIRST = ("[Content_Types].xml", "_rels/.rels")  # where readers that stream a package look first


class _Members:
    """python-docx's physical package writer interface, keeping each member's bytes instead of
    zipping them."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self.blobs[pack_uri.membername] = blob


def members(document: DocxDocument) -> tuple[dict[str, bytes], frozenset[str]]:
    """Every member of the package, as python-docx's save writes them ([Content_Types].xml, the
    package relationships, each part and its relationships), and the names of the binary parts."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    # PackageWriter.write is these three steps around a zip writer of its own choosing; _Members
    # has the one method they call on it (PhysPkgWriter's constructor always makes a zip writer)
    collected = _Members()
    sink = cast(PhysPkgWriter, collected)
    PackageWriter._write_content_types_stream(sink, parts)
    PackageWriter._write_pkg_rels(sink, package.rels)
    PackageWriter._write_parts(sink, parts)
    binary = frozenset(p.partname.membername for p in parts if not p.content_type.endswith("xml"))
    return collected.blobs, binary


@lru_cache(maxsize=64)
def _deflated(blob: bytes) -> bytes:
    """`blob` deflated exactly as zipfile deflates a member (default level, raw stream)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(blob) + compressor.flush()


class _Replay:
    """A compressor that hands zipfile bytes deflated earlier."""

    def __init__(self, deflated: bytes) -> None:
        self.deflated = deflated

    def compress(self, data: Any) -> bytes:
        deflated, self.deflated = self.deflated, b""
        return deflated

    def flush(self) -> bytes:
        return b""


def _entry(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def zip_members(blobs: dict[str, bytes], reuse: frozenset[str] = frozenset()) -> bytes:
    """The members as a deterministic zip; those named in `reuse` deflated through the
    process's cache (zipfile still writes their headers, sizes and CRC)."""
    order = [n for n in FIRST if n in blobs] + sorted(n for n in blobs if n not in FIRST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            blob = blobs[name]
            info = _entry(name, len(blob))
            if name not in reuse:
                dst.writestr(info, blob)
                continue
            with dst.open(info, "w") as member:
                # zipfile takes no deflated data: its member writer's compressor is swapped for
                # one that replays the cached bytes (a private attribute since Python 3.3; if it
                # is ever gone, the member is simply deflated again)
                if hasattr(member, "_compressor"):
                    member._compressor = _Replay(_deflated(blob))
                member.write(blob)
    return out.getvalue()


def save(document: DocxDocument) -> bytes:
    """The document's package bytes: the same document, the same bytes."""
    blobs, binary = members(document)
    return zip_members(blobs, reuse=binary)

