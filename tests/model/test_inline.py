from generator.model.inline import Span, plain, spans


def test_bold_and_italic_spans():
    assert spans("Assurer **datacenters physiques** et *ceci*") == (
        Span("Assurer "), Span("datacenters physiques", bold=True), Span(" et "), Span("ceci", italic=True))


def test_intraword_bold_with_asterisks():
    assert spans("**R**éalise") == (Span("R", bold=True), Span("éalise"))


def test_soft_break_is_a_space_and_html_is_text():
    assert plain("a\nb") == "a b"
    assert plain("<script>x</script> & co") == "<script>x</script> & co"
