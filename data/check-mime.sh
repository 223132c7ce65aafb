#!/bin/sh
# check-mime.sh MIME.xml DESKTOP_FILE (meson test 'mime-database')
# The shared-mime-info compiler takes MIME.xml without a word, knows every
# type it declares, and every type in the desktop file's MimeType= is one
# of them (the desktop file must not claim a type nobody defines).
set -eu
mime=$1 desktop=$2
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
tmp=$base/mime

mkdir -p "$tmp/packages"
cp "$mime" "$tmp/packages/"
# (a database outside the data dirs earns a note on stderr: point them here)
out=$(XDG_DATA_HOME=$base XDG_DATA_DIRS=$base update-mime-database "$tmp" 2>&1)
if [ -n "$out" ]; then
  printf '%s\n' "$out" >&2
  exit 1
fi

declared=$(sed -n 's/.*<mime-type type="\([^"]*\)".*/\1/p' "$mime")
[ -n "$declared" ] || { echo "check-mime: $mime declares no type" >&2; exit 1; }
for t in $declared; do
  [ -f "$tmp/$t.xml" ] || { echo "check-mime: $t is not in the compiled database" >&2; exit 1; }
done

claimed=$(sed -n 's/^MimeType=//p' "$desktop" | tr ';' ' ')
[ -n "$claimed" ] || { echo "check-mime: $desktop has no MimeType=" >&2; exit 1; }
for t in $claimed; do
  case " $(echo $declared) " in
    *" $t "*) ;;
    *) echo "check-mime: $desktop claims $t, which $mime does not declare" >&2; exit 1 ;;
  esac
done
echo "types: $(echo $declared); all compiled, all in the desktop file's MimeType= are declared"
