#!/usr/bin/env bash
# Screenshots the app's screens twice under Xvfb + lavapipe and prints per screen the
# largest difference of any colour channel (in steps of 255) and how many pixels differ.
#
# COMPARE=shader (the default): bevy_egui's own shader (COURTESY_EXP_SHADER=stock) against
#   the app's (src/app/egui_shader.rs), both in bevy's linear compositing space
#   (COURTESY_EXP_SPACE=linear); exits 1 if any channel differs by more than MAX_DIFF (1).
# COMPARE=space: bevy's linear compositing space with the app's shader
#   (COURTESY_EXP_SPACE=linear) against the app's default (src/app/compositing.rs: sRGB
#   gamma); anti-aliased edges differ by design (gamma blending, egui's own), so it only
#   reports unless MAX_DIFF is set.
#
#   scripts/diff-egui-shader.sh          # uses $CARGO_TARGET_DIR/release/courtesy
#   COMPARE=space KEEP=/tmp/shots scripts/diff-egui-shader.sh   # keeps the PNGs
# Needs xvfb-run, ImageMagick's convert and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${COURTESY_BIN:-${CARGO_TARGET_DIR:-target}/release/courtesy}
SCENARIO=${SCENARIO:-angry-customer}
SIZE=${SIZE:-1280x800}
COMPARE=${COMPARE:-shader}
case $COMPARE in
    shader) a=(stock "COURTESY_EXP_SPACE=linear COURTESY_EXP_SHADER=stock")
            b=(app "COURTESY_EXP_SPACE=linear"); MAX_DIFF=${MAX_DIFF:-1} ;;
    space) a=(linear "COURTESY_EXP_SPACE=linear")
           b=(default ""); MAX_DIFF=${MAX_DIFF:-255} ;;
    *) echo "COMPARE must be shader or space" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export COURTESY_DATA_DIR="$out/data"

choose=$("$BIN" run "$SCENARIO" --strategy best --seed 7 --json |
    python3 -c 'import json,sys; print(",".join(e["chosen"] for e in json.load(sys.stdin)["transcript"][:4]))')

shot() { # NAME VARIANT ENV ARGS...
    local name=$1 variant=$2 vars=$3; shift 3
    # shellcheck disable=SC2086
    env $vars xvfb-run -a -s "-screen 0 ${SIZE}x24" \
        "$BIN" app --size "$SIZE" --screenshot "$out/$name-$variant.png" "$@" >"$out/$name-$variant.log" 2>&1 ||
        { echo "$name ($variant) failed:" >&2; cat "$out/$name-$variant.log" >&2; exit 1; }
    convert "$out/$name-$variant.png" -depth 8 rgb:"$out/$name-$variant.rgb"
    [[ -n ${KEEP:-} ]] && { mkdir -p "$KEEP"; cp "$out/$name-$variant.png" "$KEEP/"; }
    return 0
}

fail=0
for spec in "signin|--locale en" \
    "library|--locale en --screen library" \
    "briefing-zh|--locale zh --scenario $SCENARIO --screen briefing" \
    "conversation|--locale en --scenario $SCENARIO --seed 7 --screen conversation --choose $choose" \
    "conversation-zh|--locale zh --scenario $SCENARIO --seed 7 --screen conversation --choose $choose" \
    "progress|--locale en --screen progress"; do
    name=${spec%%|*}
    read -r -a args <<<"${spec#*|}"
    shot "$name" "${a[0]}" "${a[1]}" "${args[@]}"
    shot "$name" "${b[0]}" "${b[1]}" "${args[@]}"
    python3 - "$out/$name-${a[0]}.rgb" "$out/$name-${b[0]}.rgb" "$name" "$MAX_DIFF" <<'PY' || fail=1
import sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
if len(a) != len(b):
    print(f"{sys.argv[3]}: sizes differ"); sys.exit(1)
d = [abs(x - y) for x, y in zip(a, b)]
worst = max(d, default=0)
per_px = [max(d[i:i + 3]) for i in range(0, len(d), 3)]
px = sum(1 for v in per_px if v)
big = sum(1 for v in per_px if v > 8)
print(f"{sys.argv[3]:16} max channel difference {worst}/255, {px} of {len(per_px)} pixels differ"
      f" ({big} by more than 8)")
sys.exit(1 if worst > int(sys.argv[4]) else 0)
PY
done
exit $fail
