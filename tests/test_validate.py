"""`annex validate`: every rule, every message located, exit codes as in README.md."""
import shutil
import subprocess
import sys

import pytest
import yaml

from generator.commands.validate import validate_paths

from .conftest import DATA, ROOT, S3

GOOD = """\
id: demo
lang: fr
title: Démo
version: 1.0.0
status: approved
approval: {by: Juridique, date: 2025-01-10}
history:
  - {version: 0.9.0, date: 2024-12-01, summary: Projet}
  - {version: 1.0.0, date: 2025-01-10, summary: Publication}
parties:
  - {id: customer, label: Client}
  - {id: provider, label: Fournisseur}
legend:
  - {code: R, label: Réalise}
  - {code: A, label: Approuve}
  - {code: C, label: Consulté}
  - {code: I, label: Informé}
sections:
  - title: Première
    activities:
      - id: a1
        text: Faire **ceci**
        roles: {customer: RA, provider: CI}
      - id: a2
        text: Faire cela
        roles: {customer: I, provider: RA}
"""


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd)


def check(tmp_path, text, *, name="fr.yaml", relax=frozenset()):
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return validate_paths([folder], relax=relax)


def codes(report):
    return [d.code for d in report.errors]


def test_the_shipped_data_is_valid():
    report = validate_paths([DATA], data_dir=DATA)
    assert report.diagnostics == []
    result = run_cli("validate", "data/")
    assert result.returncode == 0, result.stderr
    assert "0 error(s)" in result.stderr


def test_good_matrix_passes(tmp_path):
    assert check(tmp_path, GOOD).diagnostics == []


@pytest.mark.parametrize("old, new, code, line", [
    ("customer: RA, provider: CI", "customer: RA, provider: CA", "one-accountable", 23),
    ("customer: I, provider: RA", "customer: I, provider: A", "responsible-required", 26),
    ("customer: I, provider: RA", "customer: I, provider: RAX", "bad-role", 26),
    ("customer: I, provider: RA", "customer: I, provider: Kunde", "bad-role", 26),
    ("customer: I, provider: RA", "customer: IRA", "missing-party", 26),
    ("customer: I, provider: RA", "customer: I, provider: RA, partner: I", "unknown-party", 26),
    ("id: a2", "id: a1", "duplicate-id", 24),
    ("text: Faire cela", "text: Faire  **ceci**", None, None),
    ("status: approved\napproval: {by: Juridique, date: 2025-01-10}", "status: approved", "approval-missing", 5),
    ("- {version: 0.9.0, date: 2024-12-01", "- {version: 1.1.0, date: 2024-12-01", "history-order", 9),
    ("{code: C, label: Consulté}", "{code: R, label: Consulté}", "duplicate-legend", 16),
])
def test_each_rule_is_reported_at_its_line(tmp_path, old, new, code, line):
    assert old in GOOD
    report = check(tmp_path, GOOD.replace(old, new))
    if code is None:  # same text twice in a section: emphasis differs, words do not
        report = check(tmp_path, GOOD.replace(old, "text: Faire **ceci**"))
        code, line = "duplicate-text", 25
    assert code in codes(report), [d.format() for d in report.diagnostics]
    d = next(d for d in report.errors if d.code == code)
    assert d.location.line == line, d.format()
    assert d.hint


def test_a_rule_can_become_a_warning_by_file_or_flag(tmp_path):
    bad = GOOD.replace("customer: RA, provider: CI", "customer: R, provider: CI")
    assert "one-accountable" in codes(check(tmp_path, bad))
    relaxed = check(tmp_path, bad.replace("parties:", "rules: {one_accountable: warning}\nparties:"))
    assert relaxed.errors == [] and [d.code for d in relaxed.warnings] == ["one-accountable"]
    flagged = check(tmp_path, bad, relax=frozenset({"one-accountable"}))
    assert flagged.errors == [] and len(flagged.warnings) == 1


def test_empty_section(tmp_path):
    report = check(tmp_path, GOOD + "  - title: Vide\n")
    assert codes(report) == ["empty-section"]
    assert report.errors[0].location.line == 27


@pytest.mark.parametrize("content", [
    "    intro:\n      - items: [Les adaptations sont **facturées en mode projet**.]\n",
    "    intro: [Un paragraphe.]\n",
    "    notes:\n      - {kind: warning, body: [Attention.]}\n",
])
def test_a_section_of_text_alone_is_a_section(tmp_path, content):
    report = check(tmp_path, GOOD + "  - title: RACI (synthétique)\n" + content)
    assert report.diagnostics == []


def test_a_list_nested_two_levels_in_a_yaml_file_is_a_located_error(tmp_path):
    report = check(tmp_path, GOOD + "  - title: Liste\n    intro:\n      - items:\n          - text: un\n"
                                    "            items: [{text: deux, items: [trois]}]\n")
    (d,) = report.errors
    assert d.location.line == 31 and d.field == "sections[1].intro[0].items[0].items[0]"
    assert "lists nest one level" in d.hint


KUBERNETES = ROOT / "tests" / "fixtures"


