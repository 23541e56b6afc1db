"""Importing published pages: every corpus page row by row, and each variation of the family
on a small page written here."""
import pytest

from generator.commands.importer import matrix_from_page
from generator.model import Quote, plain
from generator.readers.markdown_page import read_page
from generator.rules import walk_with_paths

from ..conftest import CORPUS
from ..corpus_rows import raw_rows, roles_of, strip_markup

PAGES = sorted(CORPUS.glob("raci_*.md"))


def imported(path, **kw):
    """The matrix and the import's warnings, but for the notice that the standard legend is used
    (tested on its own)."""
    matrix, page = matrix_from_page(path, lang=kw.get("lang"), reference=kw.get("reference"), existing=None,
                                    matrix_id="m", lenient=kw.get("lenient", False))
    if not kw.get("all_warnings"):
        page.warnings = [w for w in page.warnings if w.code != "standard-legend"]
    return matrix, page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_row_of_every_corpus_page(page):
    matrix, result = imported(page)
    rows = raw_rows(page.read_text(encoding="utf-8"))
    model_rows = [(a, s) for s, a in matrix.activities()]
    assert len(model_rows) == len(rows) > 20
    assert result.activity_lines == [line for line, _ in rows]
    for (line, cells), (activity, _) in zip(rows, model_rows, strict=True):
        assert " ".join(plain(activity.text).split()) == strip_markup(cells[0]).replace("\\", ""), line
        assert ["".join(activity.cell(p.id).letters) for p in matrix.parties] == [roles_of(c) for c in cells[1:3]], line


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_sections_notes_and_legend_of_every_corpus_page(page):
    text = page.read_text(encoding="utf-8")
    matrix, _ = imported(page)
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("##")]
    titles = [matrix.legend_title] + [plain(s.title) for _, _, s in walk_with_paths(matrix)]
    assert titles == headings
    notes = [n for _, _, s in walk_with_paths(matrix) for n in s.notes]
    assert len(notes) == sum(1 for line in text.splitlines() if line.startswith("*("))
    assert [e.code for e in matrix.legend] == ["R", "A", "C", "I"]


def test_iaas_structure():
    matrix, result = imported(CORPUS / "raci_iaas.fr.md")
    recurring = next(s for s in matrix.sections if s.title == "Opérations récurrentes")
    assert recurring.activities == [] and len(recurring.sections) == 8
    mco = recurring.sections[1]
    assert mco.intro and mco.intro[0].startswith("Les activités visant")
    assert [n[:5] for n in mco.notes] == ["*(2) ", "*(3) "]
    assert "**la décision de procéder" in mco.notes[0]
    texts = [a.text for _, a in matrix.activities()]
    assert "Assurer la mise en oeuvre de la connectivité au **réseau backbone(1)**" in texts
    assert any(t.startswith("*S'ils sont souscrit :* implémenter") for t in texts)
    backbone = next(a for _, a in matrix.activities() if "backbone(1)" in a.text)
    assert backbone.marks == ("(1)",)
    assert result.warnings == []


def page(tmp_path, text: str, name="raci_test.fr.md", newline="\n"):
    p = tmp_path / name
    p.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return p


LEGEND = """## Définition des différents rôles

| Rôle         | Description                              |
|--------------|------------------------------------------|
| (R) Réalise  | __R__éalise le processus                 |
| (A) Approuve | __A__pprouve la réalisation du processus |
| (C) Consulte | __C__onsulté pendant le processus        |
| (I) Informé  | __I__nformé des résultats du processus   |
"""


def test_no_front_matter_hash_title_no_intro(tmp_path):
    m, r = imported(page(tmp_path, "# Ma matrice\n\n" + LEGEND + "\n## S\n\n| Activité | Client | Cloud Temple |\n"
                                   "|---|---|---|\n| Faire | RA | |\n"))
    assert m.title == "Ma matrice" and m.intro == [] and m.page == {}
    assert m.legend[0].description == "**R**éalise le processus"
    assert r.warnings == []


