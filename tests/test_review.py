"""`annex review-import`: legal's tracked role changes and comments come back as deviations, through
Word's XML and through a LibreOffice save; what cannot become a deviation is reported with its
place; a DOCX that is not an annex's, or of an older matrix version, is refused."""
from __future__ import annotations

import io
import shutil

import pytest
import yaml
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

from generator.annex import build_annex
from generator.brand import load_brand
from generator.model import Customer
from generator.writers import docx as docx_writer
from generator.writers.docx import row_bookmark
from tests.conftest import CUSTOMERS, DATA, has, load_customer, load_matrix
from tests.helpers import annex, soffice_convert

HORIZON = f"{CUSTOMERS}#banque-horizon"
ACTIVITY = "creer-objets"  # standard: customer RA, provider none
PARTIES = ("customer", "provider")
needs_soffice = pytest.mark.skipif(not has("soffice"), reason="LibreOffice (soffice) is not installed")


def review_docx(customer="banque-horizon") -> bytes:
    return docx_writer.render(build_annex(load_matrix("fr"), load_customer(customer) if customer else None,
                                          load_brand(), review=True))


def row_of(doc, activity_id: str):
    name = row_bookmark(activity_id)
    for mark in doc.element.body.iter(qn("w:bookmarkStart")):
        if mark.get(qn("w:name")) == name:
            return next(mark.iterancestors(qn("w:tr")))
    raise AssertionError(f"no row for {activity_id}")


def track_role_change(doc, activity_id: str, party_index: int, letters: str, *, change_id: int) -> None:
    """What Word writes when legal retypes a role cell with track changes on: the old runs in a
    w:del (their w:t become w:delText), the new text in a w:ins."""
    cell = row_of(doc, activity_id).findall(qn("w:tc"))[1 + party_index]
    p = cell.find(qn("w:p"))
    stamp = 'w:author="Legal" w:date="2025-02-10T09:00:00Z"'
    deleted = parse_xml(f'<w:del {nsdecls("w")} w:id="{change_id}" {stamp}/>')
    for run in p.findall(qn("w:r")):
        for t in run.findall(qn("w:t")):
            t.tag = qn("w:delText")
        deleted.append(run)
    p.append(deleted)
    p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="{change_id + 1}" {stamp}><w:r><w:t>{letters}</w:t></w:r></w:ins>'))


def comment_on_row(doc, activity_id: str, text: str) -> None:
    p = Paragraph(row_of(doc, activity_id).find(qn("w:tc")).find(qn("w:p")), None)
    doc.add_comment(p.runs, text=text, author="Legal", initials="LG")


