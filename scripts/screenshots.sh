#!/usr/bin/env bash
# Regenerates the README screenshots in docs/screenshots/ (conversation, feedback and
# debrief of lost-parcel, in English and Chinese) with the app's --screenshot option.
# Needs xvfb-run and a Vulkan driver (Debian: xvfb mesa-vulkan-drivers).
#
#   scripts/screenshots.sh                    # uses target/debug/courtesy, builds it if missing
#   COURTESY_BIN=target/release/courtesy scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${COURTESY_BIN:-target/debug/courtesy}
OUT=docs/screenshots
SCENARIO=lost-parcel
SEED=7
# A play-through with two weaker replies, so the debrief shows "best reply" advice.
PATH_TO_END=number-please,record-details,honest-plain,honest-timeline,consult-plan,call-us-back,report-clearly,warm-close

[[ -x "$BIN" ]] || cargo build --bin courtesy
mkdir -p "$OUT"

shot() { # screen locale file [extra args...]
    local screen=$1 locale=$2 file=$3
    shift 3
    xvfb-run -a -s "-screen 0 1280x800x24" "$BIN" app --scenario "$SCENARIO" --seed "$SEED" \
        --screen "$screen" --locale "$locale" --timers off --size 1280x800 \
        --screenshot "$OUT/$file" "$@" >/dev/null 2>&1 || {
        echo "failed: $screen $locale" >&2
        return 1
    }
    echo "$OUT/$file"
}

for locale in en zh-CN; do
    tag=${locale%%-*}
    shot conversation "$locale" "conversation-$tag.png" --choose number-please,record-details
    shot feedback "$locale" "feedback-$tag.png" --choose number-please
    shot debrief "$locale" "debrief-$tag.png" --choose "$PATH_TO_END"
done
