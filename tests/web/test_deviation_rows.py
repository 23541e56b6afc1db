"""Deviations edited as rows: an activity picked by its text in the customer's language, roles
ticked per party, a reason; checked on save by the CLI's checker, each problem next to its row,
in words for people (no YAML, no field paths)."""
from __future__ import annotations

import html
import re

from .conftest import SAMPLE, create_customer, login

BACKUP = "s3-object-storage:assurer-sauvegarde-donnees"
RESTORE = "s3-object-storage:realiser-tests-periodiques-restauration-donnees"


def _row(i: int, activity: str, customer: str, provider: str, reason: str) -> dict:
    return {f"dev-{i}-activity": activity, f"dev-{i}-customer": list(customer), f"dev-{i}-provider": list(provider),
            f"dev-{i}-reason": reason}


def _post(client, csrf, *rows: dict, **extra):
    data = {"csrf": csrf, **SAMPLE, "dev-count": str(len(rows)), **extra}
    for row in rows:
        data.update(row)
    return client.post("/customers/new", data=data, follow_redirects=False)


def row_problems(page: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for i, block in re.findall(r'<ul class="problem" id="dev-(\d+)-problems">(.*?)</ul>', page, re.S):
        out[int(i)] = [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", block)]
    return out


def _saved(app, cid="acme"):
    from generator.web.db import CustomerRow
    with app.state.sessionmaker() as db:
        row = db.get(CustomerRow, cid)
        return None if row is None else row.data.get("deviations", [])


def test_activities_are_offered_by_their_text_in_the_customers_language(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, lang="en")
    page = client.get("/customers/acme/edit").text
    assert re.search(rf'<option value="{BACKUP}">[^<]*Ensure data backup</option>', page)
    create_customer(client, csrf, id="acme-fr", lang="fr")
    assert "Assurer la sauvegarde des données</option>" in client.get("/customers/acme-fr/edit").text


def test_a_row_with_an_unknown_letter_and_no_accountable_is_refused_next_to_it(app, client):
    csrf = login(client, "sam")
    r = _post(client, csrf, _row(0, BACKUP, "A", "R", "Option souscrite."), _row(1, RESTORE, "X", "I", "Tests."))
    assert r.status_code == 400 and _saved(app) is None
    found = row_problems(r.text)
    assert list(found) == [1]
    assert "Exactly one party must be Accountable (A); this row gives A to 0." in found[1]
    assert "A ticked role is not in this matrix's legend." in found[1]
    assert 'id="dev-1-activity" name="dev-1-activity" aria-invalid="true"' in r.text
    assert not re.search(r"`|deviations\[|rules:|--warn", " ".join(found[1]))


def test_a_french_reason_with_a_colon_is_saved_as_typed(app, client):
    csrf = login(client, "sam")
    reason = "Avenant 1 : création d'objets par le prestataire."
    r = _post(client, csrf, _row(0, BACKUP, "A", "R", reason))
    assert r.status_code == 303, row_problems(r.text)
    assert _saved(app) == [{"activity": "assurer-sauvegarde-donnees", "roles": {"customer": "A", "provider": "R"},
                            "reason": reason}]


def test_one_row_per_activity_and_a_reason_for_each(client):
    csrf = login(client, "sam")
    r = _post(client, csrf, _row(0, BACKUP, "A", "R", "One."), _row(1, BACKUP, "A", "R", "Two."),
              _row(2, RESTORE, "A", "R", ""))
    found = row_problems(r.text)
    assert found[1] == ["Another row changes this activity already: keep one row per activity."]
    assert found[2] == ["Give the reason: it is printed in the annex."]


def test_add_a_row_keeps_what_was_typed_and_saves_nothing(app, client):
    csrf = login(client, "sam")
    r = _post(client, csrf, _row(0, BACKUP, "A", "R", "Kept."), add_row="1")
    assert r.status_code == 200 and _saved(app) is None
    assert 'name="dev-count" value="2"' in r.text and 'value="Kept."' in r.text
    assert f'value="{BACKUP}" selected' in r.text
    assert re.search(r'id="dev-0-standard">Standard roles: Client [A-Z]*, Cloud Temple [A-Z–]*<', r.text)


def test_a_row_marked_for_removal_is_dropped(app, client):
    csrf = login(client, "sam")
    r = _post(client, csrf, _row(0, BACKUP, "A", "R", "Gone."), _row(1, RESTORE, "A", "R", "Stays."),
              **{"dev-0-remove": "1"})
    assert r.status_code == 303
    assert [d["activity"] for d in _saved(app)] == ["realiser-tests-periodiques-restauration-donnees"]
