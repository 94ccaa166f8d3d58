#!/usr/bin/env bash
# bench/admission/profile.sh — where the CPU goes per request, by process: one Warden (every
# limit on, none refusing) in front of the sim, wrk at full load; the CPU seconds Warden, Redis and
# the sim used over 14 s, from /proc, per request and (Warden) by thread. Compares the limiter stores on the same machine.
# Knobs (env): STORE (redis | local, default redis), LIMITS (the tier's limits, YAML flow map),
#              WARMUP (seconds of full load before measuring, default 40: the JIT's compilation settles),
#              PROVIDER=anthropic (the sim speaks the Messages API behind an x-api-key: every request is
#              translated both ways),
#              JFR=1 (also record 10 s of Java Flight Recorder into $OUT/rec.jfr; JFR_SETTINGS: a .jfc, default profile)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STORE=${STORE:-redis}
LIMITS=${LIMITS:-"{ requestsPerMinute: 100000000, tokensPerMinute: 100000000000, perKey: { requestsPerMinute: 100000000, tokensPerMinute: 100000000000 }, concurrency: 100000 }"}
OUT=${OUT:-$(mktemp -d /tmp/warden-profile.XXXXXX)}; mkdir -p "$OUT"
P_SIM=18281; P_DATA=18290; P_ADMIN=18291
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
W=$(mktemp -d /tmp/warden-profile-run.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
LIMITER=""
[ "$STORE" = redis ] && LIMITER="limiter: { store: redis, namespace: prof$RANDOM$RANDOM }"
if [ "${PROVIDER:-openai}" = anthropic ]; then
  head -c 24 /dev/urandom | base64 > "$W/sim.key"
  SIM_ARGS="--provider anthropic --key-file $W/sim.key"
  POOL_EXTRA="provider: anthropic, credential: { type: header, secretFile: sim.key },"
fi
one_tenant_warden $P_SIM $P_DATA $P_ADMIN bench "$LIMITS" "$LIMITER"
SIM=$SIM_PID
# warm-up: on two cores C2 still takes ~0.4 of a core for the first ~25 s at full load (session 8)
BENCH_KEY=$KEY wrk -t2 -c64 -d${WARMUP:-40}s -s "$ROOT/bench/lib/chat.lua" "$URL" > /dev/null
BENCH_KEY=$KEY wrk -t2 -c64 -d15s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT | tee "$W/result" &
WRK=$!
RP=$(pgrep -x redis-server | head -1 || true)
a1=$(cpu_ticks $WP); c1=$(cpu_ticks $SIM); b1=$([ -n "$RP" ] && cpu_ticks "$RP" || echo 0); thread_ticks $WP > "$W/threads1"
[ -n "${JFR:-}" ] && "$(dirname "$JAVA_BIN")/jcmd" $WP JFR.start duration=10s filename="$OUT/rec.jfr" settings=${JFR_SETTINGS:-profile} >/dev/null
sleep 14
a2=$(cpu_ticks $WP); c2=$(cpu_ticks $SIM); b2=$([ -n "$RP" ] && cpu_ticks "$RP" || echo 0); thread_ticks $WP > "$W/threads2"
wait $WRK
python3 - "$a1" "$a2" "$b1" "$b2" "$c1" "$c2" "$(grep -o 'rps=[0-9.]*' "$W/result" | cut -d= -f2)" "$W/threads1" "$W/threads2" <<'PY'
import sys
a1, a2, b1, b2, c1, c2 = (int(x) for x in sys.argv[1:7])
rps = float(sys.argv[7] or 0)
w, r, s = ((y - x) / 100 / 14 for x, y in ((a1, a2), (b1, b2), (c1, c2)))
print(f"CPU cores over 14 s: warden {w:.2f}  redis {r:.2f}  sim {s:.2f}")
if rps > 0:
    print(f"CPU per request: warden {w / rps * 1e6:.1f} us  redis {r / rps * 1e6:.1f} us  sim {s / rps * 1e6:.1f} us")
    # Warden's by thread: the event loops are the request path; a busy C2 means the JIT is not done (raise WARMUP)
    before = dict(l.split() for l in open(sys.argv[8]) if len(l.split()) == 2)
    after = dict(l.split() for l in open(sys.argv[9]) if len(l.split()) == 2)
    used = sorted(((int(v) - int(before.get(k, 0))) / 100 / 14, k) for k, v in after.items())
    print("  warden by thread: " + ", ".join(f"{k} {c / rps * 1e6:.1f} us" for c, k in reversed(used) if c >= 0.005))
PY
curl -s "http://127.0.0.1:$P_ADMIN/metrics" | grep -E '^warden_limiter_store_(round_trips_total\{op="(admit|settle)"|admissions|fallback)' || true
[ -n "${JFR:-}" ] && echo "flight recording: $OUT/rec.jfr"
