-- wrk reporter: one JSON line with throughput, latency percentiles (ms) and errors.
-- Optional env: WRK_METHOD, WRK_BODY, WRK_HEADERS ("Name: value|Name: value").
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
local headers = os.getenv("WRK_HEADERS")
if method then wrk.method = method end
if body then wrk.body = body end

-- A body holding __N__ gets a number of its own on every request (thread id and count), so
-- that each POST is a different letter.
local threads_made = 0
setup = function(thread)
  threads_made = threads_made + 1
  thread:set("thread_id", threads_made)
end
if body and string.find(body, "__N__", 1, true) then
  local sent = 0
  request = function()
    sent = sent + 1
    local numbered = string.gsub(body, "__N__", thread_id .. "-" .. sent)
    return wrk.format(nil, nil, nil, numbered)
  end
end
if headers then
  for pair in string.gmatch(headers, "[^|]+") do
    local name, value = pair:match("^%s*(.-)%s*:%s*(.-)%s*$")
    if name then wrk.headers[name] = value end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "http_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
