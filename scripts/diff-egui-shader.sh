#!/usr/bin/env bash
# Screenshots the app's screens twice under Xvfb + lavapipe, once with bevy_egui's own
# shader (COURTESY_EXP_SHADER=stock) and once with the app's (src/app/egui_shader.rs), and
# prints per screen the largest difference of any colour channel (in steps of 255) and how
# many pixels differ at all. Exits 1 if any channel differs by more than 1 step.
#
#   scripts/diff-egui-shader.sh          # uses $CARGO_TARGET_DIR/release/courtesy
# Needs xvfb-run, ImageMagick's convert and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${COURTESY_BIN:-${CARGO_TARGET_DIR:-target}/release/courtesy}
SCENARIO=${SCENARIO:-angry-customer}
SIZE=${SIZE:-1280x800}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export COURTESY_DATA_DIR="$out/data"

choose=$("$BIN" run "$SCENARIO" --strategy best --seed 7 --json |
    python3 -c 'import json,sys; print(",".join(e["chosen"] for e in json.load(sys.stdin)["transcript"][:4]))')

shot() { # NAME SHADER ARGS...
    local name=$1 shader=$2; shift 2
    COURTESY_EXP_SHADER=$shader xvfb-run -a -s "-screen 0 ${SIZE}x24" \
        "$BIN" app --size "$SIZE" --screenshot "$out/$name-$shader.png" "$@" >"$out/$name-$shader.log" 2>&1 ||
        { echo "$name ($shader) failed:" >&2; cat "$out/$name-$shader.log" >&2; exit 1; }
    convert "$out/$name-$shader.png" -depth 8 rgb:"$out/$name-$shader.rgb"
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
    shot "$name" stock "${args[@]}"
    shot "$name" "" "${args[@]}"
    python3 - "$out/$name-stock.rgb" "$out/$name-.rgb" "$name" <<'EOF' || fail=1
import sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
if len(a) != len(b):
    print(f"{sys.argv[3]}: sizes differ"); sys.exit(1)
worst = max((abs(x - y) for x, y in zip(a, b)), default=0)
px = sum(1 for i in range(0, len(a), 3) if a[i:i + 3] != b[i:i + 3])
print(f"{sys.argv[3]:16} max channel difference {worst}/255, {px} of {len(a) // 3} pixels differ")
sys.exit(1 if worst > 1 else 0)
EOF
done
exit $fail
