#!/usr/bin/env bash
# Scripted real-window walkthrough: the app under Xvfb, driven with the keyboard only
# (xdotool), in English and Chinese at the default and the largest text size. Signs in
# as a trainee, opens a scenario from the library by its number key, plays every step
# with number keys and Enter, screenshots the conversation after step 4, a feedback
# screen and the debrief, signs out and opens the manager area with its password. Then
# checks the screenshots with OCR (tesseract): the newest customer line is on screen,
# the debrief's buttons are readable with nothing drawn over them, the dashboard names
# scenarios by title. Prints PASS/FAIL per check; exits 1 if any check fails.
#
#   scripts/walkthrough.sh                 # all checks; screenshots in $COURTESY_ARTEFACTS
#                                          # (default $CARGO_TARGET_DIR/walkthrough)
#   scripts/walkthrough.sh --readme        # also copy the default-size screenshots over
#                                          # docs/screenshots/*.png (README's images)
#   scripts/walkthrough.sh --sizes normal --locales en    # a quicker partial run
#   scripts/walkthrough.sh --sessions en:normal,zh-CN:extra-large   # two sessions only
#   scripts/walkthrough.sh --expect-line "not what the customer says"  # see a check fail
#
# Needs: xvfb-run, xdotool, xwd (x11-apps), convert (imagemagick), tesseract with eng
# and chi_sim, and a Vulkan driver (Debian: xvfb xauth xdotool x11-apps imagemagick
# tesseract-ocr tesseract-ocr-chi-sim mesa-vulkan-drivers). Uses the debug build
# ($COURTESY_BIN as given, else $CARGO_TARGET_DIR/debug/courtesy or target/debug/courtesy,
# built first with `cargo build`). Other options: see scripts/walkthrough/walk.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."

readme=0
pass=()
for a in "$@"; do
    case "$a" in
        --readme) readme=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) pass+=("$a") ;;
    esac
done

missing=()
for tool in xvfb-run xdotool xwd convert tesseract python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if command -v tesseract >/dev/null 2>&1; then
    for l in eng chi_sim; do
        tesseract --list-langs 2>/dev/null | grep -qx "$l" || missing+=("tesseract language $l")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "walkthrough: missing ${missing[*]}; on Debian: apt-get install xvfb xauth xdotool" \
        "x11-apps imagemagick tesseract-ocr tesseract-ocr-chi-sim mesa-vulkan-drivers" >&2
    exit 2
fi

target=${CARGO_TARGET_DIR:-target}
if [ -n "${COURTESY_BIN:-}" ]; then
    BIN=$COURTESY_BIN
else
    # Up to date with the source (a no-op after `cargo test`).
    BIN=$target/debug/courtesy
    cargo build --bin courtesy
fi
OUT=${COURTESY_ARTEFACTS:-$target/walkthrough}
rm -rf "$OUT"
mkdir -p "$OUT"
echo "walkthrough: screenshots, OCR text and app logs in $OUT"

status=0
xvfb-run -a -e "$OUT/xvfb.log" -s "-screen 0 1280x800x24" \
    python3 scripts/walkthrough/walk.py --bin "$BIN" --scenarios scenarios --out "$OUT" \
    ${pass[@]+"${pass[@]}"} || status=$?

if [ "$readme" = 1 ]; then
    # README's names: conversation after step 4, feedback, debrief, manager dashboard,
    # completion grid, where learners go wrong, from the default text size.
    echo "== README screenshots"
    for lang in en zh; do
        for pair in conversation:conversation feedback:feedback debrief:debrief \
            dashboard:manager completion-grid:completion-grid \
            wrong-choices:manager-wrong-choices; do
            from="$OUT/${pair%%:*}-$lang-normal.png"
            to="docs/screenshots/${pair##*:}-$lang.png"
            if [ -f "$from" ]; then
                cp "$from" "$to"
                echo "  $to"
            else
                echo "  $to: not taken ($from missing)"
            fi
        done
    done
fi
exit "$status"
