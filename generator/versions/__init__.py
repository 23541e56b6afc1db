"""Matrix versions: what changed between two versions (compare), told as text, JSON or a
change notice (render, notice), and the sides a comparison reads (sources)."""
from .compare import KINDS, Change, Diff, compare
from .render import Notice, diff_payload, make_notice, to_json, to_markdown, to_text
from .sources import Side, load_side

__all__ = ["KINDS", "Change", "Diff", "Notice", "Side", "compare", "diff_payload", "load_side", "make_notice",
           "to_json", "to_markdown", "to_text"]
