#!/bin/sh
# run-atspi.sh APP SCRIPT [APP ARGS…] — start the real app and drive it through
# AT-SPI. Always on a private Xvfb display and a private session bus, in that
# order, so the bus-activated AT-SPI registry inherits DISPLAY
# (see docs/gtk-testing.md §6).
set -u
app="$1"; script="$2"; shift 2
case "${BTL_ATSPI_STAGE:-}" in
  "")
    BTL_ATSPI_STAGE=display exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
      "$0" "$app" "$script" "$@" ;;
  display)
    BTL_ATSPI_STAGE=bus exec dbus-run-session -- "$0" "$app" "$script" "$@" ;;
esac
unset GTK_A11Y
"$app" "$@" &
pid=$!
/usr/bin/python3 "$script"
rc=$?
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
else
  # The script made the app exit (it closed the window): it must exit cleanly.
  wait "$pid"
  app_rc=$?
  if [ "$rc" -eq 0 ] && [ "$app_rc" -ne 0 ]; then
    echo "FAIL: the application exited with status $app_rc"
    rc=1
  fi
fi
exit $rc
