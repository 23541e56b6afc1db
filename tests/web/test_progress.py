"""`GET /progress/TOKEN`: where the signed-in user's preview or issue stands, in words for a
person; a token is checked strictly, names only the asker's own job, and one never sent says
nothing but "working"."""
from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from generator.model.matrix import LANGUAGES
from generator.web.i18n import words
from generator.web.progress import STATES, Progress, job_id, said, valid_token

from .conftest import create_customer, login


def _preview(client, csrf: str, job: str, matrix: str = "s3-object-storage"):
    return client.post("/customers/acme/preview", data={"csrf": csrf, "matrix": matrix, "lang": "en", "job": job})


def test_a_token_is_a_lowercase_version_4_uuid_and_nothing_else():
    good = str(uuid.uuid4())
    assert valid_token(good)
    for bad in (good.upper(), good + "0", good[:-1], good + "\n", str(uuid.uuid1()), good.replace("-", ""),
                "../" + good[3:], good[:8] + "/" + good[9:], "", "x" * 10_000, f"{good[:-1]}\u0660"):
        assert not valid_token(bad), bad


def test_a_job_id_is_the_users_own_and_the_tokens():
    token = str(uuid.uuid4())
    ids = {job_id(1, token), job_id(2, token), job_id(1, str(uuid.uuid4())), job_id(12, token)}
    assert len(ids) == 4 and all(i.startswith("annex-web-") and len(i) == 50 for i in ids)
    assert job_id(1, token) == job_id(1, token)  # every web node derives the same id


def test_a_token_never_sent_says_working(client):
    login(client, "sam")
    r = client.get(f"/progress/{uuid.uuid4()}")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json() == {"state": "unknown", "ahead": None, "text": "Working…"}


SOME = "0b7f8c2e-5d1a-4c3b-9e8f-1a2b3c4d5e6f"  # fixed: every test process collects the same parameters


@pytest.mark.parametrize("token", ["not-a-token", "A" * 36, SOME.upper(), SOME + "0", "x" * 5000, "%3Cscript%3E",
                                   SOME.replace("-4c3b-", "-1c3b-")])
def test_a_bad_token_is_refused(client, token):
    login(client, "sam")
    r = client.get(f"/progress/{token}")
    assert r.status_code == 400 and r.json() == {"error": "The request is not valid."}


def test_a_preview_says_done_to_its_user_and_nothing_to_another(app, tmp_path):
    token = str(uuid.uuid4())
    with TestClient(app) as sam, TestClient(app) as leo:
        csrf = login(sam, "sam")
        create_customer(sam, csrf)
        assert _preview(sam, csrf, token).status_code == 200
        assert sam.get(f"/progress/{token}").json() == {"state": "done", "ahead": None,
                                                        "text": "Done: opening the result…"}
        login(leo, "leo")
        assert leo.get(f"/progress/{token}").json() == leo.get(f"/progress/{uuid.uuid4()}").json()


def test_a_preview_that_fails_says_failed(client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    token = str(uuid.uuid4())
    assert _preview(client, csrf, token, matrix="no-such-matrix").status_code == 422
    assert client.get(f"/progress/{token}").json()["state"] == "failed"


def test_while_the_annex_is_built_the_page_hears_being_built(app, client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    gen, token, seen = app.state.generator, str(uuid.uuid4()), []
    build = gen._run

    def watched(req):
        seen.append(client.get(f"/progress/{token}").json())  # asked while the request waits
        return build(req)
    gen._run = watched
    assert _preview(client, csrf, token).status_code == 200
    assert seen == [{"state": "building", "ahead": None, "text": "Building the annex…"}]


def test_a_bad_job_field_refuses_the_form_before_any_annex_is_built(app, client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    app.state.generator._run = lambda req: pytest.fail("an annex was built for a bad job token")
    for job in ("../../etc/passwd", "x" * 100_000, str(uuid.uuid4()) + "\n"):
        r = _preview(client, csrf, job)
        assert r.status_code == 400 and "The request is not valid." in r.text


def test_a_form_without_a_job_field_works_as_without_the_script(client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    r = client.post("/customers/acme/preview", data={"csrf": csrf, "matrix": "s3-object-storage", "lang": "en"})
    assert r.status_code == 200 and "/files/" in r.text


def test_the_forms_carry_an_empty_job_field_and_a_live_status_line(client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    for page in (client.get("/customers/acme").text, _preview(client, csrf, str(uuid.uuid4())).text):
        assert '<input type="hidden" name="job" value="">' in page
        assert '<p class="progress" role="status" aria-live="polite" aria-atomic="true"></p>' in page


def test_every_state_is_said_in_every_language():
    for lang in LANGUAGES:
        t = words(lang)
        texts = {said(Progress(s), lang) for s in STATES} | {said(Progress("waiting", n), lang) for n in (0, 3)}
        assert len(texts) == len(STATES) + 2, lang  # each state, and the queue's count, in words of its own
        assert "7" in said(Progress("waiting", 7), lang) and said(Progress("unknown"), lang) == t("working")
