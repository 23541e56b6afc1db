"""The pages in a real headless Chromium (Debian's `chromium` driven through `chromium-driver`
by Selenium), against `annex serve` running as a real process: sign in by keyboard, a customer
refused then fixed, a preview, issuing and downloading the PDF in one step, deviations edited as
rows, legal's review DOCX round trip, the signed-PDF loop up to "countersigned" (a throwaway CA
of tests/signing/pki.py), a role check, a forged CSRF token refused; every page looked at 1280
and 360 px wide (no sideways scroll at 360 px; screenshots kept in $ANNEX_SCREENSHOTS when set).
Skipped only when Chromium or its driver is missing."""
from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

from .chrome import CHROMIUM, DRIVER, start_chrome
from .conftest import PASSWORD, USERS
from .server import Server

WAIT = 60  # seconds an element may take to appear on a loaded machine (a wait, not a timing)

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian packages chromium and chromium-driver are not installed "
                                       "(scripts/install-system-deps.sh test)")


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    from ..signing import pki
    folder = tmp_path_factory.mktemp("pki")
    root = pki.make_root()
    return {"root": pki.write_pem(folder / "root.pem", root),
            "provider": pki.write_p12(folder / "provider.p12", pki.issue(root, "Julien Moreau", 1), root),
            "customer": pki.write_p12(folder / "customer.p12", pki.issue(root, "Claire Martin", 2), root)}


@pytest.fixture(scope="module")
def server(tmp_path_factory, ca):
    srv = Server(tmp_path_factory.mktemp("serve"), DATA, USERS, PASSWORD, extra=("--trust", str(ca["root"]))).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    driver = start_chrome("1200,900", WAIT * 2, {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False,
                                                  "plugins.always_open_pdf_externally": True})
    yield driver
    driver.quit()


def _wait(driver, condition, timeout: float = WAIT):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    # an element of the page being left goes stale while the next one loads: poll again
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _says(css: str, text: str):
    """The element at `css` holds `text`: found again at each poll, so the page that was there
    before a click can neither satisfy nor break the wait."""
    from selenium.webdriver.support import expected_conditions as ec
    return ec.text_to_be_present_in_element(_by(css), text)


def _by(css: str):
    from selenium.webdriver.common.by import By
    return By.CSS_SELECTOR, css


def _visible(css: str):
    from selenium.webdriver.support import expected_conditions as ec
    return ec.visibility_of_element_located(_by(css))


def _sign_in(driver, server, name: str) -> None:
    """By keyboard only: the name field has the focus, Tab to the password, Enter submits."""
    from selenium.webdriver.common.keys import Keys
    driver.delete_all_cookies()
    driver.get(server.url + "/customers")
    _wait(driver, lambda d: "/login" in d.current_url)
    _wait(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "name")
    active = driver.switch_to.active_element
    active.send_keys(name, Keys.TAB)
    driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    _wait(driver, lambda d: d.current_url.endswith("/customers"))


