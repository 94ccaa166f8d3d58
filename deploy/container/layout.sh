#!/usr/bin/env bash
# Builds the container image's file layout in a directory, without a container engine, and checks
# it: the jlink'd runtime (runtime.sh), the jar, the image's warden.yaml, the data volume and /tmp,
# then starts Warden the way the image does (working directory = the volume) and waits for the
# health check (dev.warden.Probe on /readyz) to pass. Nothing is written outside the volume and tmp.
#   layout.sh OUT_DIR JAR        (JAVA_HOME: a JDK 21+)
#   WARDEN_CLASSPATH=... layout.sh OUT_DIR -    (the tests: classes instead of a jar)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:?usage: layout.sh OUT_DIR JAR}
JAR=${2:?usage: layout.sh OUT_DIR JAR}
DATA_PORT=${DATA_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}

mkdir -p "$OUT/opt/warden" "$OUT/etc/warden" "$OUT/var/lib/warden" "$OUT/tmp"
"$HERE/runtime.sh" "$OUT/opt/warden/jre"
if [[ "$JAR" != "-" ]]; then cp "$JAR" "$OUT/opt/warden/warden.jar"; fi
# the image's config, with its paths under OUT and (so a check can run beside other things) its ports
sed -e "s#/var/lib/warden#$OUT/var/lib/warden#" -e "s/port: 8080/port: $DATA_PORT/" -e "s/port: 9090/port: $ADMIN_PORT/" \
  -e "s/host: 0.0.0.0/host: 127.0.0.1/" "$HERE/warden.yaml" > "$OUT/etc/warden/warden.yaml"

JAVA="$OUT/opt/warden/jre/bin/java"
if [[ -n "${WARDEN_CLASSPATH:-}" ]]; then LAUNCH=(-cp "$WARDEN_CLASSPATH" dev.warden.Warden); PROBE_CP=$WARDEN_CLASSPATH
else LAUNCH=(-jar "$OUT/opt/warden/warden.jar"); PROBE_CP=$OUT/opt/warden/warden.jar; fi
touch "$OUT/.started"
( cd "$OUT/var/lib/warden" && exec "$JAVA" -XX:+UseSerialGC -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError \
    --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$OUT/tmp" \
    "${LAUNCH[@]}" serve --config "$OUT/etc/warden/warden.yaml" ) > "$OUT/warden.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  if "$JAVA" -cp "$PROBE_CP" dev.warden.Probe "http://127.0.0.1:$ADMIN_PORT/readyz" 2>/dev/null; then
    echo "layout: ready on the jlink'd runtime ($(du -sh "$OUT/opt/warden/jre" | cut -f1)); /readyz passes"
    kill -TERM $PID; wait $PID || true
    changed=$(cd "$OUT" && find . -newer .started -type f ! -path './var/lib/warden/*' ! -path './tmp/*' ! -name warden.log)
    if [[ -n "$changed" ]]; then echo "layout: FAIL: written outside the volume and /tmp: $changed" >&2; exit 1; fi
    echo "layout: nothing written outside /var/lib/warden and /tmp"
    exit 0
  fi
  kill -0 $PID 2>/dev/null || { echo "layout: FAIL: Warden exited" >&2; cat "$OUT/warden.log" >&2; exit 1; }
  sleep 0.5
done
echo "layout: FAIL: /readyz did not pass within 30 s" >&2; cat "$OUT/warden.log" >&2; exit 1
