-- wrk script: POST a small chat completion with a Warden key; print one machine-readable RESULT line.
-- env: BENCH_KEY (API key), BENCH_MODEL (default gpt-sim), BENCH_STREAM=1 for SSE,
--      BENCH_DELAY_MS (per-connection pause between requests, for a fixed offered rate).
local key = os.getenv("BENCH_KEY") or "none"
local model = os.getenv("BENCH_MODEL") or "gpt-sim"
local stream = os.getenv("BENCH_STREAM") == "1"
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
wrk.method = "POST"
wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"You are a helpful assistant."},' ..
           '{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16,"temperature":0' ..
           (stream and ',"stream":true' or '') .. '}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

if pause > 0 then
  delay = function() return pause end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d requests=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