def test_sign_in_create_preview_issue_download(server, browser, downloads):
    from selenium.webdriver.support.ui import Select
    d = browser
    _sign_in(d, server, "sam")
    d.find_element(*_by("a[href='/customers/new']")).click()
    _wait(d, _visible("#f-id")).send_keys("acme corp")  # a space: refused
    d.find_element(*_by("#f-name")).send_keys("ACME SA")
    d.find_element(*_by("input[name=matrices][value=s3-object-storage]")).click()
    d.find_element(*_by("#f-effective_date")).send_keys("03012025")  # the date widget takes digits (US order)
    d.find_element(*_by("#save")).click()
    error = _wait(d, _visible("#err-id"))
    assert "Use letters, digits, - and _ only, without spaces" in error.text
    _look(d, "customer-form-refused")
    field = d.find_element(*_by("#f-id"))
    assert field.get_attribute("aria-invalid") == "true"
    field.clear()
    field.send_keys("acme")
    d.find_element(*_by("#save")).click()
    _wait(d, lambda drv: drv.current_url.endswith("/customers/acme?saved=1"))
    assert "Customer saved." in d.find_element(*_by("#saved")).text
    _look(d, "customer")

    Select(d.find_element(*_by("#matrix"))).select_by_value("s3-object-storage")
    Select(d.find_element(*_by("#lang"))).select_by_value("en")
    d.find_element(*_by("form[action$='/preview'] button")).click()
    _wait(d, _visible(".pages img"))
    _wait(d, lambda drv: drv.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 500)"))
    assert len(d.find_elements(*_by(".pages img"))) >= 3
    assert "DRAFT watermark" in d.find_element(*_by("#preview-note")).text
    _look(d, "preview")

    d.find_element(*_by("#issue-download")).click()  # issue and download in one step
    fingerprint = _wait(d, _visible("#fingerprint")).text
    pdf = _downloaded(downloads, "acme_s3-object-storage_en_v1.0.0.pdf")
    assert "Issued" in d.find_element(*_by("#status")).text and "is issued" in d.find_element(*_by("#done")).text
    _look(d, "annex-issued")
    import pypdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert hashlib.sha256(reader.attachments["annex-data.json"][0]).hexdigest() == fingerprint
    assert "ACME SA" in reader.pages[0].extract_text()


def _download(driver, folder: Path, css: str, name: str) -> bytes:
    """Click the link at `css` and read the file it downloads (an earlier download of that name
    is removed first: Chrome would save the next one as `name (1)`)."""
    (folder / name).unlink(missing_ok=True)
    driver.find_element(*_by(css)).click()
    return _downloaded(folder, name)


def _downloaded(folder: Path, name: str) -> bytes:
    target = folder / name
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if target.is_file() and not list(folder.glob("*.crdownload")):
            return target.read_bytes()
        time.sleep(0.2)
    raise AssertionError(f"{name} was not downloaded; the folder holds {sorted(p.name for p in folder.iterdir())}")


def test_sales_are_refused_the_admin_pages(server, browser):
    _sign_in(browser, server, "sam")
    browser.get(server.url + "/admin/users")
    assert _wait(browser, _says("main h1", "Your role may not open this page."))
    assert not browser.find_elements(*_by("a[href='/admin/users']"))


def test_a_forged_csrf_token_is_refused(server, browser):
    _sign_in(browser, server, "ada")
    browser.get(server.url + "/admin/users")
    _wait(browser, _visible("#nu-name")).send_keys("mallory")
    browser.find_element(*_by("#nu-password")).send_keys("a long enough password")
    browser.execute_script("document.querySelector(\"form[action='/admin/users'] input[name=csrf]\").value = 'forged'")
    browser.find_element(*_by("form[action='/admin/users'] button")).click()
    assert _wait(browser, _says("main h1", "did not come from this site"))
    browser.get(server.url + "/admin/users")
    assert "mallory" not in _wait(browser, _visible("table")).text


SHOTS = os.environ.get("ANNEX_SCREENSHOTS")  # a folder: screenshots of each page at 1280 and 360 px


def _look(driver, name: str) -> None:
    """The page as it is now, at 360 px (no sideways page scroll) and at 1280 px; screenshots of
    the whole page at both widths when $ANNEX_SCREENSHOTS names a folder."""
    try:
        for width in (360, 1280):
            driver.set_window_size(width, 900)
            _wait(driver, lambda d, w=width: d.execute_script("return window.innerWidth") <= w)
            inner, scroll = driver.execute_script(
                "return [window.innerWidth, document.documentElement.scrollWidth]")
            if width == 360:
                assert scroll <= inner, (name, driver.current_url, scroll, inner)
            if SHOTS:
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(max(height + 120, 600), 6000))
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(Path(SHOTS) / f"{name}-{width}.png"))
    finally:
        driver.set_window_size(1200, 900)