def edited(data: bytes, edit) -> bytes:
    doc = Document(io.BytesIO(data))
    edit(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def negotiate(doc) -> None:
    """Legal moves `creer-objets` to the provider (customer A, provider R) and says why."""
    track_role_change(doc, ACTIVITY, 0, "A", change_id=9001)
    track_role_change(doc, ACTIVITY, 1, "R", change_id=9003)
    comment_on_row(doc, ACTIVITY, "Création des objets déléguée au prestataire (avenant n° 3).")


def read_back(path, *extra, data_dir=DATA):
    r = annex("review-import", str(path), "--data", str(data_dir), *extra)
    return r, (yaml.safe_load(r.stdout) if r.stdout else None)


def by_activity(deviations):
    return {d["activity"]: d for d in deviations}


def rebuilt_with(deviations):
    """The customer with the read-back deviations, built again."""
    c = load_customer("banque-horizon")
    customer = Customer.model_validate({**c.model_dump(mode="json"), "deviations": deviations})
    return build_annex(load_matrix("fr"), customer, load_brand())


def check_round_trip(path):
    r, out = read_back(path, "--customer", HORIZON)
    assert r.returncode == 0, r.stderr
    devs = by_activity(out["deviations"])
    assert devs[ACTIVITY] == {"activity": ACTIVITY, "roles": {"customer": "A", "provider": "R"},
                              "reason": "Création des objets déléguée au prestataire (avenant n° 3)."}
    # the two deviations the customer already had are kept, with their reasons
    assert devs["assurer-sauvegarde-donnees"]["roles"] == {"customer": "A", "provider": "R"}
    assert "Sauvegarde managée" in devs["assurer-sauvegarde-donnees"]["reason"]
    assert "1 new, 0 changed, 2 kept" in r.stderr
    again = rebuilt_with(out["deviations"])
    view = next(d for d in again.deviations if d.activity.id == ACTIVITY)
    assert [str(c) for c in view.agreed] == ["A", "R"] and [str(c) for c in view.standard] == ["RA", ""]
    assert view.reason.startswith("Création des objets")
    rebuilt = Document(io.BytesIO(docx_writer.render(again)))
    assert "[Dérogation" in "".join(t.text for t in row_of(rebuilt, ACTIVITY).iter(qn("w:t")))


def test_round_trip_word_xml(tmp_path):
    path = tmp_path / "reviewed.docx"
    path.write_bytes(edited(review_docx(), negotiate))
    check_round_trip(path)


@needs_soffice
def test_round_trip_through_libreoffice(tmp_path, soffice_profile):
    src = tmp_path / "reviewed.docx"
    src.write_bytes(edited(review_docx(), negotiate))
    out = tmp_path / "lo"
    r = soffice_convert(soffice_profile, "docx", out, src, timeout=180)
    assert r.returncode == 0 and (out / "reviewed.docx").is_file(), r.stderr
    assert (out / "reviewed.docx").read_bytes() != src.read_bytes()  # really rewritten by LibreOffice
    check_round_trip(out / "reviewed.docx")


def test_untouched_review_gives_back_the_existing_deviations(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(review_docx())
    r, out = read_back(path, "--customer", HORIZON)
    assert r.returncode == 0, r.stderr
    assert by_activity(out["deviations"]).keys() == {d.activity for d in load_customer("banque-horizon").deviations}
    # rejected: every pending change undone, the standard matrix, so no deviation
    r, out = read_back(path, "--customer", HORIZON, "--rejected")
    assert out["deviations"] == [] and "2 dropped" in r.stderr


def test_role_change_without_comment_or_previous_reason_is_a_finding(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(edited(review_docx(), lambda d: track_role_change(d, ACTIVITY, 1, "R", change_id=9001)))
    r, out = read_back(path, "--customer", HORIZON)
    assert r.returncode == 1
    assert "activity `creer-objets`: roles changed without a reason" in r.stderr
    assert "reason" not in by_activity(out["deviations"])[ACTIVITY]  # never a made-up reason


def test_deviation_breaking_raci_rules_is_reported(tmp_path):
    def two_accountables(doc):
        track_role_change(doc, ACTIVITY, 1, "A", change_id=9001)
        comment_on_row(doc, ACTIVITY, "Double approbation.")
    path = tmp_path / "r.docx"
    path.write_bytes(edited(review_docx(), two_accountables))
    r, _ = read_back(path, "--customer", HORIZON)
    assert r.returncode == 1 and "deviation on `creer-objets`" in r.stderr and "Traceback" not in r.stderr


def test_unrepresentable_edits_are_reported_with_their_place(tmp_path):
    def edits(doc):
        track_role_change(doc, ACTIVITY, 0, "X", change_id=9001)  # not a legend letter
        row = row_of(doc, "souscrire-service-avec-informations-necessaires")
        p = row.find(qn("w:tc")).find(qn("w:p"))  # wording
        p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="9010" w:author="Legal" w:date="2025-02-10T09:00:00Z">'
                           '<w:r><w:t> sous 30 jours</w:t></w:r></w:ins>'))
        gone = row_of(doc, "gerer-securite-logique-objets")  # deleted row
        gone.find(qn("w:trPr")).append(parse_xml(
            f'<w:del {nsdecls("w")} w:id="9011" w:author="Legal" w:date="2025-02-10T09:00:00Z"/>'))
        table = gone.getparent()  # a row added by hand, no bookmark
        new_row = parse_xml(f'<w:tr {nsdecls("w")}><w:tc><w:p><w:r><w:t>Activité inventée</w:t></w:r></w:p></w:tc>'
                            '<w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>')
        table.append(new_row)
        intro = next(p for p in doc.element.body.iter(qn("w:p")) if "Voici le RACI" in "".join(
            t.text for t in p.iter(qn("w:t"))))
        intro.append(parse_xml(f'<w:del {nsdecls("w")} w:id="9012" w:author="Legal" w:date="2025-02-10T09:00:00Z">'
                               '<w:r><w:delText>Voici</w:delText></w:r></w:del>'))
    path = tmp_path / "r.docx"
    path.write_bytes(edited(review_docx(), edits))
    r, out = read_back(path, "--customer", HORIZON)
    assert r.returncode == 1, r.stderr
    err = r.stderr
    assert "activity `creer-objets`, party `customer`: « X » is not role letters" in err
    assert "section « Définir votre besoin », activity `souscrire-service-avec-informations-necessaires`: " \
           "activity wording edited" in err and "sous 30 jours" in err
    assert "activity `gerer-securite-logique-objets`: the row was deleted" in err
    assert "« Activité inventée ») was added" in err
    assert "paragraph" in err and "text edited outside the role cells" in err
    assert ACTIVITY not in by_activity(out["deviations"])  # an unreadable cell makes no deviation


def test_refuses_a_docx_not_made_by_annex(tmp_path):
    path = tmp_path / "plain.docx"
    Document().save(path)
    r, _ = read_back(path)
    assert r.returncode == 2 and "was not made by annex" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "junk.docx").write_bytes(b"PK\x03\x04 not really")
    r, _ = read_back(tmp_path / "junk.docx")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_refuses_a_docx_of_an_older_matrix_version(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA / "matrices", data / "matrices")
    fr = data / "matrices" / "s3-object-storage" / "fr.yaml"
    fr.write_text(fr.read_text(encoding="utf-8").replace("version: 1.0.0\n", "version: 1.1.0\n", 1), encoding="utf-8")
    path = tmp_path / "r.docx"
    path.write_bytes(review_docx())
    r, _ = read_back(path, data_dir=data)
    assert r.returncode == 1 and "was made from version 1.0.0" in r.stderr and "current version is 1.1.0" in r.stderr


