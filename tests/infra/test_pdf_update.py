"""infra/pdf_update.py: changes appended as an incremental update, the original bytes untouched."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pikepdf
import pytest

from generator.infra.pdf_update import Update


def _small_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    out = io.BytesIO()
    pdf.save(out, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _updated(original: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(original)) as pdf:
        update = Update(original, pdf)
        note = update.new(pikepdf.Dictionary(Kind=pikepdf.Name.Note, Text=pikepdf.String("été")))
        stream = update.new_stream(b"0 0 m 10 10 l S", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                   BBox=pikepdf.Array([0, 0, 10, 10]))
        note.Drawing = stream
        pdf.Root.Note = note
        update.changed(pdf.Root)
        return update.write()


def test_the_update_follows_the_original_bytes_and_reads_back():
    original = _small_pdf()
    updated = _updated(original)
    assert updated.startswith(original) and updated.count(b"%%EOF") == original.count(b"%%EOF") + 1
    with pikepdf.open(io.BytesIO(updated)) as pdf, pikepdf.open(io.BytesIO(original)) as before:
        assert str(pdf.Root.Note.Text) == "été" and pdf.Root.Note.Kind == "/Note"
        assert pdf.Root.Note.Drawing.read_bytes() == b"0 0 m 10 10 l S"
        assert len(pdf.pages) == 1 and "/Note" not in before.Root
        assert int(pdf.trailer.Prev) == int(original.rsplit(b"startxref", 1)[1].split()[0])
        assert int(pdf.trailer.Size) == int(before.trailer.Size) + 2
        assert bytes(pdf.trailer.ID[0]) == bytes(before.trailer.ID[0])
        assert bytes(pdf.trailer.ID[1]) != bytes(before.trailer.ID[1])


def test_the_same_changes_give_the_same_bytes():
    original = _small_pdf()
    assert _updated(original) == _updated(original)


def test_a_direct_object_cannot_be_rewritten_on_its_own():
    original = _small_pdf()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        with pytest.raises(ValueError, match="indirect"):
            Update(original, pdf).changed(pikepdf.Dictionary(A=1))


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="Poppler's pdfinfo is not installed")
def test_poppler_reads_the_updated_file_without_complaint(tmp_path):
    path = tmp_path / "updated.pdf"
    path.write_bytes(_updated(_small_pdf()))
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr == "" and re.search(r"^Pages: +1$", out.stdout, re.M)
