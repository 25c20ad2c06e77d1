#!/usr/bin/env bash
# Downloads the original data sets for users who have a network, into ./data (or $1).
#   scripts/get_data.sh [DIR]
# MovieLens-1M comes from GroupLens; its terms forbid redistribution, so recgrad never ships it.
# Amazon Beauty (2014, 5-core) comes from the S3-Rec repository's preprocessed files.
set -euo pipefail
DIR=${1:-data}
mkdir -p "$DIR/ml-1m" "$DIR/amazon-beauty"

echo "MovieLens-1M (GroupLens; research use only, no redistribution):"
if [ ! -f "$DIR/ml-1m/ratings.dat" ]; then
  curl -fL -o "$DIR/ml-1m.zip" https://files.grouplens.org/datasets/movielens/ml-1m.zip
  unzip -o -j "$DIR/ml-1m.zip" -d "$DIR/ml-1m"
  rm "$DIR/ml-1m.zip"
fi
# The sequence file recgrad reads: one line per user, items oldest first. Built here from ratings.dat
# with a stable sort by (user, timestamp, line). (The project's shared copy keeps DiffuRec's order
# among same-second ratings; this rebuild keeps ratings.dat's file order instead: see docs/PROTOCOLS.md §4.)
if [ ! -f "$DIR/ml-1m/ml-1m.seq.txt" ]; then
  awk -F'::' '{print $1, $4, NR, $2}' "$DIR/ml-1m/ratings.dat" | sort -k1,1n -k2,2n -k3,3n -s |
    awk '{ if ($1 != u) { if (u != "") print line; u = $1; line = $1 } line = line " " $4 } END { print line }' \
    > "$DIR/ml-1m/ml-1m.seq.txt"
fi

echo "Amazon Beauty (S3-Rec preprocessing, used by P5 and TIGER):"
base=https://raw.githubusercontent.com/aHuiWang/CIKM2020-S3Rec/master/data
for f in Beauty.txt Beauty_item2attributes.json; do
  [ -f "$DIR/amazon-beauty/$f" ] || curl -fL -o "$DIR/amazon-beauty/$f" "$base/$f"
done
echo "done: pass --data-dir $DIR or export RECGRAD_DATA=$DIR"
