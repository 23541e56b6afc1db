"""The pages in a real headless Chromium (Debian's `chromium` driven through `chromium-driver`
by Selenium), against `annex serve` running as a real process: sign in by keyboard, a customer
refused then fixed, a preview, issuing and downloading the PDF, a role check, a forged CSRF
token refused, and a 360 px wide screen. Skipped only when Chromium or its driver is missing."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

from .conftest import PASSWORD, USERS
from .server import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 60  # seconds an element may take to appear on a loaded machine (a wait, not a timing)

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="Debian packages chromium and chromium-driver are not installed "
                                       "(scripts/install-system-deps.sh test)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("serve"), DATA, USERS, PASSWORD).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver or browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,900", "--no-first-run", "--disable-extensions", "--lang=en-US"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "plugins.always_open_pdf_externally": True})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(WAIT * 2)
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
    d.find_element(*_by("main form button[type=submit]")).click()
    error = _wait(d, _visible("#err-id"))
    assert "lower-case letters" in error.text
    field = d.find_element(*_by("#f-id"))
    assert field.get_attribute("aria-invalid") == "true"
    field.clear()
    field.send_keys("acme")
    d.find_element(*_by("main form button[type=submit]")).click()
    _wait(d, lambda drv: drv.current_url.endswith("/customers/acme"))

    Select(d.find_element(*_by("#matrix"))).select_by_value("s3-object-storage")
    Select(d.find_element(*_by("#lang"))).select_by_value("en")
    d.find_element(*_by("form[action$='/preview'] button")).click()
    _wait(d, _visible(".pages img"))
    _wait(d, lambda drv: drv.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 500)"))
    assert len(d.find_elements(*_by(".pages img"))) >= 3

    d.find_element(*_by("#issue")).click()
    fingerprint = _wait(d, _visible("#fingerprint")).text
    d.find_element(*_by("#download-pdf")).click()
    pdf = _downloaded(downloads, "acme_s3-object-storage_en_v1.0.0.pdf")
    import pypdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert hashlib.sha256(reader.attachments["annex-data.json"][0]).hexdigest() == fingerprint
    assert "ACME SA" in reader.pages[0].extract_text()


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


def test_pages_fit_a_360_px_screen(server, browser):
    _sign_in(browser, server, "ada")
    browser.set_window_size(360, 800)
    try:
        width = browser.execute_script("return window.innerWidth")
        for path in ("/customers", "/customers/new", "/customers/acme", "/admin/users", "/legal", "/account"):
            browser.get(server.url + path)
            _wait(browser, _visible("main h1"))
            overflow = browser.execute_script("return document.documentElement.scrollWidth")
            assert overflow <= width, (path, overflow, width)
    finally:
        browser.set_window_size(1200, 900)
