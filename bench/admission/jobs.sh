#!/usr/bin/env bash
# bench/admission/jobs.sh — inference beside a wave of training jobs (issue 19). One pool lends its
# jobs 8 GPUs; tenants j1 (weight 1) and j3 (weight 3) keep jobs queued all the time (1 GPU, a few
# seconds each, their workers renewing every RENEW_MS and reporting usage); tenant inf sends chat
# completions at a fixed offered rate (wrk, RATE a second). Measured twice: inference alone, then
# with the job wave.
# Targets: inference p99 with jobs <= 1.2 x alone; goodput (2xx of all answers) >= 99 %; j3's share
# of the GPU time charged = 3/4 (+-5 points); the pool's job GPUs never over-committed (the running
# jobs' GPUs, sampled every POLL_MS, never above 8).
# Placement (PLACEMENT, default pinned): Warden alone on core 0, the sim (inference and the job
# workers), wrk and the job clients on core 1, so what is measured is Warden's own job bookkeeping,
# not the job workers' CPU (on a real platform they run on the GPU hosts); "shared": no pinning.
# Order: alone, with jobs, alone again (after the wave); the ratio is against the mean of the two.
# Knobs (env): RATE (answers a second offered, 400), DURATION (30 s), RENEW_MS (1000; Warden's
# default is 60000), JOB_MS (3000), POLL_MS (how often the job clients list their jobs, 500)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RATE=${RATE:-400}; DURATION=${DURATION:-30}; RENEW_MS=${RENEW_MS:-1000}; JOB_MS=${JOB_MS:-3000}; POLL_MS=${POLL_MS:-500}; PLACEMENT=${PLACEMENT:-pinned}
P_SIM=18581; P_DATA=18590; P_ADMIN=18591
W=$(mktemp -d /tmp/warden-jobs.XXXXXX)
BENCH_WORK=$W
# shellcheck source=../lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
start_sim $P_SIM "$W/sim.log"
KI=$(new_key "$W/data"); K1=$(new_key "$W/data"); K3=$(new_key "$W/data")
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
  inf: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$KI" } ] }
  j1: { tier: w1, regions: [eu], models: [gpt-sim], keys: [ { key: "$K1", role: tenant-admin } ] }
  j3: { tier: w3, regions: [eu], models: [gpt-sim], keys: [ { key: "$K3", role: tenant-admin } ] }
YAML
serve "$W/w.yaml" "$W/warden.log"
wait_ready $P_ADMIN "$W/warden.log"
ON1=()
if [ "$PLACEMENT" = pinned ]; then
  taskset -a -p -c 0 "$WARDEN_PID" >/dev/null; taskset -a -p -c 1 "$SIM_PID" >/dev/null; ON1=(taskset -c 1)
fi
URL="http://127.0.0.1:$P_DATA/v1/chat/completions"
# a fixed offered rate: 8 connections, each pausing 8000/RATE ms between requests
PAUSE=$(( 8000 / RATE ))

# The job wave (writes its peak to FILE): each job tenant keeps 6 queued; the running jobs' GPUs
# are sampled every POLL_MS. Its pid in WAVE.
start_wave() {
  "${ON1[@]}" python3 - "$P_DATA" "$K1" "$K3" "$JOB_MS" "$1" "$POLL_MS" <<'PY' &
import json, sys, time, urllib.request
port, k1, k3, job_ms, out, poll = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]) / 1000
def call(method, tenant, key, path="", body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tenants/{tenant}/jobs{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())
peak, samples, created = 0, 0, 0
while True:
    try:
        running = 0
        for tenant, key in (("j1", k1), ("j3", k3)):
            jobs = call("GET", tenant, key)["data"]
            running += sum(j["resources"]["gpus"] for j in jobs if j["status"] == "running")
            queued = sum(1 for j in jobs if j["status"] == "queued")
            for _ in range(6 - queued):
                call("POST", tenant, key, body={"model": "gpt-sim", "kind": "training", "params": {"durationMs": job_ms},
                                                "resources": {"gpus": 1, "maxHours": 0.01}})
                created += 1
        peak, samples = max(peak, running), samples + 1
        with open(out, "w") as f:
            f.write(f"WAVE peak_gpus={peak} samples={samples} created={created}\n")
    except Exception as e:
        print("wave:", e, file=sys.stderr)
    time.sleep(poll)
PY
  WAVE=$!; PIDS+=($WAVE)
}
stop_wave() { kill "$WAVE"; wait "$WAVE" 2>/dev/null || true; sleep $(( JOB_MS / 1000 + 3 )); }

