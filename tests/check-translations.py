#!/usr/bin/env python3
"""Translation checks (meson test 'translations', registered in po/meson.build).

Fails when
  * a .c or .ui file under src/ or ui/ (or a desktop/metainfo/schema file under
    data/) has translatable strings but is missing from po/POTFILES.in;
  * POTFILES.in lists a missing file, a duplicate, or is not sorted (LC_ALL=C);
  * po/LINGUAS and the po/*.po files disagree;
  * `msgfmt --check --statistics` on a .po fails or reports untranslated or
    fuzzy entries;
  * a .po is stale: merged with a pot freshly extracted from the current
    sources, it has untranslated or fuzzy entries (new or changed strings);
  * an engine message (nn_error_set's format, nn_translate's argument, under
    src/) is not a string literal or is missing from the fresh pot.

Usage: check-translations.py SOURCE_ROOT [XGETTEXT MSGMERGE MSGFMT]
"""

import os
import re
import subprocess
import sys
import tempfile

# Same keywords and flags as meson's i18n.gettext(preset: 'glib').
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
    # The engine's messages (po/meson.build passes the same).
    '--keyword=nn_error_set:3', '--flag=nn_error_set:3:c-format',
    '--keyword=nn_translate', '--flag=nn_translate:1:pass-c-format',
]

MARKERS = {
    '.c': re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_)\s*\(\s*"|\b(?:g_d)?n?gettext\s*\(|\bg_dpgettext2?\s*\('
                     r'|\bnn_error_set\s*\([^;]*?,[^;]*?,\s*"|\bnn_translate\s*\(\s*"'),
    '.ui': re.compile(r'translatable\s*=\s*"(?:yes|true|1)"'),
}
# A literal glued to a macro inside _() (e.g. "step %" G_GINT64_FORMAT): xgettext
# stops at the macro, so the msgid never matches the runtime string.
MACRO_GLUE = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|n?gettext)\s*\(\s*(?:"(?:[^"\\\n]|\\.)*"\s*)+[A-Z_][A-Z0-9_]*')
DATA_SUFFIXES = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in', '.gschema.xml', '.mime.xml.in')

failures = []


def fail(msg):
    failures.append(msg)


def read_list(path):
    with open(path, encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith('#')]


def strip_c_comments(text):
    # Blank comments out but keep string literals and line numbers.
    def blank(m):
        t = m.group(0)
        return t if t[0] in '"\'' else re.sub(r'[^\n]', ' ', t)
    return re.sub(r"'(?:[^'\\\n]|\\.)+'|" r'"(?:[^"\\\n]|\\.)*"|/\*.*?\*/|//[^\n]*', blank, text, flags=re.S)


