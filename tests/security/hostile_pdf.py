"""Hostile annex PDFs, built from a real annex the way an attacker would: incremental updates
appended to the signed bytes (which stay intact), as pyHanko writes them or by hand where a
writer would refuse to produce them."""
from __future__ import annotations

import io
import re


def _trailer(data: bytes) -> tuple[int, int, bytes]:
    """(offset of the last xref section, its /Size, the trailer entries an update repeats)."""
    prev = int(data[data.rindex(b"startxref"):].split()[1])
    section = data[prev:]
    size = int(re.search(rb"/Size (\d+)", section).group(1))
    keep = b" ".join(m.group(0) for k in (rb"/Root \d+ \d+ R", rb"/Info \d+ \d+ R", rb"/ID \[[^\]]*\]")
                     if (m := re.search(k, section)))
    return prev, size, keep


def empty_updates(data: bytes, count: int) -> bytes:
    """`count` empty incremental updates: each an xref stream that lists only itself (~200 bytes)."""
    prev, size, keep = _trailer(data)
    out = bytearray(data)
    for _ in range(count):
        n, offset = size, len(out)
        row = b"\x01" + offset.to_bytes(4, "big") + b"\x00\x00"
        out += (b"%d 0 obj\n<< /Type /XRef /Size %d %s /Prev %d /Index [%d 1] /W [1 4 2] /Length %d >>\nstream\n"
                % (n, n + 1, keep, prev, n, len(row)) + row + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offset)
        prev, size = offset, n + 1
    return bytes(out)


def nested_trailer(data: bytes, depth: int) -> bytes:
    """One update whose trailer holds an array nested `depth` levels deep."""
    prev, size, keep = _trailer(data)
    offset = len(data)
    return data + (b"xref\n0 0\ntrailer\n<< /Size %d %s /Prev %d /Junk " % (size, keep, prev)
                   + b"[" * depth + b"]" * depth + b" >>\nstartxref\n%d\n%%%%EOF\n" % offset)


def swap_attachment(data: bytes, replacement: bytes) -> bytes:
    """One incremental update that replaces the embedded `annex-data.json` with `replacement`
    and rewrites its description and the document's keywords to the replacement's SHA-256:
    only the pages (and the signatures) still tell the original."""
    import hashlib

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    old = spec["/EF"]["/F"].get_object()
    digest = hashlib.sha256(replacement).hexdigest()
    stream = generic.StreamObject({generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile"),
                                   generic.NameObject("/Subtype"): old["/Subtype"]}, stream_data=replacement)
    stream.compress()
    spec["/EF"] = generic.DictionaryObject({generic.NameObject("/F"): writer.add_object(stream),
                                            generic.NameObject("/UF"): writer.add_object(stream)})
    spec["/Desc"] = generic.TextStringObject(f"Canonical JSON (SHA-256 {digest})")
    writer.update_container(spec)
    info = writer.trailer["/Info"]
    info["/Keywords"] = generic.TextStringObject(re.sub(r"[0-9a-f]{12}$", digest[:12], str(info["/Keywords"])))
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def nested_catalog(data: bytes, depth: int) -> bytes:
    """One update that rewrites the catalog with an array nested `depth` levels deep in it:
    the file opens, and the first reader that walks the catalog of the last revision meets it."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(io.BytesIO(data))
    ref = reader.root_ref
    body = io.BytesIO()
    reader.root.write_to_stream(body)
    catalog = body.getvalue().rstrip()
    assert catalog.endswith(b">>")
    prev, size, keep = _trailer(data)
    offset = len(data)
    obj = b"%d %d obj\n" % (ref.idnum, ref.generation) + catalog[:-2] + b" /Junk " + b"[" * depth + b"]" * depth \
        + b" >>\nendobj\n"
    xref = len(data) + len(obj)
    return data + obj + (b"xref\n0 1\n0000000000 65535 f\r\n%d 1\n%010d %05d n\r\ntrailer\n<< /Size %d %s /Prev %d >>\n"
                         b"startxref\n%d\n%%%%EOF\n" % (ref.idnum, offset, ref.generation, size, keep, prev, xref))
