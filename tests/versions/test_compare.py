"""The comparison works on activity ids: the worked example's four changes and no others; moves,
renames and notes on variations of it; the customer's deviations mark what they override."""
from __future__ import annotations

import pytest

from generator.model import Deviation, Matrix
from generator.readers.matrix_yaml import read_matrix
from generator.versions import KINDS, compare, to_json, to_text
from generator.versions.render import diff_payload
from tests.conftest import DATA, load_customer, load_matrix

EXAMPLE = DATA / "examples" / "s3-object-storage-fr-v1.1.0.yaml"


@pytest.fixture(scope="module")
def pair():
    return load_matrix("fr"), read_matrix(EXAMPLE)[0]


def edit(matrix: Matrix, fn) -> Matrix:
    data = matrix.model_dump(mode="json")
    fn(data)
    return Matrix.model_validate(data)


def test_shipped_matrix_stays_1_0_0_and_example_is_1_1_0(pair):
    old, new = pair
    assert (old.version, new.version) == ("1.0.0", "1.1.0")


def test_worked_example_changes_exactly(pair):
    diff = compare(*pair)
    found = {(c.kind, c.activity) for c in diff.changes}
    assert found == {
        ("version", ""), ("approval", ""),
        ("activity-reworded", "detruite-supports-stockage-fin-vie-ou-erreur"),
        ("roles", "assurer-sauvegarde-donnees"),
        ("activity-added", "gerer-cycle-vie-cles-chiffrement-client"),
        ("activity-removed", "suivre-cycle-vie-droits-objets"),
    }
    roles = next(c for c in diff.changes if c.kind == "roles")
    assert (roles.before, roles.after) == ({"provider": ""}, {"provider": "I"})  # only the party that changed
    reworded = next(c for c in diff.changes if c.kind == "activity-reworded")
    assert reworded.before.startswith("Détruite") and reworded.after.startswith("Détruire")
    assert next(c for c in diff.changes if c.kind == "activity-added").section == "Gestion du chiffrement"


def test_identical_matrices_have_no_changes(pair):
    assert compare(pair[0], pair[0]).changes == ()
    assert "no changes" in to_text(compare(pair[0], pair[0]))


def test_a_moved_activity_is_moved_not_removed_and_added(pair):
    old = pair[0]

    def move(d):
        row = d["sections"][0]["activities"].pop(0)
        d["sections"][2]["activities"].append(row)
    diff = compare(old, edit(old, move))
    assert [(c.kind, c.activity) for c in diff.changes] == [
        ("activity-moved", "valider-produit-stockage-objet-s3-conforme-besoin")]
    c = diff.changes[0]
    assert (c.before, c.after) == ("Définir votre besoin", "Opérations récurrentes")


def test_reordering_rows_within_a_section_is_no_change(pair):
    old = pair[0]
    diff = compare(old, edit(old, lambda d: d["sections"][2]["activities"].reverse()))
    assert diff.changes == ()


def test_section_renamed_added_removed_and_notes(pair):
    old = pair[0]

    def change(d):
        d["sections"][1]["title"] = "Mise en œuvre"
        d["sections"][1]["notes"] = ["*(1) Nouvelle note.*"]
        d["sections"].append({"title": "Nouvelle section", "activities": [
            {"id": "nouvelle-activite", "text": "Nouvelle activité", "roles": {"customer": "RA", "provider": "I"}}]})
        removed = d["sections"].pop(5)  # Réversibilité
        assert removed["title"] == "Réversibilité"
    diff = compare(old, edit(old, change))
    kinds = [c.kind for c in diff.changes]
    assert kinds.count("activity-removed") == 4 and kinds.count("activity-added") == 1
    renamed = next(c for c in diff.changes if c.kind == "section-renamed")
    assert (renamed.before, renamed.after) == ("Mettre en oeuvre le service", "Mise en œuvre")
    assert "activity-moved" not in kinds  # the rows of a renamed section did not move
    assert next(c for c in diff.changes if c.kind == "section-removed").before == "Réversibilité"
    assert next(c for c in diff.changes if c.kind == "section-added").after == "Nouvelle section"
    notes = next(c for c in diff.changes if c.kind == "notes")
    assert (notes.section, notes.before, notes.after) == ("Mise en œuvre", "", "*(1) Nouvelle note.*")


def test_legend_and_status_changes(pair):
    old = pair[0]

    def change(d):
        d["legend"][2]["label"] = "Consulté"
        d["status"] = "draft"
    kinds = {c.kind for c in compare(old, edit(old, change)).changes}
    assert kinds == {"legend", "status"}


def test_customer_deviation_marks_the_role_change_it_overrides(pair):
    old, new = pair
    customer = load_customer("banque-horizon")
    diff = compare(old, new, customer, tuple(customer.deviations))
    roles = next(c for c in diff.changes if c.kind == "roles")
    assert roles.deviation == 1 and not roles.affects_customer and "Sauvegarde managée" in roles.reason
    assert all(c.affects_customer for c in diff.changes if c is not roles)
    text = to_text(diff)
    assert "not affecting customer banque-horizon: deviation 1" in text


