"""Every annex has a status: a watermarked draft preview, issued (once per fingerprint), sent,
signed by the customer, countersigned, superseded by a newer matrix version; the list filters
by status, customer, matrix and date, and the dashboard says what waits on whom."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil

import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.conftest import DATA

from .conftest import create_customer, login, make_app

S3 = "s3-object-storage"


def _preview(client, cid="acme", lang="fr"):
    return client.post(f"/customers/{cid}/preview", data={"csrf": client.csrf, "matrix": S3, "lang": lang})


def _issue(client, cid="acme", lang="fr", **extra):
    r = client.post(f"/customers/{cid}/issue", data={"csrf": client.csrf, "matrix": S3, "lang": lang, **extra},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"]


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/annexes/(\d+)">#', html)]


@pytest.fixture
def data_dir(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    return copy


@pytest.fixture
def sales(tmp_path, data_dir):
    with TestClient(make_app(tmp_path, data_dir=data_dir)) as client:
        client.csrf = login(client, "sam")
        create_customer(client, client.csrf)
        yield client


def test_a_preview_is_a_watermarked_draft_in_the_register(sales):
    r = _preview(sales)
    assert r.status_code == 200 and 'id="preview-note"' in r.text and "PROJET watermark" in r.text
    url = re.search(r'href="(/files/[0-9a-f]{64}\.pdf\?[^"]+)"', r.text).group(1).replace("&amp;", "&")
    pdf = sales.get(url)
    assert "PROJET" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()  # an approved matrix too
    assert pdf.headers["content-disposition"].endswith('_fr_v1.0.0_preview.pdf"')
    page = sales.get("/annexes", params={"status": "preview"}).text
    [aid] = _ids(page)
    assert "Draft preview" in page
    _preview(sales)  # a second preview brings the same draft up to date
    assert _ids(sales.get("/annexes", params={"status": "preview"}).text) == [aid]
    assert "_preview.pdf" in sales.get(f"/annexes/{aid}/pdf").headers["content-disposition"]


def test_issuing_the_same_annex_twice_adds_no_register_row(sales):
    _preview(sales)
    first = _issue(sales)
    assert first.endswith("?done=issued")
    again = _issue(sales)
    assert again.split("?")[0] == first.split("?")[0] and again.endswith("?done=again")
    assert "issued already with the same content" in sales.get(again).text
    assert len(_ids(sales.get("/annexes").text)) == 1  # the preview became the issued annex
    issued = pypdf.PdfReader(io.BytesIO(sales.get(first.split("?")[0] + "/pdf").content))
    assert "PROJET" not in issued.pages[0].extract_text()


def test_issue_and_download_in_one_step(sales):
    location = _issue(sales, download="pdf")
    page = sales.get(location).text
    aid = location.split("?")[0].rsplit("/", 1)[1]
    assert f'<meta http-equiv="refresh" content="0;url=/annexes/{aid}/pdf">' in page


def test_sent_then_waiting_on_the_customer(sales):
    aid = _issue(sales).split("?")[0].rsplit("/", 1)[1]
    board = sales.get("/dashboard").text
    assert f'href="/annexes/{aid}"' in board.split('id="waits-sales"')[1].split("</section>")[0]
    r = sales.post(f"/annexes/{aid}/sent", data={"csrf": sales.csrf}, follow_redirects=False)
    page = sales.get(r.headers["location"]).text
    assert "is marked as sent to the customer" in page and 'id="status">Sent to the customer<' in page
    board = sales.get("/dashboard").text
    assert f'href="/annexes/{aid}"' in board.split('id="waits-customer"')[1].split("</section>")[0]
    assert sales.post(f"/annexes/{aid}/sent", data={"csrf": "forged"}).status_code == 403


def test_a_newer_matrix_version_supersedes_the_annex(sales, data_dir):
    aid = _issue(sales).split("?")[0].rsplit("/", 1)[1]
    matrix = data_dir / "matrices" / S3 / "fr.yaml"
    matrix.write_text(matrix.read_text("utf-8").replace("version: 1.0.0\n", "version: 1.1.0\n", 1), "utf-8")
    page = sales.get(f"/annexes/{aid}").text
    assert 'id="status">Superseded by a newer matrix version<' in page
    assert _ids(sales.get("/annexes", params={"status": "superseded"}).text) == [int(aid)]
    assert _ids(sales.get("/annexes", params={"status": "issued"}).text) == []


def test_the_list_filters_by_customer_matrix_and_date(sales):
    create_customer(sales, sales.csrf, id="beta", name="Beta SARL")
    a, b = (int(_issue(sales, cid).split("?")[0].rsplit("/", 1)[1]) for cid in ("acme", "beta"))
    assert sorted(_ids(sales.get("/annexes").text)) == [a, b]
    assert _ids(sales.get("/annexes", params={"customer": "beta"}).text) == [b]
    assert _ids(sales.get("/annexes", params={"matrix": "iaas"}).text) == []
    today = dt.date.today()  # the register's clock: the rows were made just now
    assert len(_ids(sales.get("/annexes", params={"since": str(today - dt.timedelta(days=1))}).text)) == 2
    assert _ids(sales.get("/annexes", params={"until": str(today - dt.timedelta(days=2))}).text) == []
    assert sales.get("/annexes", params={"status": "bogus"}).status_code == 400
    assert sales.get("/annexes", params={"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("trusted", [False, True])
def test_the_signed_upload_says_when_the_service_trusts_no_signer(tmp_path, data_dir, trusted):
    """Without --trust or --provider-cert no signed PDF can be recorded: the form says so before
    legal uploads one, not after every check ran."""
    certs = (tmp_path / "provider.pem",) if trusted else ()
    with TestClient(make_app(tmp_path, data_dir=data_dir, provider_certs=certs)) as client:
        client.csrf = login(client, "leo")
        create_customer(client, client.csrf)
        page = client.get(_issue(client)).text
        assert 'action="/legal/signed"' in page
        assert ('id="no-trust"' in page) is not trusted
        if not trusted:
            assert "--trust ROOT.pem" in page.split('id="no-trust"')[1].split("</p>")[0]