# warm-up: inference, then the job paths (the JIT compiles them now, not while measuring)
BENCH_KEY=$KI "${ON1[@]}" wrk -t1 -c8 -d10s -s "$ROOT/bench/lib/chat.lua" "$URL" >/dev/null
start_wave "$W/warm.out"; sleep 30; stop_wave

BENCH_KEY=$KI BENCH_DELAY_MS=$PAUSE "${ON1[@]}" wrk -t1 -c8 -d${DURATION}s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT > "$W/alone.out"
start_wave "$W/wave.out"
sleep 5 # the wave fills the pool and its queue
T0=$(cpu_ticks "$WARDEN_PID"); thread_ticks "$WARDEN_PID" > "$W/threads0"
sleep 10 # Warden's CPU for the job wave alone
T1=$(cpu_ticks "$WARDEN_PID"); thread_ticks "$WARDEN_PID" > "$W/threads1"
BENCH_KEY=$KI BENCH_DELAY_MS=$PAUSE "${ON1[@]}" wrk -t1 -c8 -d${DURATION}s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT > "$W/mixed.out"
# the GPU time charged to each job tenant, from the usage report (jobs cancelled or not, all charged)
for t in j1 j3; do
  K=$([ $t = j1 ] && echo "$K1" || echo "$K3")
  curl -s "http://127.0.0.1:$P_DATA/api/v1/tenants/$t/jobs" -H "Authorization: Bearer $K" > "$W/$t.jobs"
done
stop_wave
BENCH_KEY=$KI BENCH_DELAY_MS=$PAUSE "${ON1[@]}" wrk -t1 -c8 -d${DURATION}s -s "$ROOT/bench/lib/chat.lua" "$URL" | grep RESULT > "$W/again.out"
echo "placement: $PLACEMENT"
echo "Warden's CPU for the job wave alone: $(( T1 - T0 )) ticks in 10 s ($(getconf CLK_TCK) a second); by thread:"
join -a2 "$W/threads0" "$W/threads1" | awk 'NF == 3 && $3 - $2 > 0 {print "  " $1, $3 - $2} NF == 2 && $2 > 0 {print "  " $1, $2}' | sort -k2 -nr | head -8
echo "alone: $(cat "$W/alone.out")"
echo "mixed: $(cat "$W/mixed.out")"
echo "again: $(cat "$W/again.out")"
echo "$(cat "$W/wave.out")"
python3 - "$W/alone.out" "$W/mixed.out" "$W/wave.out" "$W/j1.jobs" "$W/j3.jobs" "$W/again.out" <<'PY'
import json, sys
def fields(path):
    line = open(path).read().split()
    return {k: v for k, v in (kv.split("=") for kv in line[1:])}
alone, mixed, wave, again = fields(sys.argv[1]), fields(sys.argv[2]), fields(sys.argv[3]), fields(sys.argv[6])
def gpu_seconds(path):
    return sum(j["usage"]["gpu_seconds"] for j in json.load(open(path))["data"])
g1, g3 = gpu_seconds(sys.argv[4]), gpu_seconds(sys.argv[5])
p99_ratio = int(mixed["p99_us"]) / max(1, (int(alone["p99_us"]) + int(again["p99_us"])) / 2)
good = 1 - (int(mixed["err_status"]) + int(mixed["err_timeout"]) + int(mixed["err_connect"]) + int(mixed["err_read"])) / max(1, int(mixed["requests"]))
share = g3 / max(1e-9, g1 + g3)
checks = [("inference p99 with jobs / alone (mean of before and after)", f"{p99_ratio:.2f}", p99_ratio <= 1.2),
          ("inference goodput with jobs", f"{good * 100:.2f} %", good >= 0.99),
          ("j3's share of the job GPU time (weight 3 of 4)", f"{share * 100:.1f} % ({g3:.0f} of {g1 + g3:.0f} GPU-s)", abs(share - 0.75) <= 0.05),
          ("peak running job GPUs (capacity 8)", wave["peak_gpus"], int(wave["peak_gpus"]) <= 8)]
ok = True
for name, value, passed in checks:
    print(f"{name}: {value}: {'PASS' if passed else 'FAIL'}")
    ok = ok and passed
sys.exit(0 if ok else 1)
PY