def test_deviation_on_removed_activity_is_reported(pair):
    old, new = pair
    dev = Deviation(activity="suivre-cycle-vie-droits-objets", roles={"customer": "A", "provider": "R"}, reason="x")
    diff = compare(old, new, None, (dev,))
    orphan = [c for c in diff.changes if c.kind == "deviation-orphaned"]
    assert [c.activity for c in orphan] == ["suivre-cycle-vie-droits-objets"]


def test_json_shape_is_stable_and_ordered(pair):
    diff = compare(*pair)
    payload = diff_payload(diff)
    assert list(payload) == ["format", "matrix", "lang", "old", "new", "customer", "counts", "changes"]
    assert payload["format"] == "annex-diff/1"
    for c in payload["changes"]:
        assert set(c) == {"kind", "section", "activity", "text", "before", "after", "affects_customer"}
        assert c["kind"] in KINDS
    assert to_json(diff) == to_json(compare(*pair))  # deterministic
    order = [KINDS.index(c["kind"]) for c in payload["changes"]]
    assert order == sorted(order)


def test_deviation_changes_between_two_annexes(pair):
    """With the deviations the customer signed (an annex PDF's), those agreed, given up or
    renegotiated since are changes too."""
    old, new = pair
    kept = Deviation(activity="creer-objets", roles={"customer": "A", "provider": "R"}, reason="Avenant 1.")
    renegotiated = Deviation(activity="creer-objets", roles={"customer": "A", "provider": "RC"}, reason="Avenant 2.")
    given_up = Deviation(activity="gerer-securite-logique-objets", roles={"customer": "A", "provider": "R"},
                         reason="Option.")
    added = Deviation(activity="assurer-sauvegarde-donnees", roles={"customer": "A", "provider": "R"}, reason="B.")
    diff = compare(old, new, None, (renegotiated, added), old_deviations=(kept, given_up))
    found = {c.kind: c for c in diff.changes if c.kind.startswith("deviation-")}
    assert set(found) == {"deviation-added", "deviation-removed", "deviation-changed"}
    assert found["deviation-changed"].before == {"customer": "A", "provider": "R"}
    assert found["deviation-changed"].after == {"customer": "A", "provider": "RC"}
    assert found["deviation-removed"].activity == "gerer-securite-logique-objets"
    assert found["deviation-added"].as_json()["reason"] == "B."
    assert not [c for c in compare(old, new, None, (kept,), old_deviations=(kept,)).changes
                if c.kind.startswith("deviation-")]


def kubernetes(lang: str = "fr") -> Matrix:
    from generator.commands.importer import matrix_from_page
    from tests.conftest import ROOT
    page = ROOT / "tests" / "fixtures" / f"raci_kubernetes.{lang}.md"
    return matrix_from_page(page, lang=None, reference=None, existing=None, matrix_id="kubernetes")[0]


def test_a_list_item_changed_is_a_change_of_its_section_shown_as_the_page_writes_it():
    old = kubernetes()

    def change(d):
        summary = d["sections"][2]["intro"][0]["items"]
        summary[2] = summary[2].replace("**facturées en mode projet**", "**incluses dans l'abonnement**")
        summary[1]["items"].append("secrets applicatifs.")
        d["sections"][1]["notes"][1]["start"] = 2
    diff = compare(old, edit(old, change))
    assert sorted((c.kind, c.section) for c in diff.changes) == [
        ("notes", "Opérations récurrentes"), ("section-intro", "RACI (synthétique)")]
    intro = next(c for c in diff.changes if c.kind == "section-intro")
    removed = set(intro.before.splitlines()) - set(intro.after.splitlines())
    added = set(intro.after.splitlines()) - set(intro.before.splitlines())
    assert removed == {"- Les adaptations spécifiques au-delà du [catalogue](https://docs.cloud-temple.com/catalogue) "
                       "sont **facturées en mode projet**."}
    assert added == {"  3. secrets applicatifs.", "- Les adaptations spécifiques au-delà du [catalogue]"
                     "(https://docs.cloud-temple.com/catalogue) sont **incluses dans l'abonnement**."}
    notes = next(c for c in diff.changes if c.kind == "notes")
    assert notes.before.splitlines()[1] == "1. annonce par Cloud Temple, **30 jours** avant ;"
    assert notes.after.splitlines()[1] == "2. annonce par Cloud Temple, **30 jours** avant ;"
    text = to_text(diff)
    assert "  + - Les adaptations spécifiques" in text and "  - - Les adaptations spécifiques" in text


def test_blocks_between_two_tables_are_compared():
    old = kubernetes()

    def change(d):
        d["sections"][1]["activities"][2]["before"] = [{"items": ["Avant le déploiement."]}]
    diff = compare(old, edit(old, change))
    (c,) = diff.changes
    assert (c.kind, c.activity, c.before, c.after) == ("notes", "deployer-applications-cluster", "",
                                                       "- Avant le déploiement.")
