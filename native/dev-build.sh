#!/usr/bin/env bash
# Development build of the addon into any folder, with the flags binding.gyp uses, so that several
# builds can run side by side (node-gyp always writes native/build/). Usage:
#   bash native/dev-build.sh OUT_DIR      → OUT_DIR/rigl_native.node
# then point the trainer at it with RIGL_NATIVE_ADDON=OUT_DIR/rigl_native.node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: dev-build.sh OUT_DIR}"
mkdir -p "$out"
napi_include="$(node -p "require('node-addon-api').include_dir" 2>/dev/null || echo "$here/../node_modules/node-addon-api")"
node_include="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
flags=(-std=c++17 -O3 -fPIC -fexceptions -fno-math-errno -fno-trapping-math -Wall -Wno-unused-function -pthread
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION -I"$napi_include" -I"$node_include" -I"$here/src")
pids=()
for src in "$here"/src/*.cc; do
  g++ "${flags[@]}" -c "$src" -o "$out/$(basename "$src" .cc).o" & pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" -eq 0 ] || { echo "dev-build: compile failed" >&2; exit 1; }
g++ -shared -pthread -o "$out/rigl_native.node.tmp" "$out"/*.o
mv "$out/rigl_native.node.tmp" "$out/rigl_native.node"
echo "$out/rigl_native.node"
