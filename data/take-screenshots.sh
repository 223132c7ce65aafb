#!/bin/sh
# Takes the metainfo/README screenshots of the four pages under Xvfb, the way
# the committed data/screenshots/{train,latent,inspect,compress}.png were made.
#
#   data/take-screenshots.sh BUILD_DIR PHOTO_DIR PICTURE [OUT_DIR]
#
# BUILD_DIR  a configured and built meson build directory
# PHOTO_DIR  a folder of photos to train the Compress page's model on
#            (the committed shot: astronaut, coffee, motorcycle_left, rocket and
#            hubble_deep_field from Debian's python3-skimage, all free images)
# PICTURE    the picture shown on the Compress page, not in PHOTO_DIR
#            (the committed shot: skimage's chelsea.png, CC0)
# OUT_DIR    where the PNGs go (default: data/screenshots next to this script)
#
# Models are trained with bottleneck-cli into a temporary folder (about ten
# minutes on two busy cores). Needs xvfb-run and xauth.
set -eu

if [ $# -lt 3 ]; then
  sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
photos=$2
picture=$3
out=${4:-$(cd "$(dirname "$0")" && pwd)/screenshots}
cli=$build/src/cli/bottleneck-cli
app=$build/src/app/bottleneck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cli" train --epochs 15 --out "$tmp/dense.btl"
"$cli" train --kind vae --arch 784-512-128-16 --epochs 20 --out "$tmp/vae.btl"
"$cli" train --data "$photos" --arch c32k3s2,c64k3s2,d96 --epochs 60 --patience 15 \
  --out "$tmp/photo-conv.btl"

# shot NAME PAGE PICTURE [APP ARGS…]: one window, one PNG, in a fresh X
# server with settings in memory (the defaults: 1200×800, dense
# 784-512-128-32); PICTURE ("" for none) is opened on the Compress page.
shot () {
  name=$1 page=$2
  if [ -n "$3" ]; then BTL_SCREENSHOT_OPEN=$3; export BTL_SCREENSHOT_OPEN; fi
  shift 3
  env GSETTINGS_SCHEMA_DIR="$build/data" GSETTINGS_BACKEND=memory \
    GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none LC_ALL=C.UTF-8 LANGUAGE=en \
    BTL_SCREENSHOT_PAGE="$page" \
    xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp' \
    "$app" --screenshot "$out/$name.png" "$@"
}

# Train: a fresh default model, live, around epoch 3 of 5 (6 s on an idle
# 2-core machine; machine speed varies).
shot train train "" --train --screenshot-delay 6
# Latent: the VAE (its classes separate on the map).
shot latent latent "" --screenshot-delay 1 "$tmp/vae.btl"
# Inspect: the dense model's worst test images.
shot inspect inspect "" --screenshot-delay 1 "$tmp/dense.btl"
# Compress: the photo model on a picture it never saw.
shot compress compress "$picture" --screenshot-delay 2 \
  --dataset "$photos" "$tmp/photo-conv.btl"
