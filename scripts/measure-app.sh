#!/usr/bin/env bash
# Measures the app's costs in one run, under Xvfb with the software Vulkan driver
# (lavapipe: what a room of thin clients or VDI desktops without a GPU gets), and prints:
#   - idle CPU on the conversation screen (no reply timer) and the frames drawn meanwhile;
#   - CPU while a reply countdown runs, and its frames;
#   - CPU per redrawn frame of the conversation screen after STEPS replies (median, p90,
#     and where it goes, by thread), from `courtesy app --measure-frames`;
#   - start to first frame for the app and for an empty bevy + bevy_egui app built with the
#     same features (examples/empty_app.rs), median of RUNS starts each (in turn), and their ratio;
#   - the app's resident memory (RSS) on the conversation screen.
# CPU is read from /proc/<pid>/stat (utime + stime, all threads), so other load on the
# machine slows the run but barely changes the figures.
#
#   scripts/measure-app.sh                       # builds the release binaries if missing
#   SCENARIO=lost-parcel STEPS=4 RUNS=5 scripts/measure-app.sh
#   ONLY=frames scripts/measure-app.sh           # CPU per redrawn frame alone (with load)
#   ONLY=start scripts/measure-app.sh            # start to first frame alone
#   RENDERER=gpu scripts/measure-app.sh          # bevy's GPU path even on a software adapter
#                                                # (default auto: the CPU painter there)
# Needs xvfb-run (Debian: xvfb) and mesa-vulkan-drivers.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${CARGO_TARGET_DIR:-target}
BIN=${COURTESY_BIN:-$TARGET/release/courtesy}
EMPTY=${EMPTY_BIN:-$TARGET/release/examples/empty_app}
SCENARIO=${SCENARIO:-angry-customer}
STEPS=${STEPS:-4}            # replies taken before the measured conversation screen
SETTLE=${SETTLE:-4}          # seconds to let start-up finish before measuring
MEASURE=${SECONDS_MEASURED:-8}
FRAMES=${FRAMES:-100}
ONLY=${ONLY:-}               # frames or start: measure that alone
RUNS=${RUNS:-9}            # starts of each, in turn (start-up varies by ±20 % run to run)
SIZE=${SIZE:-1280x800}
RENDERER=${RENDERER:-auto}   # --renderer: auto, gpu or software

if [[ ! -x "$BIN" || ! -x "$EMPTY" ]]; then
    echo "building the release binaries ..." >&2
    cargo build --release --bin courtesy --example empty_app >&2
fi
command -v xvfb-run >/dev/null || { echo "xvfb-run not found (apt-get install xvfb)" >&2; exit 2; }
hz=$(getconf CLK_TCK)
data=$(mktemp -d)
logs=$(mktemp -d)
trap 'rm -rf "$data" "$logs"' EXIT
export COURTESY_DATA_DIR="$data"

# The first STEPS best replies, so the measured screen has a real transcript to draw.
choose=$("$BIN" run "$SCENARIO" --strategy best --seed 7 --json |
    python3 -c 'import json,sys; t=json.load(sys.stdin)["transcript"]; print(",".join(e["chosen"] for e in t[:int(sys.argv[1])]))' "$STEPS")

# start LOG ARGS...: runs a program under its own Xvfb; sets $runner and $pid.
start() {
    local log=$1; shift
    xvfb-run -a -s "-screen 0 ${SIZE}x24" "$@" >"$log" 2>&1 &
    runner=$!
    pid=""
    local name
    name=$(basename "$1")
    for _ in $(seq 1 200); do
        pid=$(pgrep -P "$runner" -x "${name:0:15}" || true)
        [[ -n "$pid" ]] && return 0
        sleep 0.05
    done
    echo "$name did not start:" >&2; cat "$log" >&2; exit 1
}
stop() { kill "$pid" 2>/dev/null || true; wait "$runner" 2>/dev/null || true; }
ticks() { sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

# cpu_while LABEL TIMERS [CHOOSE]: CPU share of one core over MEASURE seconds on the
# conversation screen (after the CHOOSE replies; none: the first step, which is timed in
# the core scenarios).
cpu_while() {
    local label=$1 timers=$2 log="$logs/$1.log" path=()
    [[ -n ${3:-} ]] && path=(--choose "$3")
    COURTESY_DEBUG_REDRAW=1 start "$log" "$BIN" app --scenario "$SCENARIO" --seed 7 \
        --screen conversation "${path[@]}" --timers "$timers" --locale en --size "$SIZE" --renderer "$RENDERER"
    sleep "$SETTLE"
    kill -0 "$pid" 2>/dev/null || { echo "the app exited early:" >&2; cat "$log" >&2; exit 1; }
    local f0 t0 t1 f1
    f0=$(grep -c 'repaint wish' "$log" || true)
    t0=$(ticks)
    sleep "$MEASURE"
    t1=$(ticks)
    f1=$(grep -c 'repaint wish' "$log" || true)
    [[ $label == idle ]] && rss=$(rss_kb)
    stop
    awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$MEASURE" -v f=$((f1 - f0)) -v l="$label" 'BEGIN {
        printf "%-34s %6.2f %% of one core (%d ticks, %d frames in %d s)\n", l " CPU:", 100 * d / hz / s, d, f, s }'
}

