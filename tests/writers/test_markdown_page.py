"""Export: import -> export -> import gives the same model, and the page renders the same
tables as the original (same rows, same cells once emphasis is rendered)."""
import pytest
from markdown_it import MarkdownIt

from generator.commands.importer import matrix_from_page
from generator.writers.markdown_page import render

from ..conftest import CORPUS

PAGES = sorted(CORPUS.glob("raci_*.md"))


def tables_as_rendered(text: str) -> list[list[str]]:
    """Body rows of every activity table, as a Markdown viewer shows them (HTML of each cell)."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    rows, cells, in_body = [], [], False
    for tok in tokens:
        if tok.type == "tbody_open":
            in_body = True
        elif tok.type == "tbody_close":
            in_body = False
        elif tok.type == "tr_open":
            cells = []
        elif tok.type == "inline" and in_body:
            cells.append(md.renderInline(tok.content.replace("__", "**")).strip())
        elif tok.type == "tr_close" and in_body and not cells[0].startswith("("):
            rows.append(cells)
    return rows


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_round_trip_gives_the_same_model_and_the_same_tables(tmp_path, page):
    first, _ = matrix_from_page(page, lang=None, reference=None, existing=None, matrix_id="m")
    exported = render(first)
    again = tmp_path / page.name
    again.write_text(exported, encoding="utf-8")
    second, result = matrix_from_page(again, lang=None, reference=None, existing=None, matrix_id="m")
    assert second == first
    assert [w for w in result.warnings if w.code != "standard-legend"] == []
    original = tables_as_rendered(page.read_text(encoding="utf-8"))
    assert tables_as_rendered(exported) == original and len(original) > 20


def test_export_command_writes_a_page(tmp_path):
    import subprocess
    import sys

    from ..conftest import ROOT, S3
    out = tmp_path / "fr.md"
    result = subprocess.run([sys.executable, "-m", "generator", "export", str(S3 / "fr.yaml"), "-o", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Matrice de responsabilité IaaS - Stockage Objet S3\n")
    assert "| Activité | Rôle Client | Rôle Cloud Temple |" in text


FIXTURE = CORPUS.parent.parent / "tests" / "fixtures" / "raci_fidelity.fr.md"
LEGEND_WITHOUT_HEADING = """Intro.

| Rôle | Description |
|---|---|
| (R) Réalise | __R__éalise |
| (A) Approuve | __A__pprouve |

## S

| Activité | Client | Cloud Temple |
|-|-|-|
| A | RA | I |
"""


FIXTURES = CORPUS.parent.parent / "tests" / "fixtures"


@pytest.mark.parametrize("name", ["raci_kubernetes.fr.md", "raci_kubernetes.en.md"])
def test_round_trip_of_lists_as_published(tmp_path, name):
    first, _ = matrix_from_page(FIXTURES / name, lang=None, reference=None, existing=None, matrix_id="m")
    exported = render(first)
    again = tmp_path / name
    again.write_text(exported, encoding="utf-8")
    second, result = matrix_from_page(again, lang=None, reference=None, existing=None, matrix_id="m")
    assert second == first and result.warnings == []
    # the list-only section as published: nested bullets, a nested numbered list, a link kept
    tail = exported[exported.index("## RACI"):].splitlines()
    assert tail[2].startswith("- Cloud Temple **")
    assert tail[3].startswith("  - ") and tail[6].startswith("  1. ") and tail[7].startswith("  2. ")
    assert "[catalogue](https://docs.cloud-temple.com/catalogue)" in tail[8]


def test_round_trip_of_lists_that_markdown_would_merge_or_misread(tmp_path):
    """Two lists in a row stay two lists; texts that start like a marker stay text; numbering
    from 3 stays from 3; an item of two paragraphs, a numbered list under a numbered item."""
    from generator.model import Callout, ListBlock, ListItem, Matrix
    blocks = [ListBlock(items=["a", "b"]), ListBlock(items=["c"]), ListBlock(items=["d"]),
              ListBlock(items=["e"], ordered=True, start=3), ListBlock(items=["f"], ordered=True),
              "2024. Bilan de l'année", "- pas une liste", "# pas un titre", "> pas une citation",
              ListBlock(items=["1. pas un numéro", "ligne\\\n- pas une sous-liste",
                               ListItem(text="dix", items=["x", "y"], ordered=True, start=7)], ordered=True, start=10),
              Callout(kind="note", body=[ListBlock(items=["g"]), ListBlock(items=["h"])])]
    matrix = Matrix.model_validate({
        "id": "m", "lang": "fr", "title": "T", "version": "1.0.0",
        "parties": [{"id": "customer", "label": "Client"}, {"id": "provider", "label": "Cloud Temple"}],
        "legend": [{"code": "R", "label": "Réalise"}],
        "sections": [{"title": "S", "intro": blocks, "activities": [
            {"id": "a", "text": "A", "roles": {"customer": "RA", "provider": "I"}}], "notes": blocks}]})
    path = tmp_path / "raci_m.fr.md"
    path.write_text(render(matrix), encoding="utf-8")
    again, result = matrix_from_page(path, lang=None, reference=None, existing=None, matrix_id="m")
    assert again.sections[0].intro == blocks
    assert again.sections[0].notes == blocks
    assert result.warnings == []


@pytest.mark.parametrize("source", ["fixture", "legend-without-heading"])
def test_round_trip_of_callouts_quotes_markers_and_legends_as_published(tmp_path, source):
    if source == "fixture":
        page = FIXTURE
    else:
        page = tmp_path / "src" / "raci_x.fr.md"
        page.parent.mkdir()
        page.write_text(LEGEND_WITHOUT_HEADING, encoding="utf-8")
    first, _ = matrix_from_page(page, lang=None, reference=None, existing=None, matrix_id="m")
    exported = render(first)
    again = tmp_path / page.name
    again.write_text(exported, encoding="utf-8")
    second, result = matrix_from_page(again, lang=None, reference=None, existing=None, matrix_id="m")
    assert second == first
    assert [w for w in result.warnings if w.code != "standard-legend"] == []
    assert first.legend_title is None and "## Définition" not in exported  # no legend heading the page never had
    if source == "fixture":
        assert first.legend == [] and "(R)" not in exported
        assert ":::warning[Condition de validité du SLA]" in exported and "> **Particularité de l'offre**\\" in exported


def test_the_yaml_file_keeps_the_blocks(tmp_path):
    from generator.readers.matrix_yaml import read_matrix
    from generator.writers.matrix_yaml import render as render_yaml
    first, _ = matrix_from_page(FIXTURE, lang=None, reference=None, existing=None, matrix_id="m")
    path = tmp_path / "fr.yaml"
    path.write_text(render_yaml(first), encoding="utf-8")
    assert read_matrix(path)[0] == first


def test_a_bad_callout_in_a_yaml_file_is_a_located_error(tmp_path):
    from generator.infra.diagnostics import InputError
    from generator.readers.matrix_yaml import read_matrix
    path = tmp_path / "fr.yaml"
    path.write_text("id: m\nlang: fr\ntitle: T\nversion: 1.0.0\nparties: [{id: a, label: A}, {id: b, label: B}]\n"
                    "intro:\n  - kind: warnig\n    body: [x]\nsections: []\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_matrix(path)
    (d,) = exc.value.diagnostics
    assert d.location.line == 7 and d.field == "intro[0].kind" and "warning" in d.message
