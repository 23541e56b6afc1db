"""The annex data inside an annex PDF, read back as diff, verify and the web read it."""
from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest

from generator.infra.diagnostics import InputError
from generator.readers.annex_pdf import embedded_data, read_annex_data

from ..conftest import load_customer, make_annex
from ..security import hostile_pdf


@pytest.fixture(scope="module")
def built():
    from generator.writers import pdf
    annex = make_annex("fr", load_customer("banque-horizon"))
    return annex, pdf.render(annex)


def test_the_data_is_the_annex_fingerprinted_payload(built, tmp_path):
    annex, data = built
    path = tmp_path / "annex.pdf"
    path.write_bytes(data)
    found = read_annex_data(path)[2]
    assert found.fingerprint == annex.stamp.fingerprint == hashlib.sha256(found.raw).hexdigest()
    assert found.in_metadata
    assert found.payload["matrix"]["id"] == "s3-object-storage" and found.payload["customer"]["id"] == "banque-horizon"
    with pikepdf.open(io.BytesIO(data)) as doc:  # what any PDF reader finds attached
        assert doc.attachments["annex-data.json"].get_file().read_bytes() == found.raw


def test_an_update_that_keeps_the_data_is_accepted_and_one_that_replaces_it_is_not(built):
    annex, data = built
    assert embedded_data(hostile_pdf.empty_updates(data, 3), "upload.pdf").fingerprint == annex.stamp.fingerprint
    forged = hostile_pdf.swap_attachment(data, b'{"matrix": {"id": "s3-object-storage"}}')
    with pytest.raises(InputError) as caught:
        embedded_data(forged, "upload.pdf")
    assert not caught.value.unreadable  # read, and it breaks the rule: exit 1
    assert caught.value.diagnostics[0].message.startswith("`annex-data.json` was replaced in revision 2 of 2")