def kubernetes_pair(tmp_path):
    """The Kubernetes-style fixture pages imported in French and English, as `annex import` does."""
    from generator.commands.importer import import_page
    from generator.readers.matrix_yaml import read_matrix
    folder = tmp_path / "kubernetes"
    folder.mkdir()
    assert import_page(KUBERNETES / "raci_kubernetes.fr.md", folder / "fr.yaml", lang=None, reference=None,
                       matrix_id=None) == 0
    assert import_page(KUBERNETES / "raci_kubernetes.en.md", folder / "en.yaml", lang=None,
                       reference=read_matrix(folder / "fr.yaml")[0], matrix_id=None) == 0
    return folder


def test_translations_agree_on_lists(tmp_path):
    assert validate_paths([kubernetes_pair(tmp_path)]).diagnostics == []


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["intro"][0]["items"].pop(), "block 1 is a bulleted list of 2 items (2 nested under item 1, 2 "
                                               "numbered nested under item 2) where fr has a bulleted list of 3 items"),
    (lambda s: s["intro"][0]["items"][1]["items"].pop(), "(2 nested under item 1, 1 numbered nested under item 2)"),
    (lambda s: s["intro"][0]["items"][1].update(ordered=False), "(2 nested under item 1, 2 nested under item 2)"),
    (lambda s: s["intro"].append("Un paragraphe de trop."), "block 2 is a paragraph where fr has missing"),
])
def test_translations_must_agree_on_lists(tmp_path, edit, message):
    folder = kubernetes_pair(tmp_path)
    en = folder / "en.yaml"
    data = yaml.safe_load(en.read_text(encoding="utf-8"))
    edit(data["sections"][2])
    en.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (d,) = validate_paths([folder]).errors
    assert d.code == "translation-blocks" and d.field.startswith("sections[2].intro")
    assert d.message.startswith("the intro of section “RACI (summary)”: ") and message in d.message, d.message
    assert d.location.path.endswith("en.yaml") and d.related[0].path.endswith("fr.yaml") and d.location.line > 0


def test_unknown_key_suggests_the_right_one(tmp_path):
    report = check(tmp_path, GOOD.replace("title: Démo", "titel: Démo"))
    unknown = next(d for d in report.errors if d.code == "unknown-key")
    assert (unknown.location.line, unknown.location.column) == (3, 1)
    assert "did you mean `title`" in unknown.hint
    assert any(d.field == "title" and "required" in d.message for d in report.errors)


def test_wrong_types_and_versions(tmp_path):
    report = check(tmp_path, GOOD.replace("version: 1.0.0\nstatus", "version: 1.0\nstatus")
                   .replace("status: approved", "status: final"))
    messages = {d.field: d for d in report.errors}
    assert "semantic version" in messages["version"].message and messages["version"].location.line == 4
    assert messages["status"].location.line == 5


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("customer: RA, provider: CI", "customer: R, provider: CX").replace("id: a2", "id: a1")
    assert set(codes(check(tmp_path, text))) >= {"one-accountable", "bad-role", "duplicate-id"}


def copy_s3(tmp_path):
    folder = tmp_path / "s3"
    shutil.copytree(S3, folder)
    return folder


def test_translations_must_agree_on_roles(tmp_path):
    folder = copy_s3(tmp_path)
    de = folder / "de.yaml"
    data = yaml.safe_load(de.read_text(encoding="utf-8"))
    assert data["sections"][0]["activities"][0]["roles"]["provider"] == "CI"
    data["sections"][0]["activities"][0]["roles"]["provider"] = "C"
    de.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = validate_paths([folder])
    (d,) = [d for d in report.errors if d.code == "translation-roles"]
    assert d.location.path.endswith("de.yaml") and d.related[0].path.endswith("fr.yaml")
    assert d.location.line > 0 and d.related[0].line > 0


def test_translations_must_agree_on_ids_and_order(tmp_path):
    folder = copy_s3(tmp_path)
    it = folder / "it.yaml"
    text = it.read_text(encoding="utf-8")
    assert "id: creer-objets" in text
    it.write_text(text.replace("id: creer-objets", "id: creare-oggetti"), encoding="utf-8")
    report = validate_paths([folder])
    assert "translation-activities" in codes(report)


def test_cli_exit_codes(tmp_path):
    (tmp_path / "bad.yaml").write_text(GOOD.replace("provider: CI", "provider: CA"), encoding="utf-8")
    result = run_cli("validate", str(tmp_path / "bad.yaml"))
    assert result.returncode == 1
    assert "bad.yaml:23:" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "broken.yaml").write_text("a: [1\n", encoding="utf-8")
    result = run_cli("validate", str(tmp_path / "broken.yaml"))
    assert result.returncode == 2 and "invalid YAML" in result.stderr and "Traceback" not in result.stderr
    assert run_cli("validate", str(tmp_path / "missing.yaml")).returncode == 2
    assert run_cli("validate", "--warn", "nonsense", "data").returncode == 2
    result = run_cli("validate", "--warn", "one-accountable", str(tmp_path / "bad.yaml"))
    assert result.returncode == 0 and "warning" in result.stderr