def test_front_matter_keys_and_intro(tmp_path):
    m, _ = imported(page(tmp_path, "---\ntitle: T\nslug: /x\ndisplayed_sidebar: docSidebar\n---\n\nIntro **un**.\n\n"
                                   "Intro deux.\n\n## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n"
                                   "| A | RA | I |\n"))
    assert m.title == "T" and m.page == {"slug": "/x", "displayed_sidebar": "docSidebar"}
    assert m.intro == ["Intro **un**.", "Intro deux."]


@pytest.mark.parametrize("lang, label", [("fr", "Réalise"), ("de", "Durchführt"), ("es", "Ejecuta")])
def test_no_legend_uses_the_standard_one_and_says_so(tmp_path, lang, label, brand, monkeypatch):
    from generator.annex import build_annex
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    m, r = imported(page(tmp_path, "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n",
                         name=f"raci_x.{lang}.md"), all_warnings=True)
    assert m.legend == [] and m.legend_title is None  # the matrix holds what the page has
    assert build_annex(m, None, brand, draft=True).legend[0].label == label  # the annex prints the standard one
    assert any("standard" in w.message for w in r.warnings)


def test_page_starting_at_h3_and_nesting(tmp_path):
    text = ("### Premier\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n\n"
            "## Deux\n\n### Deux-un\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| B | RA | I |\n\n"
            "### Deux-deux\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| C | I | RA |\n")
    m, _ = imported(page(tmp_path, text))
    assert [s.title for s in m.sections] == ["Premier", "Deux"]
    assert [s.title for s in m.sections[1].sections] == ["Deux-un", "Deux-deux"]


def test_several_tables_paragraphs_rules_and_header_wordings(tmp_path):
    text = ("## S\n\nAvant la table.\n\n| **Activité** | **Client** | **Cloud Temple** |\n|-|-|-|\n| A | RA | I |\n\n"
            "---\n\n| Activité | Rôle Client | Rôle Cloud Temple |\n|-|-|-|\n| B | I | RA |\n")
    m, r = imported(page(tmp_path, text))
    s = m.sections[0]
    assert s.intro == ["Avant la table."] and [a.text for a in s.activities] == ["A", "B"]
    assert [p.label for p in m.parties] == ["Client", "Cloud Temple"]


def test_german_header_wordings_in_one_page(tmp_path):
    text = ("## S\n\n| Aktivität | Kundenrolle | Cloud-Temple-Rolle |\n|-|-|-|\n| A | RA | I |\n\n"
            "## T\n\n| Aktivität | Rolle Kunde | Rolle Cloud Temple |\n|-|-|-|\n| B | I | RA |\n")
    m, r = imported(page(tmp_path, text, name="raci_x.de.md"))
    assert [(p.label, p.header) for p in m.parties] == [("Kunde", "Kundenrolle"),
                                                        ("Cloud-Temple", "Cloud-Temple-Rolle")]
    assert len(list(m.activities())) == 2
    (w,) = r.warnings
    assert w.location.line == 9 and "“Cloud Temple” is read as party “Cloud-Temple”" in w.message


@pytest.mark.parametrize("cell, letters, marks", [
    ("__RA__", "RA", ""), ("**RA**", "RA", ""), ("RA", "RA", ""), ("C, I", "CI", ""), ("__C, I__", "CI", ""),
    ("C/I", "CI", ""), ("RA*", "RA", "*"), ("I*", "I", "*"), ("**I**", "I", ""), ("", "", ""),
])
def test_role_cell_spellings(tmp_path, cell, letters, marks):
    m, r = imported(page(tmp_path, f"## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | {cell} | R |\n"))
    (_, activity), = list(m.activities())
    parsed = activity.cell("customer")
    assert ("".join(parsed.letters), "".join(parsed.marks)) == (letters, marks)
    assert r.warnings == []


def test_a_word_in_a_role_cell_is_a_warning_not_a_guess(tmp_path):
    m, r = imported(page(tmp_path, "## S\n\n| Aktivität | Kundenrolle | Cloud Temple-Rolle |\n|-|-|-|\n"
                                   "| A | **Kunde** | RA |\n", name="raci_x.de.md"))
    (w,) = r.warnings
    assert w.location.line == 5 and "Kunde" in w.message
    (_, activity), = list(m.activities())
    assert activity.roles["customer"] == "Kunde"  # kept, so that `annex validate` flags it


