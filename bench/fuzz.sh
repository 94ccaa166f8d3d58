#!/usr/bin/env bash
# bench/fuzz.sh — fuzz every parser of hostile input for longer than the test suite does:
# ParsersFuzzTest (the route and tenant-path parser, the token envelope and claim types, the
# event-stream parser, the request body's reading, the tenant-settings validators) in ROUNDS runs
# of its maxDuration (15 s) each; the corpus grows across runs in .cifuzz-corpus/. An input that
# fails is saved under src/test/resources/dev/warden/fuzz/ParsersFuzzTestInputs/ as crash-*: make it
# pass and commit it (it is then replayed by every test run). Prints the runs and coverage per round.
# Knobs: ROUNDS (20, ~5 min)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_BIN=$(find_java) || { echo "no JDK 21+ found"; exit 1; }
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")
export JAVA_HOME
ROUNDS=${ROUNDS:-20}
cd "$ROOT"
total=0
for round in $(seq 1 "$ROUNDS"); do
  log=$(mktemp)
  if ! JAZZER_FUZZ=1 mvn -B -q -Dstyle.color=never test -DskipFuzz=true -Dtest=ParsersFuzzTest > "$log" 2>&1; then
    grep -a -E "== Java Exception|Crashing input|crash-|FAIL" "$log" | head -20
    echo "round $round: a failure (log $log); its input is saved under src/test/resources/dev/warden/fuzz/"
    exit 1
  fi
  done_line=$(grep -a -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1)
  runs=$(echo "$done_line" | sed -E 's/^#([0-9]+).*/\1/')
  total=$((total + ${runs:-0}))
  echo "round $round: $done_line"
  rm -f "$log"
done
echo "fuzzed $total inputs in $ROUNDS rounds, no failure; corpus: $(ls .cifuzz-corpus/*/* 2>/dev/null | wc -l) inputs in .cifuzz-corpus/"
