"""A PDF's pages as PNG images, for the web's preview (PDFium, from the pypdfium2 wheel: no
system package)."""
from __future__ import annotations

import io

MAX_PREVIEW_PAGES = 40


def page_images(pdf: bytes, scale: float = 1.0) -> list[bytes]:
    """Each page of a PDF (the first MAX_PREVIEW_PAGES) as PNG bytes."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(min(len(doc), MAX_PREVIEW_PAGES)):
            page = doc[i]
            image = page.render(scale=scale).to_pil()
            buf = io.BytesIO()
            image.save(buf, format="PNG", optimize=False)
            out.append(buf.getvalue())
            page.close()
        return out
    finally:
        doc.close()