def test_inline_emphasis_and_footnote_markers(tmp_path):
    rows = ["| Faire __ceci__ et *cela* | RA | |", "| *S'ils sont souscrit :* faire | RA | |",
            "| Avec renvoi (1) | RA | |", "| Avec **(3)** | RA | |", "| Avec *(2)* | RA | |", "| Avec *(A)* | RA | |",
            "| Avec étoile * | RA | |"]
    m, _ = imported(page(tmp_path, "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n" + "\n".join(rows) + "\n"))
    acts = [a for _, a in m.activities()]
    assert acts[0].text == "Faire **ceci** et *cela*"
    assert acts[1].text == "*S'ils sont souscrit :* faire"
    assert [a.marks for a in acts[2:]] == [("(1)",), ("(3)",), ("(2)",), ("(A)",), ("*",)]
    assert plain(acts[6].text) == "Avec étoile *"


def test_notes_hard_breaks_multiline_and_callouts(tmp_path):
    text = ("## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A (1) | RA | |\n| B * | RA | |\n\n"
            "*(1) Première note\nsur deux lignes.*\n\n"
            "*\\* Deuxième note*  \n*(2) Troisième note*\n\n> **Important** : un encadré.\n")
    m, r = imported(page(tmp_path, text))
    *notes, quote = m.sections[0].notes
    assert [plain(n) for n in notes] == ["(1) Première note sur deux lignes.", "* Deuxième note",
                                         "(2) Troisième note"]
    assert notes[0] == "*(1) Première note\nsur deux lignes.*"
    assert quote == Quote(quote=["**Important** : un encadré."])
    assert r.warnings == []


def test_crlf_trailing_spaces_and_no_final_newline(tmp_path):
    text = "## S\n\n| Activité | Client | Cloud Temple |   \n|-|-|-|  \n| A | RA | I |   "
    m, _ = imported(page(tmp_path, text, newline="\r\n"))
    (_, a), = list(m.activities())
    assert (a.text, a.roles) == ("A", {"customer": "RA", "provider": "I"})


KUBERNETES = CORPUS.parent.parent / "tests" / "fixtures" / "raci_kubernetes.fr.md"


def test_lists_are_blocks_at_their_place():
    from generator.model import ListBlock, ListItem
    m, r = imported(KUBERNETES)
    assert r.warnings == []
    assert m.intro[1:] == ["Le périmètre couvre :", ListBlock(items=[
        "le plan de contrôle et les nœuds ;",
        "les briques *optionnelles* souscrites (voir la [fiche produit](https://docs.cloud-temple.com/kubernetes))."])]
    need, recurring, summary = m.sections
    assert recurring.notes == ["Les montées de version suivent trois étapes :", ListBlock(ordered=True, items=[
        "annonce par Cloud Temple, **30 jours** avant ;", "validation par le client ;",
        "mise à jour pendant la fenêtre de maintenance."])]
    # the section the published pages end with: a list and nothing else
    assert summary.title == "RACI (synthétique)" and summary.activities == [] and summary.notes == []
    assert summary.intro == [ListBlock(items=[
        ListItem(text="Cloud Temple **opère** le socle Kubernetes :",
                 items=["le plan de contrôle ;", "les nœuds *workers* et leur système."]),
        ListItem(text="Le client reste responsable de ses applications et de leurs données :",
                 items=["images de conteneurs ;", "manifestes et *charts* Helm."], ordered=True),
        "Les adaptations spécifiques au-delà du [catalogue](https://docs.cloud-temple.com/catalogue) sont "
        "**facturées en mode projet**."])]
    assert plain(summary.intro[0].items[2]).endswith("du catalogue sont facturées en mode projet.")  # link as text


