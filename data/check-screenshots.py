#!/usr/bin/env python3
"""Checks the screenshots against the metainfo (meson test 'screenshots').

usage: check-screenshots.py METAINFO.xml.in SCREENSHOT_DIR [README.md]

- every <image> of the metainfo is an upstream raw URL of a PNG in
  data/screenshots/ (the form software centres fetch), and that PNG is in
  SCREENSHOT_DIR, is a real PNG, and is committed (when git is there to ask);
- every PNG in SCREENSHOT_DIR is shown somewhere: referenced by the metainfo
  or by the README (a picture nobody shows is a stale one);
- every data/screenshots/NAME.png the README shows is there (no broken image).
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

PREFIX = "https://raw.githubusercontent.com/bottleneck/bottleneck/main/data/screenshots/"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def committed(path):
    """True, False, or None when git cannot tell (no checkout, no git)."""
    try:
        r = subprocess.run(["git", "ls-files", "--error-unmatch", os.path.basename(path)],
                           cwd=os.path.dirname(path) or ".", capture_output=True)
    except OSError:
        return None
    if r.returncode == 0:
        return True
    if b"not a git repository" in r.stderr.lower():
        return None
    return False


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    metainfo, shots = sys.argv[1], sys.argv[2]
    readme = sys.argv[3] if len(sys.argv) == 4 else None
    errors = []

    root = ET.parse(metainfo).getroot()
    images = [e.text.strip() for e in root.iter("image") if e.text]
    if not images:
        errors.append("the metainfo has no screenshot")
    if len(root.findall("./screenshots/screenshot[@type='default']")) != 1:
        errors.append("the metainfo needs exactly one default screenshot")
    for shot in root.iter("screenshot"):
        if shot.find("caption") is None:
            errors.append("a screenshot has no caption")

    referenced = set()
    for url in images:
        if not url.startswith(PREFIX) or "/" in url[len(PREFIX):] or not url.endswith(".png"):
            errors.append(f"{url}: not of the form {PREFIX}NAME.png")
            continue
        name = url[len(PREFIX):]
        referenced.add(name)
        path = os.path.join(shots, name)
        if not os.path.isfile(path):
            errors.append(f"{name}: referenced by the metainfo but not in {shots}")
            continue
        with open(path, "rb") as f:
            if f.read(8) != PNG_MAGIC:
                errors.append(f"{name}: not a PNG file")
        if committed(path) is False:
            errors.append(f"{name}: not committed (git add it)")

    if readme is not None and os.path.isfile(readme):
        with open(readme, encoding="utf-8") as f:
            in_readme = set(re.findall(r"data/screenshots/([^)\s\"'>]+\.png)", f.read()))
        for name in sorted(in_readme):
            if not os.path.isfile(os.path.join(shots, name)):
                errors.append(f"{name}: shown by the README but not in {shots}")
        referenced.update(in_readme)

    for name in sorted(os.listdir(shots)):
        if name.endswith(".png") and name not in referenced:
            errors.append(f"{name}: in {shots} but shown by neither the metainfo nor the README")

    for e in errors:
        print("check-screenshots: " + e, file=sys.stderr)
    if not errors:
        print(f"{len(images)} screenshots referenced by the metainfo, all present and committed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
