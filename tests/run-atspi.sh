#!/bin/sh
# run-atspi.sh APP SCRIPT [APP ARGS…] — start the real app and drive it through
# AT-SPI. X first, then the session bus, so the bus-activated AT-SPI registry
# inherits DISPLAY (see docs/gtk-testing.md §6).
set -u
app="$1"; script="$2"; shift 2
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$0" "$app" "$script" "$@"
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec dbus-run-session -- "$0" "$app" "$script" "$@"
fi
unset GTK_A11Y
"$app" "$@" &
pid=$!
/usr/bin/python3 "$script"
rc=$?
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit $rc
