import pytest

from generator.model.roles import format_roles, parse_roles


@pytest.mark.parametrize("cell, letters, marks", [
    ("RA", ("R", "A"), ()), ("AR", ("R", "A"), ()), ("C, I", ("C", "I"), ()), ("C/I", ("C", "I"), ()),
    ("RA*", ("R", "A"), ("*",)), ("I*", ("I",), ("*",)), ("", (), ()), (None, (), ()),
    ("RA (1)", ("R", "A"), ("(1)",)), ("AI", ("A", "I"), ()),
])
def test_cells_are_read_as_written(cell, letters, marks):
    parsed = parse_roles(cell)
    assert (parsed.letters, parsed.marks, parsed.unknown) == (letters, marks, "")


def test_anything_else_is_kept_as_unknown_not_guessed():
    parsed = parse_roles("Kunde")
    assert parsed.letters == () and parsed.unknown == "Kunde"


def test_canonical_form():
    assert format_roles(("A", "R"), ("*",)) == "RA*"
