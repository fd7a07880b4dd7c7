#!/usr/bin/env bash
# The one entry point behind `npm run demo` and `npm test` on a fresh Debian machine with Node:
# installs what is missing (Deno from npm, WebKitGTK 4.1 and Xvfb from Debian), then runs the demo or
# the test suite. Safe to run again: it installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
DENO_VERSION=2.9.6

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
# Read whole before matching: `ldconfig -p | grep -q` under pipefail fails when grep stops early and
# ldconfig gets SIGPIPE, which looked like a missing WebKitGTK about one run in five.
libraries=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; })
case "$libraries" in *libwebkit2gtk-4.1.so.0*) ;; *) missing+=(libwebkit2gtk-4.1-0) ;; esac
if [ "$mode" = test ] && [ -z "${DISPLAY:-}" ]; then
  command -v xvfb-run >/dev/null || missing+=(xvfb)
  command -v xauth >/dev/null || missing+=(xauth)
fi
# The WebDriver end-to-end tests (tests/e2e/) drive the demo through WebKitGTK's own driver.
if [ "$mode" = test ] && [ ! -x /usr/bin/WebKitWebDriver ]; then missing+=(webkit2gtk-driver); fi
# The clipboard test reads and writes the X clipboard with another X client.
if [ "$mode" = test ] && ! command -v xclip >/dev/null; then missing+=(xclip); fi
# The notification test runs a notification service of its own (Python, dbus) on a D-Bus session bus.
if [ "$mode" = test ] && ! command -v dbus-run-session >/dev/null; then missing+=(dbus-daemon); fi
if [ "$mode" = test ] && ! /usr/bin/python3 -c "import dbus, gi" 2>/dev/null; then missing+=(python3-dbus python3-gi); fi
# `tools/run.sh missing`: only say what would be installed (for the test of this probe).
if [ "$mode" = missing ]; then
  echo "${missing[*]:-}"
  exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "airlock: installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Deno lives in .tools/, not the project's node_modules: `deno task` would run a node_modules/.bin/deno
# as a script.
deno=.tools/node_modules/.bin/deno
if [ ! -x "$deno" ] || [ "$("$deno" --version | head -n 1 | cut -d' ' -f2)" != "$DENO_VERSION" ]; then
  echo "airlock: installing Deno $DENO_VERSION from npm"
  npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION"
fi

case "$mode" in
  demo)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "airlock: no display to show the demo window on. On a headless machine use: xvfb-run -a npm run demo" >&2
      exit 1
    fi
    exec "$deno" task dev
    ;;
  test)
    log=$(mktemp)
    status=0
    # GTK's settings in memory: with no session bus here, dconf would warn on every write (file choosers).
    export GSETTINGS_BACKEND=memory
    if [ -z "${DISPLAY:-}" ]; then
      xvfb-run -a -s "-screen 0 1280x800x24" "$deno" task test 2>&1 | tee "$log" || status=$?
    else
      "$deno" task test 2>&1 | tee "$log" || status=$?
    fi
    # Deno's summary as one plain line, for tools that read the last lines of a run.
    summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1 || true)
    rm -f "$log"
    if [ -n "$summary" ]; then
      passed=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')
      failed=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
      echo "tests: ${passed} passed, ${failed} failed"
    fi
    exit "$status"
    ;;
  *)
    echo "usage: tools/run.sh demo|test|missing" >&2
    exit 2
    ;;
esac
