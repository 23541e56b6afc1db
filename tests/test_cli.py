"""`annex build` from the command line: file names and folders of README.md, exit codes,
and no traceback for bad input."""

import pytest

from .conftest import CUSTOMERS, S3
from .helpers import annex


def test_build_with_a_customer_writes_both_formats_in_its_folder(tmp_path):
    result = annex("build", "s3-object-storage", "--customer", f"{CUSTOMERS}#northwind-logistics", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "northwind-logistics/s3-object-storage_en_v1.0.0.docx", "northwind-logistics/s3-object-storage_en_v1.0.0.pdf"]


def test_build_without_a_customer_from_a_file(tmp_path):
    result = annex("build", str(S3 / "it.yaml"), "--format", "pdf", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["s3-object-storage_it_v1.0.0.pdf"]


def test_a_draft_matrix_is_refused_without_draft(tmp_path):
    draft = tmp_path / "fr.yaml"
    draft.write_text((S3 / "fr.yaml").read_text(encoding="utf-8").replace("status: approved", "status: draft"),
                     encoding="utf-8")
    refused = annex("build", str(draft), "--format", "docx", "-o", str(tmp_path / "out"))
    assert refused.returncode == 1 and "--draft" in refused.stderr and "Traceback" not in refused.stderr
    accepted = annex("build", str(draft), "--format", "docx", "--draft", "-o", str(tmp_path / "out"))
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.parametrize("args, message", [
    (["build", "nope"], "known ids: iaas, s3-object-storage"),
    (["build", "s3-object-storage", "--lang", "xx"], "languages available"),
    (["build", "s3-object-storage", "--customer", "missing.yaml"], "no such file"),
    (["build", "s3-object-storage", "--customer", str(CUSTOMERS)], "say which one"),
    (["build", "s3-object-storage", "--customer", f"{CUSTOMERS}#nobody"], "no customer with id"),
    (["build", "s3-object-storage", "--templates", "/nonexistent"], "template folder not found"),
    (["build", "s3-object-storage", "--format", "txt"], "Invalid value"),
])
def test_bad_input_is_a_usage_error_with_a_message(args, message):
    result = annex(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_the_review_docx_has_a_name_of_its_own_beside_the_plain_one(tmp_path):
    result = annex("build", "s3-object-storage", "--customer", f"{CUSTOMERS}#banque-horizon", "--format", "docx",
                   "--review", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "banque-horizon"
    assert sorted(p.name for p in folder.iterdir()) == ["s3-object-storage_fr_v1.0.0.docx",
                                                        "s3-object-storage_fr_v1.0.0_review.docx"]
    from docx import Document
    plain, review = (Document(str(folder / name)) for name in sorted(p.name for p in folder.iterdir()))
    protection = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}documentProtection"
    assert plain.settings.element.find(protection) is None and review.settings.element.find(protection) is not None


def test_batch_review_lists_the_review_docx_in_the_manifest(tmp_path):
    import json
    result = annex("batch", str(CUSTOMERS), "--format", "docx", "--review", "-j", "1", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    entries = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    review = [e for e in entries if e["format"] == "review"]
    plain = [e for e in entries if e["format"] == "docx"]
    assert review and len(review) == len(plain)
    assert all(e["path"].endswith("_review.docx") and (tmp_path / e["path"]).is_file() for e in review)
    assert {e["path"] for e in review}.isdisjoint({e["path"] for e in plain})


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_help_shows_flags_without_a_value_type():
    """`--draft` takes no value: the help must not show one after it (typer's rich help printed
    `--draft <bool>`), for every command."""
    import typer.main
    from click.testing import CliRunner

    from generator.cli import app
    group = typer.main.get_command(app)
    checked = 0
    for words, command in _commands(group):
        out = CliRunner().invoke(group, [*words, "--help"]).output
        flags = [p for p in command.params if getattr(p, "is_flag", False)]
        for flag in flags:
            line = next(line for line in out.splitlines() if flag.opts[-1] in line)
            after = line.split(flag.opts[-1], 1)[1]
            assert not after.startswith(" <"), f"annex {' '.join(words)} --help: {line.strip()}"
            checked += 1
        assert "<bool>" not in out, f"annex {' '.join(words)} --help"
    assert checked >= 8  # --draft, --review, --force, --ltv, --json, --rejected...