def files_with_strings(root):
    found = []
    for top in ('src', 'ui'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in filenames:
                ext = os.path.splitext(name)[1]
                if ext not in MARKERS:
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                if ext == '.c':
                    text = strip_c_comments(text)
                if MARKERS[ext].search(text):
                    found.append(os.path.relpath(path, root))
                if ext == '.c':
                    for m in MACRO_GLUE.finditer(text):
                        line = text.count('\n', 0, m.start()) + 1
                        fail(f'{os.path.relpath(path, root)}:{line}: a translatable string '
                             'is glued to a macro (xgettext cuts the msgid there); '
                             'use %lld / %llu with a cast instead of G_G*_FORMAT')
    data = os.path.join(root, 'data')
    if os.path.isdir(data):
        for name in sorted(os.listdir(data)):
            if name.endswith(DATA_SUFFIXES):
                found.append('data/' + name)
    return sorted(found)


ENGINE_CALL = re.compile(r'\b(nn_error_set|nn_translate)\s*\(')
LITERALS = re.compile(r'\s*(?:"(?:[^"\\\n]|\\.)*"\s*)+')


def engine_messages(root):
    """[(where, msgid or None)] for every nn_error_set / nn_translate call under src/:
    msgid is its (concatenated) format literal, None when the format is not a literal."""
    found = []
    escapes = {'n': '\n', 't': '\t', '"': '"', '\\': '\\'}
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, 'src')):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith('.c'):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding='utf-8', errors='replace') as f:
                text = strip_c_comments(f.read())
            for m in ENGINE_CALL.finditer(text):
                # the argument holding the message: nn_error_set's third, nn_translate's first
                want = 2 if m.group(1) == 'nn_error_set' else 0
                i, depth, arg, start = m.end(), 0, 0, m.end()
                while i < len(text):
                    c = text[i]
                    if c == '"':
                        i = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(text, i).end()
                        continue
                    if c in '([{':
                        depth += 1
                    elif c in ')]}':
                        if depth == 0:
                            break
                        depth -= 1
                    elif c == ',' and depth == 0:
                        if arg == want:
                            break
                        arg += 1
                        start = i + 1
                    i += 1
                piece = text[start:i]
                if arg != want or re.match(r'\s*(?:const\s+)?(?:char|NnError|NnStatus)\b', piece):
                    continue  # the declaration or definition, not a call
                where = f'{os.path.relpath(path, root)}:{text.count(chr(10), 0, m.start()) + 1}'
                if where.startswith('src/nn/nn-util.c') and piece.strip() == 'fmt':
                    continue  # nn_error_set passing its own format on
                if LITERALS.fullmatch(piece):
                    parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', piece)
                    msgid = ''.join(re.sub(r'\\(.)', lambda e: escapes.get(e.group(1), e.group(1)), p)
                                    for p in parts)
                    found.append((where, msgid))
                else:
                    found.append((where, None))
    return found


def po_entries(path):
    """{(msgctxt, msgid): translated?} for the active (not obsolete) entries."""
    entries = {}
    cur = {}
    field = None

    def flush():
        if 'msgid' in cur and cur['msgid'] != '':
            strs = [v for k, v in cur.items() if k.startswith('msgstr')]
            done = bool(strs) and all(strs) and not cur.get('fuzzy')
            entries[(cur.get('msgctxt'), cur['msgid'])] = done

    escapes = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\'}

    def unquote(text):
        return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(1)), text[1:-1])

    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                flush()
                cur, field = {}, None
            elif line.startswith('#,'):
                cur['fuzzy'] = 'fuzzy' in line
            elif line.startswith('#'):
                continue
            elif line.startswith('"') and field:
                cur[field] += unquote(line)
            else:
                key, _, rest = line.partition(' ')
                field = key
                cur[field] = unquote(rest)
    flush()
    return entries


