#!/usr/bin/env bash
# Render an irpredict HTML report to a PNG screenshot with headless Chromium, offline.
# Usage: scripts/render_report.sh report.html [shot.png] [height]
# Needs /usr/bin/chromium (Debian: apt-get install -y chromium).
set -euo pipefail
report=${1:?usage: $0 report.html [shot.png] [height]}
shot=${2:-${report%.html}.png}
height=${3:-2000}
browser=${CHROMIUM:-/usr/bin/chromium}
[ -x "$browser" ] || { echo "error: $browser not found; apt-get install -y chromium" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$(realpath -m "$shot")" \
  --window-size="1200,$height" "file://$(realpath "$report")" 2>/dev/null
echo "wrote $shot"
