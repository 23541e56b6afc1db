"""Where each annex of the register stands, and who it waits on.

An annex moves forward only: a preview (watermarked, never sent), issued (the files to send),
sent to the customer, signed by the customer, countersigned by the provider. An annex whose
matrix has a newer version than the one it was made from is shown as superseded, whatever it
was: that is read from the matrices at the time of asking, not stored.
"""
from __future__ import annotations

from typing import Optional

STORED = ("preview", "issued", "sent", "customer_signed", "countersigned")
SHOWN = STORED + ("superseded",)
# whose move it is next, for the dashboard
WAITS_ON = {"preview": "sales", "issued": "sales", "sent": "customer", "customer_signed": "legal",
            "countersigned": "", "superseded": "sales"}


def rank(status: str) -> int:
    return STORED.index(status)


def shown_status(stored: str, version: str, current: Optional[str]) -> str:
    """The status to show: `superseded` once the matrix has a version other than the annex's
    (`current`, None when the matrix cannot be read now: the stored status stands)."""
    if current is not None and current != version and stored != "preview":
        return "superseded"
    return stored


def advance(stored: str, to: str) -> str:
    """The status after an event: never backwards (a late `sent` after a signature keeps it signed)."""
    return to if rank(to) > rank(stored) else stored


def signed_status(signed_fields: set[str], parties: list[str]) -> Optional[str]:
    """`countersigned` when every party's signature field is signed, `customer_signed` when the
    customer's (the matrix's first party) is, else None."""
    if parties and all(p in signed_fields for p in parties):
        return "countersigned"
    if parties and parties[0] in signed_fields:
        return "customer_signed"
    return None