def stats(msgfmt, po):
    """msgfmt --check --statistics; returns its message, or None on failure."""
    r = subprocess.run([msgfmt, '--check', '--statistics', '-o', os.devnull, po],
                       capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0:
        fail(f'msgfmt --check {po} failed:\n{out}')
        return None
    return out


def untranslated_ids(msgattrib, po):
    r = subprocess.run([msgattrib, '--no-obsolete', '--no-wrap', '--no-location',
                        '--untranslated', po], capture_output=True, text=True)
    r2 = subprocess.run([msgattrib, '--no-obsolete', '--no-wrap', '--no-location',
                         '--only-fuzzy', po], capture_output=True, text=True)
    ids = re.findall(r'^msgid "(.+)"$', r.stdout + r2.stdout, flags=re.M)
    return ids


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), '..'))
    xgettext, msgmerge, msgfmt = (sys.argv[2:5] if len(sys.argv) >= 5
                                  else ('xgettext', 'msgmerge', 'msgfmt'))
    msgattrib = os.path.join(os.path.dirname(msgfmt), 'msgattrib') \
        if os.path.isabs(msgfmt) else 'msgattrib'
    po_dir = os.path.join(root, 'po')
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')

    # 1. POTFILES.in: sorted, no duplicates, every file exists, nothing missing.
    potfiles = read_list(os.path.join(po_dir, 'POTFILES.in'))
    if potfiles != sorted(potfiles, key=lambda s: s.encode()):
        fail('po/POTFILES.in is not sorted (LC_ALL=C sort)')
    if len(set(potfiles)) != len(potfiles):
        fail('po/POTFILES.in lists a file twice')
    for p in potfiles:
        if not os.path.isfile(os.path.join(root, p)):
            fail(f'po/POTFILES.in lists {p}, which does not exist')
    missing = [p for p in files_with_strings(root) if p not in potfiles]
    for p in missing:
        fail(f'{p} has translatable strings but is not in po/POTFILES.in')

    # 2. LINGUAS and the .po files agree.
    linguas = []
    for line in read_list(os.path.join(po_dir, 'LINGUAS')):
        linguas += line.split()
    pos = sorted(f[:-3] for f in os.listdir(po_dir) if f.endswith('.po'))
    for lang in linguas:
        if lang not in pos:
            fail(f'po/LINGUAS lists {lang} but po/{lang}.po does not exist')
    for lang in pos:
        if lang not in linguas:
            fail(f'po/{lang}.po is not listed in po/LINGUAS')

    # 3. Each .po as committed: complete and clean.
    for lang in pos:
        po = os.path.join(po_dir, lang + '.po')
        s = stats(msgfmt, po)
        if s is not None:
            print(f'{lang}.po: {s}')
            if 'untranslated' in s or 'fuzzy' in s:
                fail(f'po/{lang}.po: {s}')

    # 4. Each .po against the current sources.
    existing = [p for p in potfiles if os.path.isfile(os.path.join(root, p))]
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'fresh.pot')
        r = subprocess.run([xgettext, *XGETTEXT_ARGS, '--package-name=bottleneck',
                            '-D', root, '-o', pot, *existing],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            fail(f'xgettext failed:\n{r.stderr}')
        else:
            # 5. Every engine message is a literal that xgettext extracted.
            in_pot = {k[1] for k in po_entries(pot)}
            engine = engine_messages(root)
            for where, msgid in engine:
                if msgid is None:
                    fail(f'{where}: the engine message is not a string literal, so it '
                         'cannot be translated (nn_error_set\'s format and nn_translate\'s '
                         'argument must be literals)')
                elif msgid not in in_pot:
                    fail(f'{where}: the engine message "{msgid}" is not in the pot '
                         '(is the file in po/POTFILES.in?)')
            print(f'engine messages: {len(engine)} calls, '
                  f'{len({m for _, m in engine if m in in_pot})} distinct msgids in the pot')
            for lang in pos:
                merged = os.path.join(tmp, lang + '.po')
                r = subprocess.run([msgmerge, '--quiet', '--no-fuzzy-matching',
                                    os.path.join(po_dir, lang + '.po'), pot,
                                    '-o', merged], capture_output=True, text=True)
                if r.returncode != 0:
                    fail(f'msgmerge {lang}.po failed:\n{r.stderr}')
                    continue
                # msgmerge revives obsolete (#~) entries, which msgfmt leaves out of
                # the .mo: every message of the sources must be active and done.
                have = po_entries(os.path.join(po_dir, lang + '.po'))
                lost = [k[1] for k in po_entries(pot) if not have.get(k)]
                s = stats(msgfmt, merged)
                if lost and s is not None and 'untranslated' not in s and 'fuzzy' not in s:
                    fail(f'po/{lang}.po has these messages only as obsolete (#~) or '
                         'untranslated entries; run msgmerge and translate:\n'
                         + '\n'.join('    ' + i for i in lost))
                if s is not None and ('untranslated' in s or 'fuzzy' in s):
                    ids = untranslated_ids(msgattrib, merged)
                    fail(f'po/{lang}.po is stale against the sources ({s}); '
                         f'run `meson compile -C BUILD bottleneck-update-po` and translate:\n'
                         + '\n'.join('    ' + i for i in ids))

    for f in failures:
        print('FAIL: ' + f, file=sys.stderr)
    if not failures:
        print(f'OK: {len(potfiles)} files in POTFILES.in, {len(pos)} translation(s) complete')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
