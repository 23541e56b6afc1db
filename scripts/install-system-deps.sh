#!/usr/bin/env bash
# Debian packages annex needs beyond Python.
#   build: what every annex needs: Pango and HarfBuzz for WeasyPrint (PDF), and the Noto fonts
#          that brand.yaml names as fallback fonts (Arabic, Hebrew, CJK legal names). Without
#          them no annex is built (its bytes would depend on the machine), so when they are
#          missing and cannot be installed, this stops with what to install.
#   test:  the real clients the tests open the documents with: LibreOffice (DOCX -> PDF), pandoc
#          (reads the DOCX), poppler-utils (pdftotext, pdffonts, pdftoppm, pdfsig); and for the web
#          service's tests, Chromium with its WebDriver (browser tests, through Selenium) and
#          PostgreSQL (a throwaway cluster the database tests start, see tests/web/pg.py), and
#          redis-server (the Celery queue's broker, started by the tests on a free port). When
#          they cannot be installed, the tests that need them are skipped.
# Usage: install-system-deps.sh [build|test] (default: test, which includes build). Idempotent.
set -euo pipefail

build=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-core fonts-noto-cjk)
test=(poppler-utils pandoc libreoffice-writer-nogui chromium chromium-driver postgresql redis-server)
case "${1:-test}" in
  build) wanted=("${build[@]}") ;;
  test) wanted=("${build[@]}" "${test[@]}") ;;
  *) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

missing_of() {
  local out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
  done
  echo "${out[@]:-}"
}
read -r -a missing <<< "$(missing_of "${wanted[@]}")"
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  read -r -a missing_build <<< "$(missing_of "${build[@]}")"
  if [ ${#missing_build[@]} -gt 0 ]; then
    echo "error: annex needs these Debian packages to build annexes: ${missing_build[*]}" >&2
    echo "       install them (sudo apt-get install ${missing[*]}), then run the command again" >&2
    exit 1
  fi
  echo "note: missing Debian packages: ${missing[*]}" >&2
  echo "      install them (sudo apt-get install ${missing[*]}); tests that need them are skipped" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
