#!/usr/bin/env bash
# bench/peers.sh — Warden as one more row of the shared peer harness (../shared/bench/run-peers.sh):
# the same fake model (nginx `return 200`), the same wrk load and request (its key
# `sk-bench-tenant-1` is imported as the bench tenant's key), beside nginx, HAProxy, Portkey and
# Spring Cloud Gateway (with and without its Redis rate limiter), in the harness's two CPU
# placements (shared, and pinned: the system under test alone on core 0, wrk, the fake model and
# Redis on core 1).
#
# Knobs: STORE (redis | local, default redis: the limiter store), LIMITS (the bench tier's limits,
# a YAML flow map; default every rate, per-key rate and concurrency on, none refusing), GUARDRAILS (the
# bench tier's guardrails, a YAML flow map, e.g. the default PII policy; default none), WARDEN_JAVA_OPTS;
# everything else (PEERS, MODES, ROUNDS, DURATION, ...) goes to the harness as is.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/run-peers.sh}
[[ -x "$HARNESS" || -f "$HARNESS" ]] || { echo "no peer harness at $HARNESS"; exit 1; }
# (not bench/lib/warden.sh: its exit trap removes BENCH_WORK, which the harness uses for its peers' builds)
"$ROOT/warden" build >/dev/null
# shellcheck source=../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_BIN=$(find_java) || { echo "no JDK 21+ found"; exit 1; }
STORE=${STORE:-redis}
LIMITS=${LIMITS:-"{ requestsPerMinute: 100000000, tokensPerMinute: 100000000000, perKey: { requestsPerMinute: 100000000, tokensPerMinute: 100000000000 }, concurrency: 100000 }"}
GUARDRAILS=${GUARDRAILS:-}
TIER_GUARDRAILS=""
[[ -n $GUARDRAILS ]] && TIER_GUARDRAILS=", guardrails: $GUARDRAILS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/warden-peers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PORT=18500

LIMITER=""
if [[ $STORE == redis ]]; then
  LIMITER='limiter: { store: redis, redis: "redis://127.0.0.1:6390", namespace: peers }' # the harness's Redis
  export CANDIDATE_NEEDS_REDIS=1
fi
cat > "$WORK/warden.yaml" <<YAML
listeners: { data: { host: 127.0.0.1, port: $PORT }, admin: { host: 127.0.0.1, port: $((PORT + 1)) } }
dataDir: $WORK/data
telemetry: { accessLog: false }
$LIMITER
pools: { fake: { upstreams: [ { url: "http://127.0.0.1:18000", region: eu } ] } }
models: { fake-model: { pool: fake, price: { inputPer1k: 500, outputPer1k: 1500 } } }
tiers: { bench: { description: peer harness, limits: $LIMITS$TIER_GUARDRAILS } }
tenants:
  bench:
    tier: bench
    regions: [eu]
    models: [fake-model]
    keys: [ { id: benchkey1, key: "sk-bench-tenant-1", imported: true } ]
YAML
"$JAVA_BIN" -cp "$ROOT/target/warden.jar" dev.warden.Warden config check "$WORK/warden.yaml" >/dev/null

export CANDIDATE_NAME=${CANDIDATE_NAME:-warden-$STORE${GUARDRAILS:+-guarded}}
export CANDIDATE_URL=http://127.0.0.1:$PORT/v1/chat/completions
export CANDIDATE_START="exec $JAVA_BIN ${WARDEN_JAVA_OPTS:-$(default_java_opts "$JAVA_BIN")} -jar $ROOT/target/warden.jar serve --config $WORK/warden.yaml"
bash "$HARNESS"
