#!/usr/bin/env bash
# bench/admission/jobs.sh — interactive inference beside a wave of training jobs (issue 19). One
# pool lends its jobs 8 GPUs. Tenants j1 (weight 1) and j3 (weight 3) keep jobs queued all the time
# (1 GPU, JOB_MS of work, maxHours 0.001; their workers renew every RENEW_MS and report usage);
# tenant jb (weight 1) does the same under a hard monthly budget of BUDGET micro-units (one
# micro-unit per GPU-millisecond here), which it runs into; tenants inf1 and inf2 send chat
# completions at a fixed offered rate (wrk, RATE a second together).
# Order: warm-up (inference 10 s, the job wave 30 s: the JIT compiles both now), inference alone
# DURATION s, the wave (15 s to fill) and inference beside it DURATION s, inference alone again.
# Targets: each inference tenant's p99 with jobs <= 1.2 x the mean of its two alone runs; goodput
# (2xx of all answers) >= 99 %; j3's share of j1 + j3's GPU time = 3/4 (+-5 points); the running
# jobs' GPUs (sampled every POLL_MS) never above 8; jb's spend (ledger) never above its budget.
# Placement (PLACEMENT, default pinned): Warden alone on core 0; the sim (inference and the job
# workers), wrk and the job clients on core 1, so what is measured is Warden's own job bookkeeping,
# not the job workers' CPU (on a real platform they run on the GPU hosts); "shared": no pinning.
# Knobs (env): RATE (400), DURATION (30), RENEW_MS (1000; Warden's default is 60000), JOB_MS
# (3000), POLL_MS (how often the job clients list their jobs, 500), BUDGET (jb's, 40000)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RATE=${RATE:-400}; DURATION=${DURATION:-30}; RENEW_MS=${RENEW_MS:-1000}; JOB_MS=${JOB_MS:-3000}; POLL_MS=${POLL_MS:-500}
PLACEMENT=${PLACEMENT:-pinned}; BUDGET=${BUDGET:-40000}
P_SIM=18581; P_DATA=18590; P_ADMIN=18591
W=$(mktemp -d /tmp/warden-jobs.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
start_sim $P_SIM "$W/sim.log"
KI1=$(new_key "$W/data"); KI2=$(new_key "$W/data"); K1=$(new_key "$W/data"); K3=$(new_key "$W/data"); KB=$(new_key "$W/data")
cat > "$W/w.yaml" <<YAML
listeners: { data: { host: 127.0.0.1, port: $P_DATA }, admin: { host: 127.0.0.1, port: $P_ADMIN } }
dataDir: $W/data
telemetry: { accessLog: false }
jobs: { tokenLifetimeSeconds: 5, renewEveryMs: $RENEW_MS, maxActivePerTenant: 50 }
pools:
  sim:
    jobsPath: /v1/jobs
    jobCapacity: { gpus: 8, pricePerGpuHour: 3600000 }
    upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ]
models: { gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } } }
tiers:
  w1: { description: bench, limits: { weight: 1 } }
  w3: { description: bench, limits: { weight: 3 } }
tenants:
  inf1: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KI1" } ] }
  inf2: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KI2" } ] }
  j1: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$K1", role: tenant-admin } ] }
  j3: { tier: w3, regions: [eu], models: [gpt-sim], keys: [ { key: "$K3", role: tenant-admin } ] }
  jb: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KB", role: tenant-admin } ] }
YAML
serve "$W/w.yaml" "$W/warden.log"
wait_ready $P_ADMIN "$W/warden.log"
ADMIN=$(grep -A1 "Admin token" "$W/warden.log" | tail -1 | tr -d ' ')
curl -sf -X PUT "http://127.0.0.1:$P_ADMIN/admin/v1/tenants/jb/settings/budgets" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":$BUDGET}]}" >/dev/null
ON1=()
if [ "$PLACEMENT" = pinned ]; then
  taskset -a -p -c 0 "$WARDEN_PID" >/dev/null; taskset -a -p -c 1 "$SIM_PID" >/dev/null; ON1=(taskset -c 1)
fi
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
PAUSE=$(( 8000 / RATE )) # 8 connections in all, each pausing PAUSE ms between requests: RATE a second

# Inference of both tenants for DURATION s (4 connections each), each's RESULT in $W/PHASE-TENANT.out.
inference() {
  BENCH_KEY=$KI1 BENCH_DELAY_MS=$PAUSE "${ON1[@]}" wrk -t1 -c4 -d"${DURATION}s" -s "$ROOT/bench/lib/chat.lua" "$URL" \
    | grep RESULT > "$W/$1-inf1.out" &
  local one=$!
  BENCH_KEY=$KI2 BENCH_DELAY_MS=$PAUSE "${ON1[@]}" wrk -t1 -c4 -d"${DURATION}s" -s "$ROOT/bench/lib/chat.lua" "$URL" \
    | grep RESULT > "$W/$1-inf2.out"
  wait $one
}

