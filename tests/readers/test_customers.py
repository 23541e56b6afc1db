"""Customer files: YAML and CSV give the same customers; bad ids and deviations are refused."""
import pytest

from generator.annex import build_annex
from generator.brand import load_brand
from generator.commands.validate import validate_paths
from generator.infra.diagnostics import InputError
from generator.readers.customers import pick_customer, read_customer_entries, read_customers

from ..conftest import CUSTOMERS, DATA, load_matrix


def test_yaml_and_csv_hold_the_same_customers_and_give_the_same_annexes():
    from_yaml, _ = read_customers(CUSTOMERS)
    from_csv, _ = read_customers(CUSTOMERS.with_suffix(".csv"))
    assert len(from_yaml) >= 5 and from_yaml == from_csv
    assert {c.lang for c in from_yaml} == {"fr", "en", "de", "es", "it"}
    assert any(c.deviations for c in from_yaml)
    brand = load_brand()
    for a, b in zip(from_yaml, from_csv, strict=True):
        fa = build_annex(load_matrix(a.lang), a, brand).stamp.fingerprint
        fb = build_annex(load_matrix(b.lang), b, brand).stamp.fingerprint
        assert fa == fb


def test_pick_one_customer():
    customer, _ = pick_customer(f"{CUSTOMERS}#northwind-logistics")
    assert customer.lang == "en"
    with pytest.raises(InputError) as exc:
        pick_customer(f"{CUSTOMERS}#nobody")
    assert "banque-horizon" in exc.value.diagnostics[0].hint
    with pytest.raises(InputError):
        pick_customer(str(CUSTOMERS))  # several customers: must say which


