#!/usr/bin/env bash
# Draws every icon in this folder with ImageMagick (`convert`): the tray's
# state icons (a bell, coloured and marked per state, with the open-alert
# count on a badge) and the app icons the bundler needs. Run it again after
# changing a colour; the PNGs are committed so builds need no ImageMagick.
set -euo pipefail
cd "$(dirname "$0")"

bell='path "M 32,7 C 21,7 15,16 15,27 L 15,39 L 9,47 L 55,47 L 49,39 L 49,27 C 49,16 43,7 32,7 Z"'
clapper='circle 32,52 32,57'

# bell COLOUR OUT [extra draw args...]: a 64x64 bell with a dark outline.
bell() {
  local colour=$1 out=$2; shift 2
  convert -size 64x64 xc:none \
    -stroke '#1f2933' -strokewidth 3 -fill "$colour" -draw "$bell" -draw "$clapper" \
    "$@" "PNG32:$out"
}

bell '#cfd8e3' tray-idle.png
bell '#f59e0b' tray-alerts.png
bell '#dc2626' tray-critical.png \
  -stroke none -fill white -draw 'rectangle 29,17 35,33' -draw 'rectangle 29,37 35,42'
bell '#9aa5b1' tray-paused.png \
  -stroke white -strokewidth 2 -fill '#3e4c59' -draw 'circle 46,46 46,63' \
  -stroke none -fill white -draw 'rectangle 40,39 44,53' -draw 'rectangle 48,39 52,53'
bell '#9aa5b1' tray-error.png \
  -stroke white -strokewidth 2 -fill '#b91c1c' -draw 'circle 46,46 46,63' \
  -stroke white -strokewidth 4 -draw 'line 40,40 52,52' -draw 'line 52,40 40,52'

# The count on a badge, for panels that show the icon itself (1..9, then 9+).
for n in 1 2 3 4 5 6 7 8 9 9+; do
  name=${n/+/plus}
  size=34; [[ $n == 9+ ]] && size=26
  convert tray-alerts.png \
    -stroke white -strokewidth 2 -fill '#b91c1c' -draw 'circle 46,18 46,35' \
    -stroke none -fill white -font DejaVu-Sans-Bold -pointsize "$size" -gravity center \
    -annotate +14-14 "$n" "PNG32:tray-alerts-$name.png"
done

# App icons: the bell on a rounded blue tile.
convert -size 512x512 xc:none -fill '#1d4ed8' -draw 'roundrectangle 16,16 495,495 96,96' \
  \( -size 64x64 xc:none -stroke '#0b1f4d' -strokewidth 2 -fill '#fbbf24' \
     -draw "$bell" -draw "$clapper" -resize 384x384 \) -gravity center -composite \
  PNG32:icon.png
convert icon.png -resize 32x32 PNG32:32x32.png
convert icon.png -resize 128x128 PNG32:128x128.png
convert icon.png -resize 256x256 PNG32:128x128@2x.png
convert icon.png -define icon:auto-resize=256,128,64,48,32,16 icon.ico
# icns: the 128, 256 and 512 px PNGs in Apple's container (ImageMagick 6
# cannot write it): a 4-byte type and a big-endian length per entry.
python3 - <<'PY'
import struct
def entry(kind, data):
    return kind + struct.pack(">I", len(data) + 8) + data
import subprocess
big = open("icon.png", "rb").read()
mid = subprocess.run(["convert", "icon.png", "-resize", "256x256", "PNG32:-"],
                     check=True, capture_output=True).stdout
small = open("128x128.png", "rb").read()
body = entry(b"ic07", small) + entry(b"ic08", mid) + entry(b"ic09", big)
open("icon.icns", "wb").write(b"icns" + struct.pack(">I", len(body) + 8) + body)
PY
