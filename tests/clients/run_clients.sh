#!/usr/bin/env bash
# Verification with the real clients: standort's deliverables opened by QGIS 3.22 (headless) and
# by Chromium (headless). Usage: run_clients.sh STANDORT WORKDIR run|qgis|chromium
# "run" writes the default scenario (German, and English for the report check) into WORKDIR;
# the other steps check it. Exit 77 (skipped) when the client is not installed.
set -euo pipefail
standort=$1
work=$2
step=$3
tools="$(cd "$(dirname "$0")/../../tools" && pwd)"
case "$step" in
  run)
    rm -rf "$work"
    mkdir -p "$work"
    "$standort" run -q --sensitivity -o "$work/de"
    "$standort" run -q --lang en -o "$work/en"
    ;;
  qgis)
    if ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
      echo "SKIPPED: QGIS's Python bindings are missing (apt-get install qgis python3-qgis)" >&2
      exit 77
    fi
    QT_QPA_PLATFORM=offscreen "$tools/check_qgis" "$work/de" --project-png "$work/qgis-project.png"
    echo "QGIS render of standort.qgz: $work/qgis-project.png"
    ;;
  chromium)
    if ! command -v chromium >/dev/null; then
      echo "SKIPPED: chromium is missing (apt-get install chromium)" >&2
      exit 77
    fi
    "$tools/check_report" "$work/de" --lang de --screenshot "$work/report-de.png"
    "$tools/check_report" "$work/en" --lang en --screenshot "$work/report-en.png"
    echo "screenshots of report.html: $work/report-de.png $work/report-en.png"
    ;;
  *)
    echo "unknown step $step" >&2
    exit 2
    ;;
esac
