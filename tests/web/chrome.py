"""Debian's headless Chromium through chromium-driver, as the browser tests start it: offline
(Selenium Manager never fetches a driver or browser), English, a window of a given size."""
from __future__ import annotations

import os
import shutil
from typing import Any, Optional

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def start_chrome(window: str, page_load_timeout: float, prefs: Optional[dict] = None) -> Any:
    """A new headless Chromium with a `window` ("1280,900") and Chromium `prefs`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver or browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={window}", "--no-first-run", "--disable-extensions", "--lang=en-US"):
        options.add_argument(arg)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    return driver
