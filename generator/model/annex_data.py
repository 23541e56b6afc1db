"""What an annex PDF carries inside it, named once: the embedded file of the annex's canonical
JSON (the fingerprint is its SHA-256) and the change notice's. Writers attach under these names;
`annex diff`, `verify` and signing read them back under the same names."""
from __future__ import annotations

ATTACHMENT_NAME = "annex-data.json"  # an annex's inputs: matrix, customer context, deviations
NOTICE_ATTACHMENT_NAME = "annex-notice.json"  # a change notice's payload (versions/render.Notice.payload)
MEDIA_TYPE = "application/json"
RELATIONSHIP = "Data"  # PDF/A-3 /AFRelationship: the file is the data the document was made from
