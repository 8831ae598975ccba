#!/usr/bin/env bash
# Builds the NiiVue bundle that the report's viewer copies into report/viewer/: 'npm ci' installs the
# versions pinned in package-lock.json (NiiVue 0.69.0, BSD-2-Clause; esbuild 0.25.0), and esbuild
# bundles NiiVue into one classic script (an IIFE defining the global 'niivue'), because a browser
# refuses ES-module imports and fetch() of file:// pages, and the report must open from the file system.
# Maven runs it (generate-resources); the bundle lands in OUT/dev/unetscope/report/viewer/niivue.js,
# which Maven puts on the class path and in the jar. It never fails the build: without node, npm or the
# registry it writes niivue-missing.txt (one line: why) instead, and the report says that line.
# Usage: build.sh OUT_DIR WORK_DIR
set -uo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1/dev/unetscope/report/viewer"
work="$2"
mkdir -p "$out"
bundle="$out/niivue.js"
missing="$out/niivue-missing.txt"
# up to date: the bundle is newer than the pins and this script
if [ -s "$bundle" ] && [ -z "$(find "$src" -newer "$bundle" -print -quit)" ]; then exit 0; fi
rm -f "$bundle" "$missing"
fail() {
  echo "the viewer's library was not built: $1" > "$missing"
  echo "unetscope: $(cat "$missing") (the report will be written without the viewer)" >&2
  exit 0
}
command -v node >/dev/null 2>&1 || fail "node is not installed (install node and npm, then rebuild)"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (install node and npm, then rebuild)"
mkdir -p "$work"
cp "$src/package.json" "$src/package-lock.json" "$src/entry.js" "$work/"
log="$work/npm.log"
# --ignore-scripts: esbuild's native binary comes as an ordinary (optional) package; no install script is needed
if ! (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --fetch-retries=1 --fetch-timeout=30000 >"$log" 2>&1); then
  fail "'npm ci' failed in $work ($(grep -m1 -iE 'npm error (code|network|request)|ERR' "$log" | cut -c1-160 || echo see npm.log)); check that the npm registry is reachable, then rebuild"
fi
if ! (cd "$work" && node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=niivue --minify --target=es2020 \
      --log-level=error --outfile="$bundle.tmp" >>"$log" 2>&1); then
  rm -f "$bundle.tmp"
  fail "esbuild failed in $work (see npm.log there)"
fi
version="$(node -p "require('$work/node_modules/@niivue/niivue/package.json').version")"
echo "NiiVue $version (BSD-2-Clause), bundled with esbuild" > "$out/niivue-version.txt"
mv "$bundle.tmp" "$bundle"
