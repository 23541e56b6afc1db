"""Matrix files: the shape limits (section depth, sections, activities) are checked on the raw
data, before the model is built, and located at the first item over the limit."""
import pytest

from generator.infra.diagnostics import InputError
from generator.model import limits
from generator.readers.matrix_yaml import read_matrix

from ..conftest import S3

HEAD = (S3 / "fr.yaml").read_text(encoding="utf-8").split("sections:\n")[0] + "sections:\n"
ROW = "{id: a%d, text: A, roles: {customer: RA, provider: I}}"


def nested(depth: int) -> str:
    out = ""
    for d in range(depth):
        pad = "  " * (2 * d)
        out += f"{pad}- title: T{d + 1}\n{pad}  activities: [{ROW % d}]\n"
        if d + 1 < depth:
            out += f"{pad}  sections:\n"
    return out


def refused(tmp_path, body: str):
    f = tmp_path / "m.yaml"
    f.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_matrix(f)
    assert not exc.value.unreadable
    return exc.value.diagnostics


def test_section_depth(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(HEAD + nested(limits.MAX_SECTION_DEPTH), encoding="utf-8")
    matrix, _ = read_matrix(f)
    assert max(depth for depth, _ in matrix.walk()) == limits.MAX_SECTION_DEPTH
    (d,) = refused(tmp_path, nested(limits.MAX_SECTION_DEPTH + 1))
    assert d.code == "limit" and d.location.line == HEAD.count("\n") + 3 * limits.MAX_SECTION_DEPTH + 1
    assert d.field == "sections[0]" + ".sections[0]" * limits.MAX_SECTION_DEPTH


def test_activity_count(tmp_path):
    half = limits.MAX_ACTIVITIES // 2
    body = "".join(f"- title: S{s}\n  activities:\n" + "".join(f"  - {ROW % (s * half + i)}\n" for i in range(half))
                   for s in range(2))
    f = tmp_path / "ok.yaml"
    f.write_text(HEAD + body, encoding="utf-8")
    assert sum(1 for _ in read_matrix(f)[0].activities()) == limits.MAX_ACTIVITIES
    (d,) = refused(tmp_path, body + f"- title: Last\n  activities:\n  - {ROW % -1}\n")
    assert d.field == "sections[2].activities" and d.location.line == HEAD.count("\n") + 2 * (half + 2) + 3
    assert f"more than {limits.MAX_ACTIVITIES:,} activities" in d.message


def test_section_count(tmp_path):
    body = "".join(f"- title: S{s}\n  activities: [{ROW % s}]\n" for s in range(limits.MAX_SECTIONS + 1))
    (d,) = refused(tmp_path, body)
    assert d.field == f"sections[{limits.MAX_SECTIONS}]"


def test_long_text_is_located_and_not_echoed(tmp_path):
    text = "y" * (limits.MAX_TEXT + 1)
    (d,) = refused(tmp_path, f"- title: S\n  activities:\n  - {{id: a, text: {text}, roles: {{customer: RA}}}}\n")
    assert d.field == "sections[0].activities[0].text" and text not in d.message
    assert d.message == f"is {limits.MAX_TEXT + 1:,} characters long, over the limit of {limits.MAX_TEXT:,}"


def test_text_in_all(tmp_path):
    note = "n" * limits.MAX_PARAGRAPH
    count = limits.MAX_MATRIX_TEXT // limits.MAX_PARAGRAPH + 1
    (d,) = refused(tmp_path, f"- title: S\n  activities: [{ROW % 0}]\n  notes:\n" + f"  - {note}\n" * count)
    assert d.code == "limit" and d.location.line == 1 and f"over the limit of {limits.MAX_MATRIX_TEXT:,}" in d.message
