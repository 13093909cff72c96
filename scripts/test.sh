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
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: please install ${missing[*]} (ffmpeg 5 or newer with ffprobe; Chromium at /usr/bin/chromium, or set ONAIR_CHROMIUM; GStreamer 1.22 or newer with its -good and -bad plugins) and run again." >&2
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

# npm dependencies.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "test: typecheck"
npx tsc -p tsconfig.json --noEmit
npm run --silent typecheck:renderer

echo "test: lint and format"
npm run --silent lint
npm run --silent format:check

echo "test: build the viewer app, the Studio UI, and the desktop main and preload"
npm run --silent build:viewer >/dev/null
npm run --silent build:studio >/dev/null
npm run --silent build:electron >/dev/null

mapfile -t files < <(find server bench renderer electron scripts -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "test: ${#files[@]} test files"
# An outer bound as well: a test process that spins cannot hold CI past this.
exec timeout --kill-after=30 1500 node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
