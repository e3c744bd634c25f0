#!/usr/bin/env bash
# Measures the app's CPU use while it idles on the conversation screen (no reply timer),
# under Xvfb, from /proc/<pid>/stat (utime + stime, all threads), and its start-to-first-
# frame time (logged by the app). Needs xvfb-run (Debian: xvfb) and a Vulkan driver
# (mesa-vulkan-drivers: lavapipe).
#
#   scripts/measure-idle.sh                   # builds target/release/courtesy if missing
#   COURTESY_BIN=target/debug/courtesy scripts/measure-idle.sh
#   SCENARIO=angry-customer SECONDS_MEASURED=20 scripts/measure-idle.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${COURTESY_BIN:-target/release/courtesy}
SCENARIO=${SCENARIO:-lost-parcel}
SETTLE=${SETTLE:-5}               # seconds to let start-up finish before measuring
MEASURE=${SECONDS_MEASURED:-10}   # seconds measured
TIMERS=${TIMERS:-off}             # `normal` measures a running countdown instead of idle

if [[ ! -x "$BIN" ]]; then
    echo "building $BIN ..." >&2
    cargo build --release --bin courtesy >&2
fi
command -v xvfb-run >/dev/null || { echo "xvfb-run not found (apt-get install xvfb)" >&2; exit 2; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
xvfb-run -a -s "-screen 0 1280x800x24" \
    "$BIN" app --scenario "$SCENARIO" --seed 7 --screen conversation --timers "$TIMERS" --locale en \
    >"$log" 2>&1 &
runner=$!

# The app is the child of the xvfb-run script.
pid=""
for _ in $(seq 1 100); do
    pid=$(pgrep -P "$runner" -x courtesy || true)
    [[ -n "$pid" ]] && break
    sleep 0.1
done
if [[ -z "$pid" ]]; then
    echo "the app did not start:" >&2
    cat "$log" >&2
    exit 1
fi

ticks() { sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }
hz=$(getconf CLK_TCK)

sleep "$SETTLE"
if ! kill -0 "$pid" 2>/dev/null; then
    echo "the app exited early:" >&2
    cat "$log" >&2
    exit 1
fi
t0=$(ticks)
sleep "$MEASURE"
t1=$(ticks)
kill "$pid" 2>/dev/null || true
wait "$runner" 2>/dev/null || true

first=$(grep -o 'first frame drawn [0-9]* ms' "$log" | grep -o '[0-9]*' | head -n1 || true)
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$MEASURE" -v first="${first:-?}" -v bin="$BIN" -v timers="$TIMERS" 'BEGIN {
    printf "binary: %s\n", bin
    printf "CPU on the conversation screen (timers %s): %.2f %% of one core (%d ticks over %d s)\n", timers, 100 * d / hz / s, d, s
    printf "start to first frame: %s ms\n", first
}'
