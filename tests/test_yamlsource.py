"""The YAML reader refuses what a data file never needs, and says where."""
import os

import pytest

from generator.infra.diagnostics import InputError
from generator.infra.yamlsource import load_yaml


def write(tmp_path, text, name="m.yaml", mode="w"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def problems(path, **kw):
    with pytest.raises(InputError) as exc:
        load_yaml(path, **kw)
    assert exc.value.unreadable
    return exc.value.diagnostics


def test_positions_of_nested_values(tmp_path):
    doc = load_yaml(write(tmp_path, "a: 1\nlist:\n  - x: 2\n    y: [3, 4]\n"))
    assert doc.data == {"a": 1, "list": [{"x": 2, "y": [3, 4]}]}
    assert (doc.where(("list", 0, "y")).line, doc.where(("list", 0, "y")).column) == (4, 8)
    assert doc.where(("list", 0, "x"), key=True).line == 3
    # a missing path falls back to its nearest ancestor
    assert doc.where(("list", 0, "nope")).line == 3


def test_alias_and_anchor_are_refused(tmp_path):
    diags = problems(write(tmp_path, "a: &x [1, 2]\nb: *x\n"))
    assert [d.location.line for d in diags] == [1, 2]
    assert "anchor" in diags[0].message and "alias" in diags[1].message
    assert "gigabytes" in diags[0].hint


def test_billion_laughs_is_refused_before_expansion(tmp_path):
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    diags = problems(write(tmp_path, lol))
    assert len(diags) > 8


def test_syntax_error_has_line_and_column(tmp_path):
    (d,) = problems(write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n"))
    assert d.location.line >= 2 and "invalid YAML" in d.message


def test_duplicate_key(tmp_path):
    (d,) = problems(write(tmp_path, "a: 1\nb: 2\na: 3\n"))
    assert d.location.line == 3 and d.related[0].line == 1 and "twice" in d.message


def test_not_utf8(tmp_path):
    (d,) = problems(write(tmp_path, "title: caf\xe9\n".encode("latin-1")))
    assert "UTF-8" in d.message and (d.location.line, d.location.column) == (1, 11)


def test_empty_file(tmp_path):
    (d,) = problems(write(tmp_path, "  \n"))
    assert "empty" in d.message


def test_a_file_of_comments_only_is_empty_too(tmp_path):
    (d,) = problems(write(tmp_path, "# only a comment\n"))  # it was an AttributeError (mypy found it)
    assert d.message == "is empty" and d.location.line == 1


def test_size_limit(tmp_path):
    (d,) = problems(write(tmp_path, "a: " + "x" * 200 + "\n"), max_bytes=100)
    assert "over the limit" in d.message


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in problems(tmp_path / "nope.yaml")[0].message
    assert "folder" in problems(tmp_path)[0].message


def test_bom_is_accepted(tmp_path):
    assert load_yaml(write(tmp_path, "\ufeffa: 1\n")).data == {"a": 1}


def test_only_regular_files_are_read(tmp_path):
    import socket
    (d,) = problems("/dev/null")  # read as an empty file before
    assert d.message == "is a character device, expected a YAML file" and "regular files" in d.hint
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(tmp_path / "s.yaml"))
        assert problems(tmp_path / "s.yaml")[0].message == "is a socket, expected a YAML file"
    finally:
        server.close()


def test_the_size_limit_holds_on_bytes_read_not_on_the_size_the_file_system_reports():
    from generator.infra.yamlsource import read_text
    assert os.stat("/proc/self/maps").st_size == 0  # a regular file that says it is empty
    with pytest.raises(InputError) as exc:
        read_text("/proc/self/maps", max_bytes=100)
    assert "over the limit of 100" in exc.value.diagnostics[0].message


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    assert load_yaml(write(tmp_path, "a: " + "x" * 96 + "\n"), max_bytes=100).data == {"a": "x" * 96}


def test_what_yaml_cannot_build_stays_the_text_written(tmp_path):
    """An impossible date or a 5,000-digit number raised ValueError inside PyYAML (a traceback that
    aborted a batch); kept as text, the model refuses it with the field named."""
    doc = load_yaml(write(tmp_path, f"date: 2025-02-30\nstamp: 2025-01-01 25:00:00\nbig: {'9' * 5000}\n"))
    assert doc.data == {"date": "2025-02-30", "stamp": "2025-01-01 25:00:00", "big": "9" * 5000}
    assert load_yaml(write(tmp_path, "date: 2025-02-28\n")).data["date"].isoformat() == "2025-02-28"


def test_nesting_is_limited_before_the_tree_is_built(tmp_path):
    from generator.model.limits import MAX_NESTING
    ok = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert load_yaml(write(tmp_path, f"{ok}\n")).data is not None
    (d,) = problems(write(tmp_path, "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n"))
    assert (d.location.line, d.location.column) == (1, MAX_NESTING + 1)
    assert f"more than {MAX_NESTING} levels" in d.message
    (d,) = problems(write(tmp_path, "[" * 100_000 + "\n"))  # a RecursionError before
    assert f"more than {MAX_NESTING} levels" in d.message


def test_a_raw_control_character_is_located(tmp_path):
    (d,) = problems(write(tmp_path, "a: 1\nb: x\x1by\n"))
    assert (d.location.line, d.location.column) == (2, 5) and "U+001B (ESC)" in d.message
