#!/usr/bin/env bash
# bench/run.sh — end-to-end benchmark on loopback: the sim directly, nginx (plain reverse proxy)
# in front of the sim, and Warden (full pipeline) in front of the sim, under the same bounded wrk
# load, interleaved rounds. Prints req/s and p50/p99/p99.9 per row, Warden's RSS under load, its
# start-to-ready time, and the p99 Warden adds over direct at half of its max rate.
#
# Knobs (env): ROUNDS (3), DURATION (10 s), CONNS (64), THREADS (2), WARMUP (40 s: C2 settles ~30 s into full load on 2 cores), OUT (results dir),
#   WARDEN_EXTRA_YAML (appended to Warden's config, e.g. "telemetry: { accessLog: false }"),
#   WARDEN_TIER_LIMITS (the bench tier's admission limits, e.g. "{ requestsPerMinute: 100000000, concurrency: 100000 }"),
#   WARDEN_TIER_EXTRA (more settings of the bench tier, flow-map entries ending in a comma, e.g. "guardrails: { pii: { email: redact } },")
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}; WARMUP=${WARMUP:-40}
WORK=$(mktemp -d /tmp/warden-bench.XXXXXX)
OUT=${OUT:-$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
P_SIM=18081; P_NGINX=18100; P_WARDEN=18090; P_ADMIN=18091; P_BARE=18095
ROWS=${ROWS:-"direct nginx warden"}   # add vertx-bare for the floor of a Vert.x proxy (no pipeline)

for t in wrk nginx curl; do
  command -v $t >/dev/null || { echo "installing wrk and nginx-light (Debian)"; apt-get install -y -qq wrk nginx-light >/dev/null; break; }
done
BENCH_WORK=$WORK
# shellcheck source=lib/warden.sh
source "$ROOT/bench/lib/warden.sh"
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")"); export JAVA_HOME

# --- the sim (the "model server"), 2 event loops, no pacing ---
start_sim $P_SIM "$OUT/sim.log"

# --- nginx as a plain reverse proxy to the sim (keep-alive upstream, like ../shared/bench) ---
start_nginx $P_NGINX $P_SIM "$WORK/nginx" "$OUT/nginx.log"

# --- Warden: one tenant, a fresh key (only its hash in the config), the full pipeline ---
KEY=$(new_key "$WORK/data")
cat > "$WORK/bench.yaml" <<YAML
listeners:
  data:  { host: 127.0.0.1, port: $P_WARDEN }
  admin: { host: 127.0.0.1, port: $P_ADMIN }
dataDir: $WORK/data
pools:
  sim: { upstreams: [ { url: "http://127.0.0.1:$P_SIM", region: eu } ] }
models:
  gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } }
tiers:
  pro: { description: bench, ${WARDEN_TIER_EXTRA:-} limits: ${WARDEN_TIER_LIMITS:-{\}} }
tenants:
  bench:
    tier: pro
    regions: [eu]
    models: [gpt-sim]
    keys: [ { key: "$KEY" } ]
${WARDEN_EXTRA_YAML:-}
YAML
START_NS=$(date +%s%N)
serve "$WORK/bench.yaml" "$OUT/warden.log"
WPID=$WARDEN_PID
until curl -sf -o /dev/null "http://127.0.0.1:$P_ADMIN/readyz"; do sleep 0.01; kill -0 $WPID || { cat "$OUT/warden.log"; exit 1; }; done
READY_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))
until curl -sf -o /dev/null "http://127.0.0.1:$P_SIM/v1/models"; do sleep 0.05; done

if [[ " $ROWS " == *" vertx-bare "* ]]; then
  start_bare $P_BARE $P_SIM "$OUT/bare.log"
fi

url_of() { case $1 in direct) echo "http://127.0.0.1:$P_SIM/v1/chat/completions";;
  vertx-bare) echo "http://127.0.0.1:$P_BARE/v1/chat/completions";;
  nginx) echo "http://127.0.0.1:$P_NGINX/v1/chat/completions";; warden) echo "http://127.0.0.1:$P_WARDEN/v1/chat/completions";; esac; }
