"""Text fields: the characters no annex may carry, the names no file may have, and the limits."""
import pytest
from pydantic import ValidationError

from generator.infra.diagnostics import printable, quoted
from generator.model import Customer, Deviation, limits
from generator.model.text import reserved_name_problem, text_problem


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\ud800",
                                  "\ufffe", "\U0010ffff", "\ufdd0", "\u202a", "\u202e", "\u2066", "\u2069",
                                  "\u200e", "\u200f", "\u061c"])
def test_refused_everywhere(char):
    for multiline in (False, True):
        problem = text_problem(f"ab{char}c", multiline=multiline)
        assert problem and f"U+{ord(char):04X}" in problem and "at character 3" in problem


@pytest.mark.parametrize("char", ["\t", "\n", "\u2028", "\u2029"])
def test_tab_and_line_breaks_only_where_text_spans_lines(char):
    assert text_problem(f"a{char}b", multiline=True) is None
    assert "this field is one line" in text_problem(f"a{char}b", multiline=False)


@pytest.mark.parametrize("text", ["Banque Horizon SA", "Zürich Versicherungs-AG", "株式会社テスト", "شركة الاختبار",
                                  "Ωmega\u00a0Ltd", "a\u200db", "soft\u00adhyphen", "emoji 👍🏽"])
def test_real_names_pass(text):
    assert text_problem(text, multiline=False) is None


def test_printable_escapes_what_a_terminal_would_obey():
    assert printable("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"
    assert len(quoted("x" * 500)) == 80 and len(printable("x" * 500)) == 500


@pytest.mark.parametrize("name", ["con", "CON", "Aux", "nul.txt", "com1", "COM9.tar.gz", "lpt0", "prn.x", "a."])
def test_reserved_names(name):
    assert reserved_name_problem(name)


@pytest.mark.parametrize("name", ["console", "com10", "conx", "aux-1", "null", "lpt", "x.con"])
def test_names_that_only_look_reserved(name):
    assert reserved_name_problem(name) is None


def test_limits_are_model_constraints_with_the_figure_in_the_schema():
    too_long = "x" * (limits.MAX_NAME + 1)
    with pytest.raises(ValidationError) as exc:
        Customer.model_validate({"id": "a", "name": too_long})
    assert exc.value.errors()[0]["type"] == "string_too_long"
    Customer.model_validate({"id": "a", "name": "x" * limits.MAX_NAME})
    with pytest.raises(ValidationError):
        Deviation.model_validate({"activity": "a", "roles": {}, "reason": "r" * (limits.MAX_TEXT + 1)})
    schema = Customer.model_json_schema()
    assert schema["properties"]["name"]["maxLength"] == limits.MAX_NAME
    assert schema["properties"]["matrices"]["maxItems"] == limits.MAX_MATRICES_PER_CUSTOMER


def test_multi_line_text_keeps_its_line_breaks():
    dev = Deviation.model_validate({"activity": "a", "roles": {}, "reason": "First line\nsecond\tline"})
    assert dev.reason == "First line\nsecond\tline"
