#!/usr/bin/env bash
# Debian packages annex needs beyond Python: Pango for WeasyPrint (PDF), and the real clients
# the tests use to open the documents as their readers do: LibreOffice (DOCX -> PDF), pandoc
# (reads the DOCX), poppler-utils (pdftotext, pdffonts, pdftoppm). Idempotent; does nothing
# when everything is there, and only advises when it cannot install (not root, no apt-get).
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils pandoc libreoffice-writer-nogui)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: missing Debian packages: ${missing[*]}" >&2
  echo "      install them (sudo apt-get install ${missing[*]}); tests that need them are skipped" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
