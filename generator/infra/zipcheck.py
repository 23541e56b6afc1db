"""Is it a zip of the size a DOCX has? Asked before python-docx (or lxml) inflates anything: a
zip bomb of a few kilobytes can expand to gigabytes. One check, each caller with its limits and
its own way to refuse (an InputError for files, an HTTP answer for uploads)."""
from __future__ import annotations

import io
import zipfile
from typing import Optional


def zip_problem(data: bytes, *, max_bytes: int, max_expanded: int, max_entries: int) -> Optional[str]:
    """Why `data` is not a zip within the limits (bytes, bytes once expanded, entries), or None."""
    if len(data) > max_bytes:
        return f"is {len(data):,} bytes, over the limit of {max_bytes:,}"
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return "is not a DOCX file (not a zip archive)"
    expanded = sum(e.file_size for e in entries)
    if len(entries) > max_entries or expanded > max_expanded:
        return (f"expands to {expanded:,} bytes in {len(entries)} entries, over the limits of "
                f"{max_expanded:,} bytes and {max_entries} entries")
    return None
