#!/usr/bin/env bash
# Builds Warden's Java runtime with jlink: only the modules in java-modules (what Warden and its
# libraries use), no debug symbols, headers or man pages. Used by the Dockerfile and by layout.sh.
#   runtime.sh OUT_DIR   (JAVA_HOME: a JDK 21+; JDK 24+ needs no jmods directory)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:?usage: runtime.sh OUT_DIR}
JLINK="${JAVA_HOME:?set JAVA_HOME to a JDK 21 or newer}/bin/jlink"
[[ -x "$JLINK" ]] || { echo "runtime.sh: no jlink in $JAVA_HOME" >&2; exit 1; }
rm -rf "$OUT"
"$JLINK" --add-modules "$(tr -d ' \n' < "$HERE/java-modules")" --output "$OUT" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6