@pytest.mark.parametrize("source, line, what", [
    ("- un\n  - deux\n    - trois\n", 3, "a list nested two levels deep"),
    ("- un\n  - deux\n\n  1. trois\n", 4, "a second list under one item"),
    ("- un\n  - deux\n\n  suite\n", 4, "a paragraph after the nested list of an item"),
    ("```\ncode\n```\n", 1, "fence"),
    ("    code indenté\n", 1, "code block"),
    ("<div>HTML</div>\n", 1, "html block"),
    ("- un\n\n  ```\n  code\n  ```\n", 3, "fence"),
    (":::note\n| a | b |\n|-|-|\n| c | d |\n:::\n", 2, "table"),
])
def test_a_block_the_model_cannot_hold_is_an_error_naming_its_line(tmp_path, source, line, what):
    from generator.infra.diagnostics import InputError
    head = "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n\n"
    path = page(tmp_path, head + source)
    with pytest.raises(InputError) as exc:
        imported(path)
    (d,) = [d for d in exc.value.diagnostics if d.is_error]
    assert (d.location.line, d.code) == (line + 6, "not-imported") and d.message.startswith(what), d.message
    assert "--lenient" in d.hint
    # lenient: the same block is a warning naming the same line, and the rest of the page is imported
    m, r = imported(path, lenient=True)
    (w,) = r.warnings
    assert (w.location.line, w.is_error) == (line + 6, False) and "left out" in w.message
    assert [a.text for _, a in m.activities()] == ["A"]


def test_a_row_with_roles_but_no_activity_is_an_error_and_an_empty_row_a_warning(tmp_path):
    from generator.infra.diagnostics import InputError
    table = "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n| | | |\n"
    _, r = imported(page(tmp_path, table))
    (w,) = r.warnings
    assert w.location.line == 6 and "empty row" in w.message
    with pytest.raises(InputError) as exc:
        imported(page(tmp_path, table + "|  | RA | |\n"))
    (d,) = [d for d in exc.value.diagnostics if d.is_error]
    assert d.location.line == 7 and "roles but an empty activity" in d.message


def test_import_command_fails_on_what_it_cannot_hold_and_leaves_it_out_when_lenient(tmp_path):
    from ..helpers import annex
    path = page(tmp_path, "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n\n"
                          "- un\n  - deux\n    - trois\n")
    out = tmp_path / "fr.yaml"
    result = annex("import", path, "-o", out)
    assert result.returncode == 1 and not out.exists()
    assert f"{path}:9: error [not-imported]: a list nested two levels deep (line 9)" in result.stderr
    assert "Traceback" not in result.stderr
    result = annex("import", path, "-o", out, "--lenient")
    assert result.returncode == 0, result.stderr
    assert f"{path}:9: warning [not-imported]" in result.stderr and "1 lists" in result.stderr
    assert "trois" not in out.read_text(encoding="utf-8") and "deux" in out.read_text(encoding="utf-8")


def test_numbered_lists_keep_their_first_number_and_items_their_paragraphs(tmp_path):
    from generator.model import ListBlock
    m, _ = imported(page(tmp_path, "## S\n\n3. trois\n4. quatre\n\n   suite de quatre\n"))
    (block,) = m.sections[0].intro
    assert block == ListBlock(items=["trois", "quatre\\\nsuite de quatre"], ordered=True, start=3)


def test_ids_are_stable_and_shared_by_translations(tmp_path):
    fr1, _ = imported(CORPUS / "raci_s3.fr.md")
    fr2, _ = imported(CORPUS / "raci_s3.fr.md")
    assert [a.id for _, a in fr1.activities()] == [a.id for _, a in fr2.activities()]
    assert len({a.id for _, a in fr1.activities()}) == 28
    it, _ = imported(CORPUS / "raci_s3.it.md", reference=fr1)
    assert [a.id for _, a in it.activities()] == [a.id for _, a in fr1.activities()]


def test_unreadable_page_is_a_clear_error(tmp_path):
    from generator.infra.diagnostics import InputError
    bad = tmp_path / "raci_x.fr.md"
    bad.write_bytes(b"## S\n\xff\xfe")
    with pytest.raises(InputError) as exc:
        read_page(bad)
    assert "UTF-8" in exc.value.diagnostics[0].message
    with pytest.raises(InputError):
        read_page(tmp_path / "raci_x.md")


FIXTURE = CORPUS.parent.parent / "tests" / "fixtures" / "raci_fidelity.fr.md"


