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

-- BENCH_TALLY=1: also count the 2xx answers per wall-clock second (one SECONDS line at the end),
-- for the sliding-window checks of bench/admission/accuracy.sh.
if os.getenv("BENCH_TALLY") == "1" then
  local threads = {}
  setup = function(thread) table.insert(threads, thread) end
  admitted = {}
  response = function(status, headers, body)
    if status >= 200 and status < 300 then
      local s = os.time()
      admitted[s] = (admitted[s] or 0) + 1
    end
  end
  local result = done
  done = function(summary, latency, requests)
    result(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
      for s, n in pairs(t:get("admitted")) do
        all[s] = (all[s] or 0) + n
      end
    end
    local parts = {}
    for s, n in pairs(all) do
      table.insert(parts, s .. ":" .. n)
    end
    io.write("SECONDS " .. table.concat(parts, ",") .. "\n")
  end
end

-- BENCH_COUNT=1: also count the 2xx answers and the total_tokens their usage reports (one COUNTED
-- line at the end), for bench/soak.sh's check that the ledger equals the answers.
if os.getenv("BENCH_COUNT") == "1" then
  local counted = {}
  local previous_setup = setup
  setup = function(thread)
    table.insert(counted, thread)
    if previous_setup then previous_setup(thread) end
  end
  ok_answers = 0
  ok_tokens = 0
  response = function(status, headers, body)
    if status >= 200 and status < 300 then
      ok_answers = ok_answers + 1
      local t = body and string.match(body, '"total_tokens":(%d+)')
      if t then ok_tokens = ok_tokens + tonumber(t) end
    end
  end
  local before = done
  done = function(summary, latency, requests)
    before(summary, latency, requests)
    local answers, tokens = 0, 0
    for _, t in ipairs(counted) do
      answers = answers + t:get("ok_answers")
      tokens = tokens + t:get("ok_tokens")
    end
    io.write(string.format("COUNTED answers=%d tokens=%d\n", answers, tokens))
  end
end