@pytest.mark.parametrize("bad_id", ["../etc", "a/b", "..", "é", "a b", "x.pdf"])
def test_unsafe_ids_are_refused_with_the_customer_named(tmp_path, bad_id):
    f = tmp_path / "c.yaml"
    f.write_text(f"customers:\n  - id: ok\n    name: Fine\n  - id: '{bad_id}'\n    name: Bad\n", encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert entries[0].customer is not None
    assert entries[1].customer is None and entries[1].raw_id == bad_id
    (d,) = entries[1].problems
    assert d.location.line == 4 and d.field == "customers[1].id" and "letters" in d.hint


def test_csv_errors_name_row_and_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,name,lang,effective_date\nok,Fine,fr,2025-01-01\nbad/id,Bad,xx,2025-13-01\n", encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert entries[0].customer is not None and entries[1].customer is None
    where = {d.field: (d.location.line, d.location.column) for d in entries[1].problems}
    assert where["customers[1].id"] == (3, 1)
    assert where["customers[1].lang"] == (3, 3)
    assert where["customers[1].effective_date"] == (3, 4)


def test_csv_unknown_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,name,contarct\nok,Fine,X\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_customer_entries(f)
    assert (exc.value.diagnostics[0].location.line, exc.value.diagnostics[0].location.column) == (1, 3)


def write_customer(tmp_path, deviation: str):
    f = tmp_path / "c.yaml"
    f.write_text("customers:\n  - id: acme\n    name: ACME\n    lang: fr\n    matrices: [s3-object-storage]\n"
                 f"    deviations:\n{deviation}", encoding="utf-8")
    return f


def test_deviation_on_unknown_activity_names_the_customer(tmp_path):
    f = write_customer(tmp_path, "      - {activity: nope, roles: {customer: RA}, reason: x}\n")
    report = validate_paths([f], data_dir=DATA)
    (d,) = report.errors
    assert "acme" in d.message and "nope" in d.message and d.location.line == 7


def test_deviation_that_breaks_a_rule_is_refused(tmp_path):
    f = write_customer(tmp_path, "      - activity: assurer-sauvegarde-donnees\n"
                                 "        roles: {customer: A, provider: A}\n        reason: x\n")
    report = validate_paths([f], data_dir=DATA)
    assert {d.code for d in report.errors} == {"one-accountable", "responsible-required"}
    assert all("acme" in d.message for d in report.errors)
    customer = read_customers(f)[0][0]
    with pytest.raises(InputError):
        build_annex(load_matrix("fr"), customer, load_brand())


def test_unknown_matrix(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("customers:\n  - {id: acme, name: ACME, matrices: [nope]}\n", encoding="utf-8")
    (d,) = validate_paths([f], data_dir=DATA).errors
    assert d.code == "unknown-matrix" and d.location.line == 2


def test_csv_repeated_column_is_refused_with_both_places(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,name,lang,name\nok,Fine,fr,Other\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_customer_entries(f)
    (d,) = exc.value.diagnostics
    assert d.code == "duplicate-column" and (d.location.line, d.location.column) == (1, 4)
    assert d.related[0].column == 2


def test_csv_blank_lines_short_rows_and_extra_cells(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("id,name,lang\n\nok,Fine\nbad,Bad,fr,surplus\n", encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert entries[0].customer.lang is None
    (d,) = entries[1].problems
    assert d.code == "unknown-key" and (d.location.line, d.location.column) == (4, 4)


def test_csv_side_file_in_a_subfolder_is_read_and_one_outside_fails_its_customer_alone(tmp_path):
    (tmp_path / "devs").mkdir()
    (tmp_path / "devs" / "a.yaml").write_text(
        "deviations:\n  - {activity: assurer-sauvegarde-donnees, roles: {customer: A, provider: R}, reason: x}\n",
        encoding="utf-8")
    f = tmp_path / "c.csv"
    f.write_text("id,name,deviations\na,A,devs/a.yaml\nb,B,../a.yaml\nc,C,devs/missing.yaml\n", encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert entries[0].customer.deviations[0].activity == "assurer-sauvegarde-donnees"
    (d,) = entries[1].problems
    assert d.code == "deviations-file" and (d.location.line, d.location.column) == (3, 3) and "`..`" in d.message
    (d,) = entries[2].problems
    assert d.location.path.endswith("missing.yaml") and d.message == "no such file"


def test_ids_that_differ_only_by_case_are_duplicates(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("customers:\n  - {id: Acme, name: A}\n  - {id: ACME, name: B}\n  - {id: other, name: C}\n",
                 encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert [e.customer is not None for e in entries] == [True, False, True]
    (d,) = entries[1].problems
    assert d.code == "duplicate-customer" and "only by case" in d.message and d.related[0].line == 2


def test_a_matrix_listed_twice_is_refused_even_beside_other_problems(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("customers:\n  - {id: a, name: '', matrices: [x, y, x]}\n", encoding="utf-8")
    (entry,) = read_customer_entries(f)[0]
    assert {d.field for d in entry.problems} == {"customers[0].matrices[2]", "customers[0].name"}
    assert entry.matrices == ("x", "y")


def test_too_many_customers(tmp_path, monkeypatch):
    monkeypatch.setattr("generator.readers.customers.MAX_CUSTOMERS", 2)
    f = tmp_path / "c.yaml"
    f.write_text("customers:\n" + "".join(f"  - {{id: c{i}, name: C}}\n" for i in range(3)), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_customer_entries(f)
    (d,) = exc.value.diagnostics
    assert d.code == "limit" and d.location.line == 4 and "more than 2 customers" in d.message


def test_reported_ids_are_kept_as_written_and_messages_cannot_carry_terminal_escapes(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text('customers:\n  - {id: "x\\e[2J", name: A, matrices: ["m\\e]0;"]}\n', encoding="utf-8")
    (entry,) = read_customer_entries(f)[0]
    assert entry.customer is None and entry.raw_id == "x\x1b[2J" and entry.matrices == ("m\x1b]0;",)
    messages = "\n".join(d.format() for d in entry.problems)
    assert entry.problems and "\x1b" not in messages and "\\x1b" in messages


def test_a_side_file_named_by_many_rows_is_read_once(tmp_path, monkeypatch):
    """10,000 rows naming one 2 MiB side file must not mean 20 GB of reading."""
    import generator.readers.customers_csv as module
    calls = []
    real_load = module.load_yaml
    monkeypatch.setattr(module, "load_yaml", lambda p, **kw: calls.append(p) or real_load(p, **kw))
    (tmp_path / "d.yaml").write_text("deviations: []\n", encoding="utf-8")
    f = tmp_path / "c.csv"
    f.write_text("id,name,deviations\n" + "".join(f"c{i},C,d.yaml\n" for i in range(50)), encoding="utf-8")
    entries, _ = read_customer_entries(f)
    assert len(entries) == 50 and all(e.customer is not None for e in entries) and len(calls) == 1