def _choose(driver, css: str, text: str) -> None:
    """Pick the option of a select whose visible text holds `text` (as a person picks it)."""
    from selenium.webdriver.support.ui import Select
    select = Select(driver.find_element(*_by(css)))
    select.select_by_visible_text(next(o.text for o in select.options if text in o.text))


def _tick(driver, row: int, party: str, letters: str) -> None:
    for letter in letters:
        driver.find_element(*_by(f"input[name=dev-{row}-{party}][value={letter}]")).click()


def test_deviations_are_edited_as_rows_with_errors_next_to_the_row(server, browser):
    d = browser
    _sign_in(d, server, "sam")
    d.get(server.url + "/customers/acme/edit")
    _choose(d, "#dev-0-activity", "Ensure data backup")  # by its text, in the customer's language (en)
    _tick(d, 0, "customer", "A")
    _tick(d, 0, "provider", "R")
    d.find_element(*_by("#dev-0-reason")).send_keys("Avenant 1 : création d'objets par le prestataire.")
    d.find_element(*_by("#add-row")).click()
    _wait(d, _visible("#dev-1-activity"))
    assert d.find_element(*_by("#dev-0-reason")).get_attribute("value").startswith("Avenant 1 :")
    _choose(d, "#dev-1-activity", "Create objects")
    _tick(d, 1, "customer", "I")
    _tick(d, 1, "provider", "C")
    d.find_element(*_by("#dev-1-reason")).send_keys("Tests")
    d.find_element(*_by("#save")).click()
    problems = _wait(d, _visible("#dev-1-problems")).text
    assert "Exactly one party must be Accountable (A); this row gives A to 0." in problems
    assert "At least one party must Realise (R)" in problems and not d.find_elements(*_by("#dev-0-problems"))
    _look(d, "customer-form-row-refused")
    d.find_element(*_by("input[name=dev-1-remove]")).click()
    d.find_element(*_by("#save")).click()
    _wait(d, _says("#saved", "Customer saved."))
    assert "Deviations from the standard matrix: 1" in d.find_element(*_by("main")).text
    d.get(server.url + "/customers/acme/edit")
    _wait(d, _visible("#dev-0-activity"))
    _look(d, "customer-form")


def _issue_en(d, server) -> str:
    from selenium.webdriver.support.ui import Select
    d.get(server.url + "/customers/acme")
    Select(_wait(d, _visible("#matrix"))).select_by_value("s3-object-storage")
    Select(d.find_element(*_by("#lang"))).select_by_value("en")
    d.find_element(*_by("form[action$='/preview'] button")).click()
    _wait(d, _visible("#issue")).click()
    _wait(d, _visible("#status"))
    return d.current_url.split("?")[0].rsplit("/", 1)[1]


def test_legal_reviews_the_docx_from_the_annex(server, browser, downloads):
    from ..test_review import edited, track_role_change
    d = browser
    _sign_in(d, server, "leo")
    aid = _issue_en(d, server)
    docx = _download(d, downloads, "#download-review", "acme_s3-object-storage_en_v1.0.0_review.docx")
    reviewed = downloads / "reviewed.docx"

    def negotiate(doc):
        track_role_change(doc, "creer-objets", 0, "A", change_id=9001)
        track_role_change(doc, "creer-objets", 1, "R", change_id=9003)
    reviewed.write_bytes(edited(docx, negotiate))  # legal's edit in Word, without a comment
    d.get(server.url + f"/annexes/{aid}")
    _wait(d, _visible("#rv-file")).send_keys(str(reviewed))
    d.find_element(*_by("form[action='/legal/review'] button")).click()
    table = _wait(d, _visible("table.proposals")).text
    assert "Create objects" in table and "new" in table and "kept" in table  # activity text, what changes
    _look(d, "legal-proposals")
    d.find_element(*_by("#save-accepted")).click()
    _wait(d, _visible("#reason-missing"))  # a proposal without a reason: typed, the proposals are kept
    reason = d.find_element(*_by("input[name^=reason-]"))
    reason.send_keys("Avenant 2 : le client crée ses objets.")
    d.find_element(*_by("#save-accepted")).click()
    assert "deviation(s) saved" in _wait(d, _visible("#done")).text
    _look(d, "legal-applied")


