#!/usr/bin/env bash
# Ralph, the open-source Learning Record Store, for Courtesy's LRS tests and for trying `courtesy sync` by hand.
#
#   scripts/ralph-lrs.sh setup        create the venv if missing (ralph-malph[cli,lrs] + requests), print its ralph path
#   scripts/ralph-lrs.sh start DIR    credentials + file-system backend in DIR, server on 127.0.0.1 on a free port;
#                                     writes DIR/lrs.ron (a Courtesy LRS configuration) and DIR/ralph.pid
#   scripts/ralph-lrs.sh stop DIR     stops the server started in DIR
#   scripts/ralph-lrs.sh env          prints `export COURTESY_RALPH=…` (for `eval`)
#
# The venv lives outside the clone: $COURTESY_RALPH_VENV, else ${XDG_CACHE_HOME:-~/.cache}/courtesy/ralph-venv.
# The Rust tests (tests/lrs_ralph.rs, #[ignore]d) start and stop their own servers; they find Ralph through
# COURTESY_RALPH=<venv>/bin/ralph:
#
#   eval "$(scripts/ralph-lrs.sh env)"
#   cargo test --no-default-features --test lrs_ralph -- --ignored
set -euo pipefail

VENV="${COURTESY_RALPH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/courtesy/ralph-venv}"
RALPH="$VENV/bin/ralph"
KEY="courtesy"

die() { echo "ralph-lrs.sh: $*" >&2; exit 2; }

setup() {
    if [[ -x "$RALPH" ]] && "$RALPH" --help >/dev/null 2>&1; then
        echo "$RALPH"
        return
    fi
    command -v python3 >/dev/null || die "python3 is needed (apt-get install python3 python3-venv)"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || die "could not create a venv in $VENV (apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet --upgrade pip >&2
    "$VENV/bin/pip" install --quiet 'ralph-malph[cli,lrs]' requests >&2 \
        || die "pip could not install ralph-malph[cli,lrs]; check the network"
    [[ -x "$RALPH" ]] || die "ralph is not in $VENV/bin after installing"
    echo "$RALPH"
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir="${1:?usage: ralph-lrs.sh start DIR}"
    [[ -x "$RALPH" ]] || die "no Ralph in $VENV; run: scripts/ralph-lrs.sh setup"
    mkdir -p "$dir/app" "$dir/data"
    dir="$(cd "$dir" && pwd)"
    local secret port
    secret="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    export RALPH_APP_DIR="$dir/app" RALPH_RUNSERVER_BACKEND=fs
    rm -f "$dir/app/auth.json"
    "$RALPH" auth -u "$KEY" -p "$secret" -s all -M mailto:lrs@example.com -w >/dev/null 2>&1 \
        || die "ralph auth failed"
    port="$(free_port)"
    # Ralph 5.1's fs backend stores only the first POST without this shim (see the file);
    # runserver reloads on *.py changes under its working folder, so run it from DIR.
    local shim
    shim="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ralph"
    cd "$dir"
    PYTHONPATH="$shim" RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH="$dir/data" \
    setsid "$RALPH" runserver -b fs -h 127.0.0.1 -p "$port" \
        --fs-default-directory-path "$dir/data" >"$dir/ralph.log" 2>&1 &
    echo $! >"$dir/ralph.pid"
    for _ in $(seq 1 300); do
        if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/__heartbeat__', timeout=1)" 2>/dev/null; then
            umask 077
            cat >"$dir/lrs.ron" <<EOF
(
    endpoint: "http://127.0.0.1:$port/xAPI/",
    key: "$KEY",
    secret: "$secret",
    home_page: "https://sso.example.com",
)
EOF
            echo "Ralph on http://127.0.0.1:$port/xAPI/ (pid $(cat "$dir/ralph.pid")); Courtesy configuration: $dir/lrs.ron"
            return
        fi
        sleep 0.2
    done
    stop "$dir"
    die "Ralph did not answer within 60 s; see $dir/ralph.log"
}

stop() {
    local dir="${1:?usage: ralph-lrs.sh stop DIR}"
    [[ -f "$dir/ralph.pid" ]] || return 0
    local pid
    pid="$(cat "$dir/ralph.pid")"
    # setsid made it a process-group leader: end the server and its uvicorn child together.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/ralph.pid"
}

case "${1:-}" in
    setup) setup ;;
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    env) echo "export COURTESY_RALPH='$(setup)'" ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
