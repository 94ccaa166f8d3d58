#!/usr/bin/env bash
# bench/faults/slowloris.sh — does a slowloris crowd move another tenant's latency? One Warden in
# front of the sim; tenant "quiet" sends a fixed rate (wrk, CONNS connections, DELAY_MS between
# requests on each) for DURATION seconds alone, then again while CROWD connections from another
# process drip one header byte a second and reconnect whenever Warden answers 408 and closes.
# Prints both runs' p50/p99 and the ratio; PASS when the quiet tenant's p99 under attack is within
# 20 % of its p99 alone (issue 6), and it saw no error.
# Knobs (env): CROWD (900: under the default per-source cap of 1000), DURATION (20), CONNS (8), DELAY_MS (10)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CROWD=${CROWD:-900}; DURATION=${DURATION:-20}; CONNS=${CONNS:-8}; DELAY_MS=${DELAY_MS:-10}
P_SIM=18581; P_DATA=18590; P_ADMIN=18591
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
W=$(mktemp -d /tmp/warden-slowloris.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
ulimit -n 65536 2>/dev/null || true
start_sim $P_SIM "$W/sim.log"
KEY=$(new_key "$W/data")
one_tenant_config "$W/w.yaml" $P_DATA $P_ADMIN $P_SIM "$W/data" quiet "$KEY" "{}" ""
serve "$W/w.yaml" "$W/w.log"
WP=$WARDEN_PID
wait_ready $P_ADMIN "$W/w.log"
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
run() { BENCH_KEY=$KEY BENCH_DELAY_MS=$DELAY_MS wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT; }
BENCH_KEY=$KEY wrk -t2 -c"$CONNS" -d5s -s "$ROOT/bench/lib/chat.lua" "$URL" > /dev/null # warm-up
ALONE=$(run); echo "alone:        $ALONE"
python3 - "${TARGET_PORT:-$P_DATA}" "$CROWD" "$((DURATION + 3))" > "$W/crowd.txt" 2>&1 <<'PY' &
import asyncio, sys
port, crowd, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
stats = {"opened": 0, "timed_out": 0}
async def one():
    loop = asyncio.get_running_loop(); end = loop.time() + seconds
    while loop.time() < end:
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port); stats["opened"] += 1
            w.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: "); await w.drain()
            while loop.time() < end:
                w.write(b"a"); await w.drain()
                try:
                    data = await asyncio.wait_for(r.read(64), timeout=1.0)
                    if data.startswith(b"HTTP/1.1 408") or not data:
                        stats["timed_out"] += 1; break
                except asyncio.TimeoutError:
                    pass
            w.close()
        except OSError:
            await asyncio.sleep(0.1)
async def main():
    await asyncio.gather(*(one() for _ in range(crowd)))
asyncio.run(main())
print(f"crowd: {stats['opened']} connections opened, {stats['timed_out']} answered 408 / closed")
PY
CROWD_PID=$!; PIDS+=($CROWD_PID)
sleep 2
c0=$(awk '{print $14+$15}' /proc/$CROWD_PID/stat); w0=$(awk '{print $14+$15}' /proc/$WP/stat)
ATTACKED=$(run); echo "under attack: $ATTACKED"
c1=$(awk '{print $14+$15}' /proc/$CROWD_PID/stat 2>/dev/null || echo "$c0"); w1=$(awk '{print $14+$15}' /proc/$WP/stat)
echo "CPU while attacked: the crowd $(( (c1 - c0) / DURATION ))% of a core, Warden $(( (w1 - w0) / DURATION ))% (the crowd runs on the same cores)"
wait $CROWD_PID || true
cat "$W/crowd.txt"
echo "Warden: $(curl -s "http://127.0.0.1:$P_ADMIN/metrics" | grep -E '^warden_(requests_too_slow|connections_refused)_total')"
python3 - "$ALONE" "$ATTACKED" <<'PY'
import re, sys
def f(s, k): return int(re.search(k + r"=(\d+)", s).group(1))
a, b = sys.argv[1], sys.argv[2]
errs = sum(f(b, k) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
ratio = f(b, "p99_us") / max(1, f(a, "p99_us"))
print(f"p50 {f(a, 'p50_us')} -> {f(b, 'p50_us')} us, p99 {f(a, 'p99_us')} -> {f(b, 'p99_us')} us: x{ratio:.2f}; errors under attack: {errs}")
ok = ratio <= 1.2 and errs == 0
print(("PASS" if ok else "FAIL") + "  the quiet tenant's p99 within 20 % under a slowloris crowd, no errors")
sys.exit(0 if ok else 1)
PY