def test_refuses_a_change_notice_and_the_wrong_customer(tmp_path):
    notice = tmp_path / "notice.docx"
    r = annex("diff", "s3-object-storage", str(DATA / "examples" / "s3-object-storage-fr-v1.1.0.yaml"),
              "--format", "docx", "-o", str(notice))
    assert r.returncode == 0, r.stderr
    r, _ = read_back(notice)
    assert r.returncode == 2 and "is a change-notice, not an annex" in r.stderr
    path = tmp_path / "r.docx"
    path.write_bytes(review_docx())
    r, _ = read_back(path, "--customer", f"{CUSTOMERS}#mutuelle-atlantique")
    assert r.returncode == 2 and "was made for customer `banque-horizon`" in r.stderr


def test_every_matrix_row_has_its_bookmark():
    doc = Document(io.BytesIO(review_docx(None)))
    names = {m.get(qn("w:name")) for m in doc.element.body.iter(qn("w:bookmarkStart"))}
    ids = [a.id for _, a in load_matrix("fr").activities()]
    assert {row_bookmark(i) for i in ids} <= names and len({row_bookmark(i) for i in ids}) == len(ids)
    assert all(len(row_bookmark(i)) <= 40 and row_bookmark(i)[0].isalpha() for i in ids)


def test_warns_when_the_customer_file_changed_since_the_review_copy(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(review_docx())
    r, _ = read_back(path, "--customer", HORIZON)
    assert r.returncode == 0 and "review-stale" not in r.stderr
    everyone = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]
    horizon = next(c for c in everyone if c["id"] == "banque-horizon")
    horizon["contract"] = "CT-2025-0999"
    changed = tmp_path / "customers.yaml"
    changed.write_text(yaml.safe_dump({"customers": [horizon]}, allow_unicode=True), encoding="utf-8")
    r, _ = read_back(path, "--customer", f"{changed}#banque-horizon")
    assert r.returncode == 0 and "review-stale" in r.stderr


def test_reasons_come_back_from_the_deviations_table_without_the_customer_file(tmp_path):
    """The review copy prints each deviation's reason; legal may rewrite it there (tracked)."""
    def rewrite_reason(doc):
        name = row_bookmark("assurer-sauvegarde-donnees", "d")
        mark = next(m for m in doc.element.body.iter(qn("w:bookmarkStart")) if m.get(qn("w:name")) == name)
        reason_cell = next(mark.iterancestors(qn("w:tr"))).findall(qn("w:tc"))[4]
        p = reason_cell.find(qn("w:p"))
        stamp = 'w:author="Legal" w:date="2025-02-10T09:00:00Z"'
        deleted = parse_xml(f'<w:del {nsdecls("w")} w:id="9100" {stamp}/>')
        for run in p.findall(qn("w:r")):
            for t in run.findall(qn("w:t")):
                t.tag = qn("w:delText")
            deleted.append(run)
        p.append(deleted)
        p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="9101" {stamp}><w:r><w:t>Avenant n° 2.</w:t></w:r></w:ins>'))
    path = tmp_path / "r.docx"
    path.write_bytes(edited(review_docx(), rewrite_reason))
    r, out = read_back(path)  # no --customer
    assert r.returncode == 0, r.stderr
    devs = by_activity(out["deviations"])
    assert devs["assurer-sauvegarde-donnees"]["reason"] == "Avenant n° 2."
    assert "Tests de restauration trimestriels" in devs["realiser-tests-periodiques-restauration-donnees"]["reason"]
