"""What a reviewed DOCX proposes, as legal reads it: per activity its text, the standard roles,
the roles proposed, and whether that is a new deviation, one the customer has already (kept)
or one of the customer's that the review drops (removed: it goes when the proposals are saved)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..model.inline import plain
from .matrices import in_lang


@dataclass(frozen=True)
class ProposalRow:
    index: Optional[int]  # the proposal's number (None for a removed deviation: nothing to accept)
    activity: str
    text: str
    standard: tuple[tuple[str, str], ...]  # (party label, letters)
    proposed: tuple[tuple[str, str], ...]
    change: str  # new, kept, removed
    reason: str


def _roles(matrix, roles: dict) -> tuple[tuple[str, str], ...]:
    parties = matrix.parties if matrix is not None else ()
    labels = {p.id: p.label for p in parties}
    order = [p.id for p in parties] + sorted(k for k in roles if k not in labels)
    return tuple((labels.get(p, p), str(roles.get(p) or "–")) for p in order)


def proposal_rows(data_dir: Path, customer: dict, proposals: list[dict], lang: str) -> list[ProposalRow]:
    matrix_ids = {str(p.get("matrix") or "") for p in proposals}
    own = {(str(d.get("matrix") or (customer.get("matrices") or [""])[0]), str(d.get("activity"))): d
           for d in customer.get("deviations") or []}
    rows = []
    for i, p in enumerate(proposals):
        mid, aid = str(p.get("matrix") or ""), str(p.get("activity") or "")
        matrix = in_lang(data_dir, mid, lang)
        activity = matrix.activity(aid) if matrix is not None else None
        before = own.get((mid, aid))
        change = "kept" if before is not None and before.get("roles") == p.get("roles") else "new"
        rows.append(ProposalRow(i, aid, plain(activity.text) if activity else aid,
                                _roles(matrix, dict(activity.roles) if activity else {}),
                                _roles(matrix, dict(p.get("roles") or {})), change, str(p.get("reason") or "")))
    proposed = {(str(p.get("matrix") or ""), str(p.get("activity") or "")) for p in proposals}
    for (mid, aid), d in own.items():
        if mid in matrix_ids and (mid, aid) not in proposed:
            matrix = in_lang(data_dir, mid, lang)
            activity = matrix.activity(aid) if matrix is not None else None
            rows.append(ProposalRow(None, aid, plain(activity.text) if activity else aid,
                                    _roles(matrix, dict(activity.roles) if activity else {}),
                                    _roles(matrix, dict(d.get("roles") or {})), "removed", str(d.get("reason") or "")))
    return rows