def _sign(pdf: bytes, p12, party: str) -> bytes:
    from generator.signing.sign import SignOptions, load_signer, sign_bytes

    from ..signing import pki
    return sign_bytes(pdf, load_signer(p12, pki.PASSPHRASE), SignOptions(field=party))


def _upload_signed(d, server, aid: str, path: Path) -> None:
    d.get(server.url + f"/annexes/{aid}")
    _wait(d, _visible("#sg-file")).send_keys(str(path))
    d.find_element(*_by("form[action='/legal/signed'] button")).click()


def test_issue_send_sign_upload_countersign(server, browser, downloads, ca):
    d = browser
    _sign_in(d, server, "sam")
    aid = _issue_en(d, server)
    pdf = _download(d, downloads, "#download-pdf", "acme_s3-object-storage_en_v1.0.0.pdf")
    d.find_element(*_by("#mark-sent")).click()
    _wait(d, _says("#status", "Sent to the customer"))
    _sign_in(d, server, "leo")
    by_customer = downloads / "by-customer.pdf"
    by_customer.write_bytes(_sign(pdf, ca["customer"], "customer"))  # `annex sign` on the customer's side
    _upload_signed(d, server, aid, by_customer)
    _wait(d, _says("#status", "Signed by the customer"))
    assert d.find_element(*_by("#signed")).text == "yes"
    d.get(server.url + "/dashboard")
    assert f"#{aid}" in _wait(d, _visible("#waits-legal")).text
    _look(d, "dashboard")
    both = downloads / "countersigned.pdf"
    both.write_bytes(_sign(by_customer.read_bytes(), ca["provider"], "provider"))
    _upload_signed(d, server, aid, both)
    _wait(d, _says("#status", "Countersigned"))
    assert "countersigned by both parties" in d.find_element(*_by("#done")).text
    _look(d, "annex-countersigned")
    d.find_element(*_by("#download-signed")).click()
    assert _downloaded(downloads, "acme_s3-object-storage_en_v1.0.0_signed.pdf") == both.read_bytes()


def test_every_page_fits_360_px_and_is_looked_at(server, browser):
    _sign_in(browser, server, "ada")
    for path in ("/dashboard", "/annexes", "/annexes/1", "/customers", "/customers/new", "/customers/acme",
                 "/customers/acme/edit", "/admin/users", "/admin/customers", "/admin/audit", "/legal", "/account",
                 "/annexes/999999"):
        browser.get(server.url + path)
        _wait(browser, _visible("main h1"))
        _look(browser, path.strip("/").replace("/", "-") or "home")
    from selenium.webdriver.support.ui import Select
    for lang, words in (("fr", "Dérogations à la matrice standard"), ("de", "Abweichungen von der Standardmatrix"),
                        ("es", "Excepciones a la matriz estándar"), ("it", "Deroghe alla matrice standard")):
        browser.get(server.url + "/account")
        Select(_wait(browser, _visible("#ui-lang"))).select_by_value(lang)
        browser.find_element(*_by("form[action='/account'] button")).click()
        _wait(browser, lambda d, lg=lang: d.find_element(*_by("html")).get_attribute("lang") == lg)
        browser.get(server.url + "/customers/acme/edit")
        assert words in _wait(browser, _visible("#deviations")).text
        _look(browser, f"customer-form-{lang}")
        browser.get(server.url + "/dashboard")
        _wait(browser, _visible("main h1"))
        _look(browser, f"dashboard-{lang}")
    browser.delete_all_cookies()
    browser.get(server.url + "/login")
    _wait(browser, _visible("main h1"))
    _look(browser, "login")
