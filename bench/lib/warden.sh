# bench/lib/warden.sh — what every bench script starts with (source it with ROOT set):
# build the jar if sources changed, find a JDK 21+, and stop every process started (PIDS) and
# remove BENCH_WORK on exit. Then: start_sim PORT LOG, start_nginx ..., start_bare ..., new_key DATA_DIR, serve CONFIG LOG,
# one_tenant_config FILE ..., wait_ready ADMIN_PORT LOG, one_tenant_warden ..., cpu_ticks PID, thread_ticks PID.
"$ROOT/warden" build >/dev/null
# shellcheck source=../../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_BIN=$(find_java) || { echo "no JDK 21+ found"; exit 1; }
JAR=$ROOT/target/warden.jar
PIDS=()
bench_cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "${BENCH_WORK:-}"; }
trap bench_cleanup EXIT

# The sim on PORT (2 event loops), its output in LOG; its pid in SIM_PID. SIM_ARGS: more sim
# options (a provider personality: --provider anthropic --key-file FILE).
start_sim() {
  # shellcheck disable=SC2086
  "$JAVA_BIN" $(default_java_opts "$JAVA_BIN") -jar "$JAR" sim --port "$1" --region eu --instances 2 ${SIM_ARGS:-} > "$2" 2>&1 &
  SIM_PID=$!; PIDS+=($SIM_PID)
}

# A fresh API key (printed), its hashing secret in DATA_DIR.
new_key() {
  "$JAVA_BIN" -cp "$JAR" dev.warden.Warden keys new --data-dir "$1" | sed -n '2p' | tr -d ' '
}

# Warden serving CONFIG, its output in LOG (java options: WARDEN_JAVA_OPTS or the defaults); its pid in WARDEN_PID.
serve() {
  "$JAVA_BIN" ${WARDEN_JAVA_OPTS:-$(default_java_opts "$JAVA_BIN")} -jar "$JAR" serve --config "$1" > "$2" 2>&1 &
  WARDEN_PID=$!; PIDS+=($WARDEN_PID)
}

# A config for one Warden (data DATA_PORT, admin ADMIN_PORT) in front of the sim on SIM_PORT: model
# gpt-sim, one tenant TENANT with KEY on tier "t" whose limits are LIMITS (a YAML flow map, or
# "{}"), and EXTRA (more top-level YAML, may be empty). POOL_EXTRA: more settings of the pool
# (provider, credential; YAML flow-map entries ending in a comma). Written to FILE.
one_tenant_config() {
  local file=$1 data=$2 admin=$3 sim=$4 dir=$5 tenant=$6 key=$7 limits=$8 extra=${9:-}
  cat > "$file" <<YAML
listeners: { data: { host: 127.0.0.1, port: $data }, admin: { host: 127.0.0.1, port: $admin } }
dataDir: $dir
telemetry: { accessLog: false }
$extra
pools: { sim: { ${POOL_EXTRA:-} upstreams: [ { url: "http://127.0.0.1:$sim", region: eu } ] } }
models: { gpt-sim: { pool: sim, price: { inputPer1k: 500, outputPer1k: 1500 } } }
tiers: { t: { description: bench, limits: $limits } }
tenants: { $tenant: { tier: t, regions: [eu], models: [gpt-sim], keys: [ { key: "$key" } ] } }
YAML
}

# Waits until the Warden started by serve answers /readyz on ADMIN_PORT (its log LOG shown if it dies).
wait_ready() {
  until curl -sf -o /dev/null "http://127.0.0.1:$1/readyz"; do sleep 0.05; kill -0 "$WARDEN_PID" || { cat "$2"; exit 1; }; done
}

# The usual single-tenant setup in BENCH_WORK: the sim on SIM_PORT, a new key, a Warden (data
# DATA_PORT, admin ADMIN_PORT) for tenant TENANT with LIMITS and EXTRA (see one_tenant_config),
# served and ready. Sets KEY, WP (Warden's pid), SIM_PID and URL (the chat endpoint).
one_tenant_warden() {
  local sim=$1 data=$2 admin=$3 tenant=$4 limits=$5 extra=${6:-}
  start_sim "$sim" "$BENCH_WORK/sim.log"
  KEY=$(new_key "$BENCH_WORK/data")
  one_tenant_config "$BENCH_WORK/w.yaml" "$data" "$admin" "$sim" "$BENCH_WORK/data" "$tenant" "$KEY" "$limits" "$extra"
  serve "$BENCH_WORK/w.yaml" "$BENCH_WORK/w.log"
  WP=$WARDEN_PID
  wait_ready "$admin" "$BENCH_WORK/w.log"
  URL="http://127.0.0.1:$data/v1/chat/completions"
}

# nginx as a plain keep-alive reverse proxy on PORT in front of the sim on SIM_PORT (2 workers, the
# config of ../shared/bench/peers/nginx), its files in DIR and output in LOG; its pid in NGINX_PID.
start_nginx() {
  local port=$1 sim=$2 dir=$3 log=$4
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  keepalive_requests 10000000;
  upstream sim { server 127.0.0.1:$sim; keepalive 128; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$port backlog=4096;
    location /v1/ { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGINX
  nginx -c "$dir/nginx.conf" -p "$dir" > "$log" 2>&1 &
  NGINX_PID=$!; PIDS+=($NGINX_PID)
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v1/models"; do sleep 0.05; done
}

# The bare Vert.x proxy (src/test/java/dev/warden/bench/BareVertxProxy.java: no pipeline, the
# framework's floor) on PORT in front of the sim on SIM_PORT, output in LOG; its pid in BARE_PID.
start_bare() {
  local port=$1 sim=$2 log=$3
  (cd "$ROOT" && JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")") mvn -B -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test)
  "$JAVA_BIN" $(default_java_opts "$JAVA_BIN") -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")" \
    dev.warden.bench.BareVertxProxy "$port" "$sim" > "$log" 2>&1 &
  BARE_PID=$!; PIDS+=($BARE_PID)
  until curl -s -o /dev/null "http://127.0.0.1:$port/v1/models" -X POST; do sleep 0.1; done
}

# CPU time process PID has used so far, in clock ticks (user + system).
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# CPU ticks of process PID by thread name (event loops, C2 compiler, GC...), one "name ticks" line each.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' '_' < "$t/comm" 2>/dev/null) $(awk '{print $14+$15}' "$t/stat" 2>/dev/null)"
  done | awk 'NF == 2 {a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