# The job wave (writes its peak to FILE): each job tenant keeps 6 queued; the running jobs' GPUs
# are sampled every POLL_MS; refusals (jb's budget) are counted. Its pid in WAVE.
start_wave() {
  "${ON1[@]}" python3 - "$P_DATA" "$JOB_MS" "$1" "$POLL_MS" "$K1" "$K3" "$KB" <<'PY' &
import json, sys, time, urllib.error, urllib.request
port, job_ms, out, poll = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]) / 1000
tenants = (("j1", sys.argv[5]), ("j3", sys.argv[6]), ("jb", sys.argv[7]))
def call(method, tenant, key, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tenants/{tenant}/jobs", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())
peak, samples, created, refused = 0, 0, 0, 0
while True:
    try:
        running = 0
        for tenant, key in tenants:
            jobs = call("GET", tenant, key)["data"]
            running += sum(j["resources"]["gpus"] for j in jobs if j["status"] == "running")
            queued = sum(1 for j in jobs if j["status"] == "queued")
            for _ in range(6 - queued):
                try:
                    call("POST", tenant, key, {"model": "gpt-sim", "kind": "training", "params": {"durationMs": job_ms},
                                               "resources": {"gpus": 1, "maxHours": 0.001}})
                    created += 1
                except urllib.error.HTTPError as e:
                    refused += 1
                    break
        peak, samples = max(peak, running), samples + 1
        with open(out, "w") as f:
            f.write(f"WAVE peak_gpus={peak} samples={samples} created={created} refused={refused}\n")
    except Exception as e:
        print("wave:", e, file=sys.stderr)
    time.sleep(poll)
PY
  WAVE=$!; PIDS+=($WAVE)
}
stop_wave() { kill "$WAVE"; wait "$WAVE" 2>/dev/null || true; sleep $(( JOB_MS / 1000 + 3 )); }

# warm-up: inference, then the job paths
BENCH_KEY=$KI1 "${ON1[@]}" wrk -t1 -c8 -d10s -s "$ROOT/bench/lib/chat.lua" "$URL" >/dev/null
start_wave "$W/warm.out"; sleep 30; stop_wave

inference alone
start_wave "$W/wave.out"
sleep 5 # the wave fills the pool and its queue
T0=$(cpu_ticks "$WARDEN_PID"); thread_ticks "$WARDEN_PID" > "$W/threads0"
sleep 10 # Warden's CPU for the job wave alone
T1=$(cpu_ticks "$WARDEN_PID"); thread_ticks "$WARDEN_PID" > "$W/threads1"
inference mixed
for t in j1 j3 jb; do
  K=$( [ $t = j1 ] && echo "$K1" || { [ $t = j3 ] && echo "$K3" || echo "$KB"; } )
  curl -s "http://127.0.0.1:$P_DATA/api/v1/tenants/$t/jobs" -H "Authorization: Bearer $K" > "$W/$t.jobs"
done
stop_wave
inference again
curl -s "http://127.0.0.1:$P_ADMIN/admin/v1/tenants/jb/usage" -H "Authorization: Bearer $ADMIN" > "$W/jb.usage"

echo "placement: $PLACEMENT"
echo "Warden's CPU for the job wave alone: $(( T1 - T0 )) ticks in 10 s ($(getconf CLK_TCK) a second); by thread:"
join -a2 "$W/threads0" "$W/threads1" | awk 'NF == 3 && $3 - $2 > 0 {print "  " $1, $3 - $2} NF == 2 && $2 > 0 {print "  " $1, $2}' | sort -k2 -nr | head -6
for phase in alone mixed again; do
  for t in inf1 inf2; do echo "$phase $t: $(cat "$W/$phase-$t.out")"; done
done
cat "$W/wave.out"
python3 - "$W" "$BUDGET" <<'PY'
import json, sys
w, budget = sys.argv[1], int(sys.argv[2])
def fields(path):
    line = open(path).read().split()
    return {k: v for k, v in (kv.split("=") for kv in line[1:])}
def gpu_seconds(tenant):
    return sum(j["usage"]["gpu_seconds"] for j in json.load(open(f"{w}/{tenant}.jobs"))["data"])
checks = []
for t in ("inf1", "inf2"):
    alone, mixed, again = (fields(f"{w}/{p}-{t}.out") for p in ("alone", "mixed", "again"))
    ratio = int(mixed["p99_us"]) / max(1, (int(alone["p99_us"]) + int(again["p99_us"])) / 2)
    bad = sum(int(mixed[k]) for k in ("err_status", "err_timeout", "err_connect", "err_read"))
    good = 1 - bad / max(1, int(mixed["requests"]))
    checks.append((f"{t}: p99 with jobs / alone (mean of before and after)", f"{ratio:.2f}", ratio <= 1.2))
    checks.append((f"{t}: goodput with jobs", f"{good * 100:.2f} %", good >= 0.99))
g1, g3 = gpu_seconds("j1"), gpu_seconds("j3")
share = g3 / max(1e-9, g1 + g3)
checks.append(("j3's share of j1 + j3's job GPU time (weight 3 of 4)", f"{share * 100:.1f} % ({g3:.0f} of {g1 + g3:.0f} GPU-s)",
               abs(share - 0.75) <= 0.05))
wave = fields(f"{w}/wave.out")
checks.append(("peak running job GPUs (capacity 8)", wave["peak_gpus"], int(wave["peak_gpus"]) <= 8))
spent = json.load(open(f"{w}/jb.usage"))["total"]["costMicros"]
checks.append((f"jb's spend against its budget ({budget})", f"{spent} (refused {wave['refused']} jobs)", 0 < spent <= budget))
ok = True
for name, value, passed in checks:
    print(f"{name}: {value}: {'PASS' if passed else 'FAIL'}")
    ok = ok and passed
sys.exit(0 if ok else 1)
PY