# first_frame_ms LOG PROGRAM...: one start's milliseconds to its first frame.
first_frame_ms() {
    local log=$1; shift
    start "$log" "$@"
    for _ in $(seq 1 300); do
        grep -q 'first frame drawn' "$log" && break
        sleep 0.05
    done
    stop
    grep -o 'first frame drawn [0-9]* ms' "$log" | grep -o '[0-9]*' | head -n1
}

median() { sort -n | awk 'NF { v[n++] = $1 } END { if (n) print v[int((n - 1) / 2)]; else print "?" }'; }

echo "binary: $BIN ($SCENARIO, conversation after $STEPS replies, $SIZE, Xvfb + $(ls /usr/share/vulkan/icd.d/ 2>/dev/null | grep -q lvp && echo lavapipe || echo 'unknown Vulkan driver'))"
if [[ -z $ONLY ]]; then
    cpu_while idle off "$choose"
    cpu_while "countdown (timers relaxed)" relaxed
    echo "RSS on the conversation screen:    $((rss / 1024)) MiB"
fi

if [[ $ONLY != start ]]; then
# The frames run, then the X server's own CPU over the whole run (it copies each presented
# frame into its framebuffer: a cost outside the app's process that differs by presenter).
log="$logs/frames.log"
xvfb-run -a -s "-screen 0 ${SIZE}x24" bash -c '
    "$@"
    x=$(pgrep -f "^Xvfb ${DISPLAY} " | head -n1)
    [[ -n $x ]] && echo "x server ticks: $(sed "s/^.*) //" "/proc/$x/stat" | awk "{print \$12 + \$13}")"
' frames "$BIN" app --scenario "$SCENARIO" --seed 7 --screen conversation --choose "$choose" \
    --timers off --locale en --size "$SIZE" --renderer "$RENDERER" --measure-frames "$FRAMES" \
    >"$log" 2>&1 || true
grep -q 'frame cpu:' "$log" || { echo "no frame measurement:" >&2; cat "$log" >&2; exit 1; }
echo "presenter (--renderer $RENDERER): $(grep -o 'presenter: [A-Za-z]*' "$log" | head -n1 | sed 's/presenter: //')"
sed -n '/frame cpu:/,$p' "$log" | grep -v '^x server' | sed 's/^.*frame cpu:/CPU per redrawn frame:/'
xt=$(grep -o 'x server ticks: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
# Frames drawn in the run: the warm-up (frame_bench::WARM_UP) and the measured ones.
[[ -n $xt ]] && awk -v t="$xt" -v hz="$hz" -v f=$((FRAMES + 30)) 'BEGIN {
    printf "X server (Xvfb) CPU over the run:   %.0f ms, %.2f ms per frame drawn (%d frames)\n", 1000 * t / hz, 1000 * t / hz / f, f }'
[[ $ONLY == frames ]] && { echo "load: $(uptime | sed 's/.*load average: //')"; exit 0; }
fi

# App and empty app started in turn, so a change in the machine's load touches both alike.
app_all=() empty_all=()
for i in $(seq 1 "$RUNS"); do
    app_all+=("$(first_frame_ms "$logs/app-$i.log" "$BIN" app --locale en --size "$SIZE" --renderer "$RENDERER")")
    empty_all+=("$(first_frame_ms "$logs/empty-$i.log" "$EMPTY")")
done
app_ms=$(printf '%s\n' "${app_all[@]}" | median)
empty_ms=$(printf '%s\n' "${empty_all[@]}" | median)
awk -v a="$app_ms" -v e="$empty_ms" -v r="$RUNS" 'BEGIN {
    printf "start to first frame (median of %d): app %s ms, empty bevy + egui app %s ms", r, a, e
    if (e + 0 > 0) printf ", ratio %.2f", a / e
    printf "\n" }'
