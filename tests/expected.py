"""What every writer must print, computed from the annex model alone."""
from __future__ import annotations

from generator.model import plain


def model_rows(annex) -> list[tuple[str, str, tuple[str, ...]]]:
    """(section title, activity text as read, roles per party) in reading order. A deviating
    row carries its reference mark; a party with no role shows a dash."""
    out = []
    for section, row in annex.rows():
        text = plain(row.text)
        if row.deviation:
            text += f" [{annex.labels.deviation_mark} {row.deviation}]"
        out.append((section.title, " ".join(text.split()),
                    tuple(" ".join(c.letters + c.marks) or "–" for c in row.roles)))
    return out
