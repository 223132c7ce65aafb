#!/bin/sh
# Parses the Flatpak manifest offline. flatpak-builder exits 0 on unknown keys or
# source types and only warns, so a WARNING on stderr fails the check too.
set -u
manifest="$1"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
if ! flatpak-builder --show-manifest "$manifest" >/dev/null 2>"$err"; then
  cat "$err" >&2
  echo "flatpak-builder could not parse $manifest" >&2
  exit 1
fi
if grep -q WARNING "$err"; then
  cat "$err" >&2
  echo "flatpak-builder warned about $manifest" >&2
  exit 1
fi
echo "ok: $manifest"
