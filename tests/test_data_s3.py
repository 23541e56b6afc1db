"""The shipped S3 matrix says exactly what the published pages say, and the importer
regenerates the committed files byte for byte."""
import shutil
import subprocess
import sys

import pytest
import yaml

from generator.model import plain
from generator.readers.matrix_yaml import read_matrix

from .conftest import CORPUS, LANGS, ROOT, S3
from .corpus_rows import raw_rows, roles_of, strip_markup


@pytest.mark.parametrize("lang", LANGS)
def test_data_matches_the_source_page_word_for_word(lang):
    text = (CORPUS / f"raci_s3.{lang}.md").read_text(encoding="utf-8")
    matrix, _ = read_matrix(S3 / f"{lang}.yaml")
    rows = raw_rows(text)
    activities = [a for _, a in matrix.activities()]
    assert len(activities) == len(rows) == 28
    for (line, cells), activity in zip(rows, activities, strict=True):
        assert plain(activity.text) == strip_markup(cells[0]), line
        assert [activity.roles.get(p.id) or "" for p in matrix.parties] == [roles_of(c) for c in cells[1:3]], line
    lines = text.splitlines()
    front = yaml.safe_load(text.split("---")[1])
    assert matrix.title == front["title"]
    headings = [line[3:].strip() for line in lines if line.startswith("## ")]
    assert [matrix.legend_title] + [s.title for s in matrix.sections] == headings
    paragraphs = [line.strip() for line in lines if line.strip() and not line.startswith(("|", "#", "---"))
                  and ":" not in line.split(" ")[0]]
    assert matrix.intro[0] in paragraphs and matrix.legend_intro[0] in paragraphs
    legend_rows = [[strip_markup(c.strip()) for c in line.strip().strip("|").split("|")] for line in lines
                   if line.startswith("| (")]
    assert [[f"({e.code}) {e.label}", plain(e.description)] for e in matrix.legend] == \
        [[" ".join(a.split()), b] for a, b in legend_rows]


def test_typos_of_the_source_are_kept():
    fr, _ = read_matrix(S3 / "fr.yaml")
    texts = [a.text for _, a in fr.activities()]
    assert "Détruite les supports de stockage en fin de vie ou en erreur" in texts
    assert fr.legend_intro == ["Nous rappelons ici les différents rôle du RACI :"]


def test_the_importer_regenerates_the_committed_files(tmp_path):
    target = tmp_path / "s3"
    shutil.copytree(S3, target)
    run = subprocess.run([sys.executable, "-m", "generator", "import", str(CORPUS / "raci_s3.fr.md"), "-o",
                          str(target / "fr.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    for lang in LANGS[1:]:
        run = subprocess.run([sys.executable, "-m", "generator", "import", str(CORPUS / f"raci_s3.{lang}.md"),
                              "-o", str(target / f"{lang}.yaml"), "--reference", str(target / "fr.yaml")],
                             capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
    for lang in LANGS:
        assert (target / f"{lang}.yaml").read_bytes() == (S3 / f"{lang}.yaml").read_bytes(), lang
    assert "28 activities" in run.stderr


def test_a_folder_of_one_matrix_imports_all_languages_with_shared_ids(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for lang in LANGS:
        shutil.copy(CORPUS / f"raci_s3.{lang}.md", pages)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "generator", "import", str(pages), "-o", str(out), "--id", "s3"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    ids = {lang: [a.id for _, a in read_matrix(out / f"{lang}.yaml")[0].activities()] for lang in LANGS}
    assert all(v == ids["fr"] for v in ids.values())
    check = subprocess.run([sys.executable, "-m", "generator", "validate", str(out)], capture_output=True, text=True,
                           cwd=ROOT)
    assert check.returncode == 0, check.stderr
    fresh = read_matrix(out / "de.yaml")[0]
    assert (fresh.id, fresh.status, fresh.version) == ("s3", "draft", "0.1.0")