def test_callouts_quotes_and_markers_at_their_place():
    from generator.model import Callout, ListBlock
    m, r = imported(FIXTURE)
    assert r.warnings == []  # only the notice that the page has no legend, filtered here
    assert m.legend == [] and m.legend_title is None
    assert m.intro[1] == Callout(kind="info", body=["Cette matrice complète la matrice **IaaS** ; en cas de "
                                                    "contradiction, la présente matrice prévaut."])
    need, run = m.sections
    assert need.intro == [Callout(kind="tip", title="Bien dimensionner", body=[
        "Dimensionnez vos instances avant la souscription :",
        ListBlock(items=["calcul et mémoire ;", "stockage et *sauvegarde*."])])]  # older syntax: title after kind
    assert need.notes == [Quote(quote=["**Particularité de l'offre**\\\nLes gabarits sont fournis par Cloud Temple "
                                       "et ne peuvent pas être modifiés."])]
    # between two tables: the first table's note (its star literal, not emphasis) and a callout
    assert [a.before for a in run.activities] == [[], [], [
        "\\*Ces responsabilités peuvent être déléguées à Cloud Temple dans le cadre d'une offre d'infogérance.",
        Callout(kind="warning", title="Condition de validité du SLA", body=[
            "Les **tools** de l'hyperviseur doivent rester installés et actifs sur chaque machine virtuelle. "
            "**Si le client désactive ou supprime ces tools, le SLA est immédiatement caduc.**"])], []]
    assert plain(run.activities[2].before[0]).startswith("*Ces responsabilités")
    assert run.activities[0].cell("provider").marks == ("*",)
    assert run.notes == [Quote(quote=["*(La restauration d'une machine complète est facturée à l'acte.)*"]),
                         Callout(kind="danger", body=["Une machine virtuelle supprimée ne peut pas être restaurée "
                                                      "sans sauvegarde."])]
    security = run.sections[0]
    assert security.intro == [Callout(kind="caution", body=["Les correctifs de sécurité du système invité restent "
                                                            "à la charge du client."])]  # `[]`: no title
    assert security.notes == [Callout(kind="note", body=[ListBlock(items=[
        "Les correctifs critiques sont publiés sous 72 heures.", "Les autres correctifs suivent le cycle mensuel."],
        ordered=True)])]


@pytest.mark.parametrize("note, expected", [
    ("*Ces responsabilités peuvent être déléguées.", ["\\*Ces responsabilités peuvent être déléguées."]),
    ("*(1) Une note*  \n*Une autre note", ["*(1) Une note*", "\\*Une autre note"]),
    ("*(1) Italique sur  \ndeux lignes*", ["*(1) Italique sur*", "*deux lignes*"]),
    ("Renvoi ** non fermé", ["Renvoi \\*\\* non fermé"]),
])
def test_a_star_that_opens_no_emphasis_stays_a_star(tmp_path, note, expected):
    table = "| Activité | Client | Cloud Temple |\n|-|-|-|\n| A * | RA | |\n"
    m, _ = imported(page(tmp_path, f"## S\n\n{table}\n{note}\n"))
    assert m.sections[0].notes == expected


def test_unknown_callout_kind_is_read_as_a_note_and_said(tmp_path):
    from generator.model import Callout
    m, r = imported(page(tmp_path, ":::important[Titre]\nTexte.\n:::\n\n## S\n\n| Activité | Client | Cloud Temple |\n"
                                   "|-|-|-|\n| A | RA | |\n"))
    assert m.intro == [Callout(kind="note", title="Titre", body=["Texte."])]
    (w,) = r.warnings
    assert w.location.line == 1 and "important" in w.message


@pytest.mark.parametrize("head, line, words", [
    ("---\ntitle: Titre A\n---\n\n# Titre B\n\n", 5, "`#` title “Titre B” differs from the front matter title"),
    ("---\n- une\n- liste\n---\n\n", 1, "front matter is not a mapping"),
])
def test_text_the_matrix_cannot_keep_elsewhere_is_an_error(tmp_path, head, line, words):
    from generator.infra.diagnostics import InputError
    path = page(tmp_path, head + "## S\n\n| Activité | Client | Cloud Temple |\n|-|-|-|\n| A | RA | I |\n")
    with pytest.raises(InputError) as exc:
        imported(path)
    (d,) = [d for d in exc.value.diagnostics if d.is_error]
    assert d.location.line == line and d.message.startswith(words)
    _, r = imported(path, lenient=True)
    assert [w.location.line for w in r.warnings] == [line]
