#!/usr/bin/env bash
# The one test command (README and CI): installs what the tests need where it is missing, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use: ffmpeg/ffprobe (publishers, probes, thumbnails), Debian's Chromium (browser tests),
# GStreamer (DASH reader tests).
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A real X display for the capture tests: Xvfb, and xdpyinfo / xsetroot to wait for it and paint it.
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xdpyinfo >/dev/null 2>&1 || missing+=(x11-utils)
command -v xsetroot >/dev/null 2>&1 || missing+=(x11-xserver-utils)
# GStreamer's DASH demuxers (dashdemux2 in -good, dashdemux in -bad) for the DASH reader tests.
command -v gst-launch-1.0 >/dev/null 2>&1 || missing+=(gstreamer1.0-tools gstreamer1.0-plugins-base)
gst-inspect-1.0 dashdemux2 >/dev/null 2>&1 || missing+=(gstreamer1.0-plugins-good)
gst-inspect-1.0 dashdemux >/dev/null 2>&1 || missing+=(gstreamer1.0-plugins-bad)
gst-inspect-1.0 avdec_h264 >/dev/null 2>&1 || missing+=(gstreamer1.0-libav)
# nginx with its stream module: the cluster edge test runs the shipped edge config (docs/deploy/nginx-edge.conf).
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || [ -e /usr/share/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
# nginx-rtmp (libnginx-mod-rtmp): a restream and multistream destination, and the reference server of bench/.
[ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || [ -e /usr/share/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: please install ${missing[*]} (ffmpeg 5 or newer with ffprobe; Chromium at /usr/bin/chromium, or set ONAIR_CHROMIUM; GStreamer 1.22 or newer with its -good and -bad plugins; nginx with its stream and rtmp modules) and run again." >&2
    exit 1
  fi
fi

# Services: PostgreSQL for the database tests (DATABASE tests run on SQLite and PostgreSQL).
export ONAIR_TEST_DATABASE_URL="${ONAIR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "test: PostgreSQL is not reachable on 127.0.0.1:5432; the database tests need it (set ONAIR_TEST_DATABASE_URL to use another)." >&2
  exit 1
fi

# Redis for chat across two server processes.
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  sleep 1
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "test: Redis is not reachable on 127.0.0.1:6379; the multi-process chat tests need it (apt-get install redis-server)." >&2
  exit 1
fi

# Node: the maintained LTS lines, 22 and 24 (package.json engines). An older one still runs, with a warning.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  echo "test: Node $(node --version) is past its end of life and not supported (Node 22 or 24); 'bash scripts/with-node.sh 24 npm test' runs the tests on Node 24 from the npm registry." >&2
fi
echo "test: Node $(node --version)"

# npm dependencies.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# better-sqlite3 is a native addon, built for one Node release line: after a switch of Node (scripts/with-node.sh)
# it is built again for this one (npm_config_nodedir, where set, gives node-gyp the headers).
if ! node -e 'new (require("better-sqlite3"))(":memory:").close()' 2>/dev/null; then
  echo "test: better-sqlite3 was built for another Node; rebuilding it for $(node --version)"
  npm rebuild better-sqlite3
fi

# The checks and builds in two lanes at once (two cores); each lane's output is shown when it fails.
checks=$(mktemp -d)
(
  echo "test: typecheck" && npx tsc -p tsconfig.json --noEmit && npm run --silent typecheck:renderer &&
    echo "test: format" && npm run --silent format:check >/dev/null
) >"$checks/a" 2>&1 &
lane_a=$!
(
  echo "test: lint" && npm run --silent lint &&
    echo "test: build the viewer app, the Studio UI, and the desktop main and preload" &&
    npm run --silent build:viewer >/dev/null && npm run --silent build:studio >/dev/null && npm run --silent build:electron >/dev/null
) >"$checks/b" 2>&1 &
lane_b=$!
checks_ok=true
wait "$lane_a" || { cat "$checks/a"; checks_ok=false; }
wait "$lane_b" || { cat "$checks/b"; checks_ok=false; }
rm -rf "$checks"
if [ "$checks_ok" != true ]; then
  echo "test: the checks or builds above failed" >&2
  exit 1
fi
echo "test: typecheck, lint, format and builds passed"

# Tests that measure real time in a browser (an encoder's frame pacing, play-out latency, audio levels over time)
# run alone after the others: beside another test on two cores their page timers stall and they measure the
# machine, not the code. The others run three at a time, never two browser tests at once (scripts/run-tests.ts).
alone=(
  renderer/studio-engine.browser.test.ts
  renderer/studio-engine-control.browser.test.ts
  renderer/studio-compositor.browser.test.ts
  renderer/studio-mixer.browser.test.ts
  renderer/studio-vertical.browser.test.ts
  server/media/low-latency.browser.test.ts
)
mapfile -t files < <(find server bench renderer electron scripts -name '*.test.ts' -not -path '*/node_modules/*' | sort)
alone_args=()
for f in "${alone[@]}"; do alone_args+=(--alone "$f"); done
# An outer bound as well: a scheduler that hangs cannot hold CI past this.
# ONAIR_TEST_OUTPUT=DIR keeps each file's whole TAP output there (its tests' own durations).
timeout --kill-after=30 2400 node --import tsx scripts/run-tests.ts "${files[@]}" "${alone_args[@]}" ${ONAIR_TEST_OUTPUT:+--keep-output "$ONAIR_TEST_OUTPUT"}
