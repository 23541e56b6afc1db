"""`annex diff` end to end: the three kinds of sides (YAML, id, annex PDF), its formats, the change
notice (PDF/A, fingerprinted, deterministic; DOCX with tracked changes) and its exit codes."""
from __future__ import annotations

import hashlib
import json

import pikepdf
import pytest
from docx.oxml.ns import qn

from generator.versions.render import notice_catalog
from tests.conftest import CUSTOMERS, DATA, ROOT
from tests.docxtext import open_docx
from tests.helpers import annex, annexes
from tests.pdftext import page_texts, squash

ROOT_FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE = DATA / "examples" / "s3-object-storage-fr-v1.1.0.yaml"
HORIZON = f"{CUSTOMERS}#banque-horizon"


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory):
    """Banque Horizon's annex of v1.0.0, as it signed it."""
    out = tmp_path_factory.mktemp("signed")
    r = annex("build", "s3-object-storage", "--customer", HORIZON, "--format", "pdf", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out / "banque-horizon" / "s3-object-storage_fr_v1.0.0.pdf"


def test_text_by_id_and_file():
    r = annex("diff", "s3-object-storage", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("s3-object-storage (fr): v1.0.0 -> v1.1.0: 6 changes")
    assert "activity-added     gerer-cycle-vie-cles-chiffrement-client" in r.stdout
    assert "  - Détruite les supports" in r.stdout and "  + Détruire les supports" in r.stdout


def test_old_side_is_the_signed_annex_pdf(signed_pdf):
    """The PDF's embedded data stands for v1.0.0 and brings its customer: the role change that
    Banque Horizon's deviation overrides is marked, with no --customer."""
    r = annex("diff", str(signed_pdf), str(EXAMPLE), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["old"]["version"], data["new"]["version"], data["customer"]) == ("1.0.0", "1.1.0", "banque-horizon")
    roles = next(c for c in data["changes"] if c["kind"] == "roles")
    assert roles["affects_customer"] is False and roles["overridden_by_deviation"]["number"] == 1
    same = annex("diff", "s3-object-storage", str(EXAMPLE), "--customer", HORIZON, "--format", "json")
    assert json.loads(same.stdout)["changes"] == data["changes"]


def test_pdf_against_itself_is_no_change(signed_pdf):
    r = annex("diff", str(signed_pdf), "s3-object-storage", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["changes"] == []


def test_refusals_exit_2_with_located_messages(tmp_path, signed_pdf):
    not_annex = tmp_path / "plain.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(not_annex)
    cases = [
        (["diff", str(not_annex), str(EXAMPLE)], "no `annex-data.json` attachment"),
        (["diff", "s3-object-storage", "iaas"], "is matrix `iaas`"),
        (["diff", "s3-object-storage", "s3-object-storage", "--lang", "xx"], "has no `xx` version"),
        (["diff", "s3-object-storage", str(EXAMPLE), "--format", "html"], "not a diff format"),
        (["diff", str(tmp_path / "missing.pdf"), str(EXAMPLE)], "no such file"),
        (["diff", "data/matrices/s3-object-storage/en.yaml", str(EXAMPLE)], "is in `fr`"),
    ]
    (tmp_path / "garbage.pdf").write_bytes(b"%PDF-1.7 garbage")
    cases.append((["diff", str(tmp_path / "garbage.pdf"), str(EXAMPLE)], "garbage.pdf"))
    for (args, expected), r in zip(cases, annexes(*(args for args, _ in cases)), strict=True):
        assert r.returncode == 2, (args, r.stderr)
        assert expected in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_markdown_notice_in_the_annex_language(tmp_path):
    out = tmp_path / "notice.md"
    r = annex("diff", "s3-object-storage", str(EXAMPLE), "--customer", HORIZON, "--format", "md", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Avis de modification – Matrice de responsabilité IaaS - Stockage Objet S3")
    assert "- **Client** : Banque Horizon SA" in text and "- **Nouvelle version** : 1.1.0" in text
    assert "| 6 | Rôles modifiés | Assurer la sauvegarde des données" in text
    assert "la dérogation 1 reste applicable" in text
    assert "## Signatures" in text and "Claire Martin" in text


@pytest.fixture(scope="module")
def notices(tmp_path_factory):
    """Each notice made twice, by separate processes (at once), for the determinism checks."""
    out = tmp_path_factory.mktemp("notice")
    for r in annexes(*(["diff", "s3-object-storage", str(EXAMPLE), "--customer", HORIZON, "--format", fmt,
                        "-o", str(out / f"{run}.{fmt}")] for fmt in ("pdf", "docx") for run in (1, 2))):
        assert r.returncode == 0, r.stderr
    return out


def test_notice_pdf_is_pdfa_fingerprinted_and_deterministic(notices):
    pdf = notices / "1.pdf"
    assert pdf.read_bytes() == (notices / "2.pdf").read_bytes()
    with pikepdf.open(pdf) as doc:
        meta = doc.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "A"
        data = doc.attachments["annex-notice.json"].get_file().read_bytes()
        # listed once in /AF, as the annex's (writers/pdf.py's finishing)
        assert [str(spec.F) for spec in doc.Root.AF] == ["annex-notice.json"]
    digest = hashlib.sha256(data).hexdigest()
    payload = json.loads(data)
    assert payload["notice"]["new"]["version"] == "1.1.0" and payload["customer"]["id"] == "banque-horizon"
    text = squash(" ".join(page_texts(pdf)))
    for expected in ("Avis de modification", "Banque Horizon SA", "CT-2025-0142", "Activité ajoutée",
                     "Gérer le cycle de vie des", "Client RA, Cloud Temple I", "Signatures", "Claire Martin",
                     f"Empreinte {digest[:12]}"):
        assert squash(expected) in text, expected


def test_notice_docx_shows_each_change_as_a_tracked_change(notices):
    data = (notices / "1.docx").read_bytes()
    assert data == (notices / "2.docx").read_bytes()
    doc = open_docx(data)
    body = doc.element.body
    deleted = ["".join(t.text for t in d.iter(qn("w:delText"))) for d in body.iter(qn("w:del"))]
    inserted = ["".join(t.text for t in i.iter(qn("w:t"))) for i in body.iter(qn("w:ins"))]
    assert "Détruite les supports de stockage en fin de vie ou en erreur" in deleted
    assert "Détruire les supports de stockage en fin de vie ou en erreur, avec certificat de destruction" in inserted
    assert "Cloud Temple –" in deleted and "Cloud Temple I" in inserted
    assert all(d.get(qn("w:author")) == "Cloud Temple" for d in body.iter(qn("w:del")))
    assert doc.core_properties.title.startswith("Avis de modification")


def test_notice_labels_have_the_same_keys_in_every_language():
    catalog = notice_catalog()
    assert set(catalog) == {"fr", "en", "de", "es", "it"}
    keys = {lang: (set(v), set(v["kinds"])) for lang, v in catalog.items()}
    assert len({(frozenset(a), frozenset(b)) for a, b in keys.values()}) == 1
    from generator.versions.compare import KINDS
    assert keys["fr"][1] == set(KINDS)


def test_default_output_name_for_a_notice(tmp_path):
    r = annex("diff", str(EXAMPLE.resolve()), str(EXAMPLE.resolve()), "--format", "docx", "--data", str(DATA),
              "--customer", HORIZON, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "output" / "banque-horizon" / "s3-object-storage_fr_v1.1.0-to-v1.1.0.docx").is_file()


def test_matrix_ids_default_to_the_customers_language():
    r = annex("diff", "s3-object-storage", "s3-object-storage", "--customer", f"{CUSTOMERS}#northwind-logistics",
              "--format", "md")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# Change notice – IaaS Responsibility Matrix") and "No changes." in r.stdout


def test_signed_annex_against_renegotiated_deviations(tmp_path, signed_pdf):
    import yaml
    everyone = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]
    horizon = next(c for c in everyone if c["id"] == "banque-horizon")
    horizon["deviations"] = horizon["deviations"][:1]  # the restore tests are given up
    changed = tmp_path / "customers.yaml"
    changed.write_text(yaml.safe_dump({"customers": [horizon]}, allow_unicode=True), encoding="utf-8")
    r = annex("diff", str(signed_pdf), "s3-object-storage", "--customer", f"{changed}#banque-horizon",
              "--format", "json")
    assert r.returncode == 0, r.stderr
    changes = json.loads(r.stdout)["changes"]
    assert [(c["kind"], c["activity"]) for c in changes] == [
        ("deviation-removed", "realiser-tests-periodiques-restauration-donnees")]
    assert changes[0]["before"] == {"customer": "AI", "provider": "R"} and changes[0]["after"] is None


def test_a_changed_list_prints_one_item_per_line_in_both_notices(tmp_path):
    """A list's before and after keep the page's lines (indentation of nested items too): in the
    PDF, lines of their own; in the DOCX, a paragraph per line, deleted and inserted."""
    import os
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    assert annex("import", ROOT_FIXTURES / "raci_kubernetes.fr.md", "-o", old).returncode == 0
    new.write_text(old.read_text(encoding="utf-8").replace("facturées en mode projet", "incluses")
                   .replace("version: 0.1.0", "version: 0.2.0"), encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1746057600"}
    for fmt in ("pdf", "docx"):
        r = annex("diff", old, new, "--format", fmt, "-o", tmp_path / f"n.{fmt}", env=env)
        assert r.returncode == 0, r.stderr
    lines = [line.strip() for text in page_texts(tmp_path / "n.pdf") for line in text.splitlines()]
    assert any(line.endswith("- le plan de contrôle ; - le plan de contrôle ;") for line in lines), lines
    doc = open_docx((tmp_path / "n.docx").read_bytes())
    changes = next(t for t in doc.tables if t.rows[0].cells[0].text == "#")
    row = next(r for r in changes.rows if "RACI (synthétique)" in r.cells[2].text)
    deleted = ["".join(t.text or "" for t in p._p.iter(qn("w:delText"))) for p in row.cells[3].paragraphs]
    inserted = ["".join(t.text or "" for t in p._p.iter(qn("w:t"))) for p in row.cells[4].paragraphs]
    assert deleted[:3] == ["- Cloud Temple **opère** le socle Kubernetes :", "  - le plan de contrôle ;",
                           "  - les nœuds *workers* et leur système."]
    assert inserted[-1].endswith("sont **incluses**.") and deleted[-1].endswith("**facturées en mode projet**.")