check=$(curl -s "$(url_of warden)" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-sim","messages":[{"role":"user","content":"hi"}]}')
[[ "$check" == *'"total_tokens"'* ]] || { echo "warden check failed: $check"; exit 1; }

run_wrk() {  # run_wrk ROW SECONDS CONNS [DELAY_MS] -> RESULT line
  BENCH_KEY=$KEY BENCH_DELAY_MS=${4:-0} timeout $(( $2 + 30 )) wrk -t"$THREADS" -c"$3" -d"${2}s" --timeout 10s --latency \
    -s "$ROOT/bench/lib/chat.lua" "$(url_of "$1")" 2>&1 | tee -a "$OUT/wrk.log" | grep '^RESULT' || echo "RESULT rps=0"
}
field() { sed -n "s/.*[ ]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
rss_mb() { awk '/^VmRSS:/{printf "%d", $2/1024}' "/proc/$1/status"; }

echo "warm-up ${WARMUP}s per row (JIT)"; for r in $ROWS; do run_wrk $r "$WARMUP" "$CONNS" >/dev/null; done
printf 'row\tround\trps\tp50_us\tp99_us\tp999_us\terrors\n' > "$OUT/raw.tsv"
PEAK_RSS=0
for i in $(seq 1 "$ROUNDS"); do
  for r in $ROWS; do
    res=$(run_wrk $r "$DURATION" "$CONNS")
    errs=0; for k in err_connect err_read err_write err_status err_timeout; do v=$(field $k "$res"); errs=$((errs + ${v:-0})); done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $r "$i" "$(field rps "$res")" "$(field p50_us "$res")" "$(field p99_us "$res")" "$(field p999_us "$res")" $errs >> "$OUT/raw.tsv"
    [[ $r == warden ]] && { m=$(rss_mb $WPID); (( m > PEAK_RSS )) && PEAK_RSS=$m; }
    echo "round $i $r: $(field rps "$res") req/s p50=$(field p50_us "$res")us p99=$(field p99_us "$res")us errors=$errs"
  done
done

# p99 at half of Warden's max rate (fixed offered rate via a per-connection pause; 16 connections)
WMAX=$(awk -F'\t' '$1=="warden"{print $3}' "$OUT/raw.tsv" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
HALF=$(awk -v m="$WMAX" 'BEGIN{printf "%d", m/2}')
DELAY=$(awk -v h="$HALF" 'BEGIN{d = 16*1000/h; printf "%d", (d < 1 ? 1 : d)}')
printf 'row\trate\tdelay_ms\tp50_us\tp99_us\tp999_us\trps\n' > "$OUT/half.tsv"
for r in direct warden direct warden; do
  res=$(run_wrk $r "$DURATION" 16 "$DELAY")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $r "$HALF" "$DELAY" "$(field p50_us "$res")" "$(field p99_us "$res")" "$(field p999_us "$res")" "$(field rps "$res")" >> "$OUT/half.tsv"
  echo "half-rate $r: $(field rps "$res") req/s p99=$(field p99_us "$res")us"
done

python3 - "$OUT" "$READY_MS" "$PEAK_RSS" <<'PY'
import csv, statistics, sys
out, ready, rss = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(f"{out}/raw.tsv"), delimiter="\t"))
def med(r, c):
    vals = [float(x[c]) for x in rows if x["row"] == r]
    return statistics.median(vals) if vals else float("nan")  # a row left out of ROWS
nginx = med("nginx", "rps"); direct = med("direct", "rps")
lines = ["| row | req/s (median) | rounds | p50 ms | p99 ms | p99.9 ms | vs direct | vs nginx | errors |", "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
for r in [r for r in ("direct", "nginx", "vertx-bare", "warden") if any(x["row"] == r for x in rows)]:
    rr = [x for x in rows if x["row"] == r]
    rounds = " / ".join("{:,.0f}".format(float(x["rps"])) for x in rr)
    lines.append(f"| {r} | {med(r,'rps'):,.0f} | {rounds} | {med(r,'p50_us')/1000:.2f} | {med(r,'p99_us')/1000:.2f} | {med(r,'p999_us')/1000:.2f} | {med(r,'rps')/direct:.2f} | {med(r,'rps')/nginx:.2f} | {sum(int(x['errors']) for x in rr)} |")
half = list(csv.DictReader(open(f"{out}/half.tsv"), delimiter="\t"))
hd = statistics.median(float(x["p99_us"]) for x in half if x["row"] == "direct")
hw = statistics.median(float(x["p99_us"]) for x in half if x["row"] == "warden")
rate = half[0]["rate"]
lines += ["", f"Half of Warden's max rate ({rate} req/s offered, 16 connections): p99 direct {hd/1000:.2f} ms, through Warden {hw/1000:.2f} ms, added {(hw-hd)/1000:.2f} ms",
          f"Warden RSS under load (peak of rounds): {rss} MiB; JVM start to ready: {ready} ms"]
text = "\n".join(lines)
open(f"{out}/summary.md", "w").write(text + "\n")
print(text)
PY
echo "results in $OUT"
