#!/usr/bin/env bash
# bench/jmh.sh — JMH benchmarks of the in-process pipeline path (not part of the test suite).
# Extra arguments go to JMH, e.g. bench/jmh.sh -f 1 -wi 2 -i 3 PipelineBenchmark
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_BIN=$(find_java) || { echo "no JDK 21+ found"; exit 1; }
export JAVA_HOME
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")
cd "$ROOT"
mvn -B -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec "$JAVA_BIN" -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "${@:-dev.warden.bench}"
