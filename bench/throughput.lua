-- wrk script of bench/throughput.py: replays prepared requests (one per line: METHOD<TAB>PATH<TAB>JSON BODY),
-- counts statuses and Moderato outcomes, and prints one JSON line of results.
--   wrk -t2 -c16 -d10s -s bench/throughput.lua http://127.0.0.1:PORT -- requests.tsv OFFSET THREADS
-- Each run continues where the previous run of the same target stopped (OFFSET), and the threads take turns
-- (stride THREADS), so no comment is sent twice until the list is used up: a replayed comment would be held
-- as a repeat and stop measuring the normal path.

local threads = {}
local prepared = {}
local position = 0
local stride = 1
ok, client_errors, server_errors = 0, 0, 0
published, pending, rejected = 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if body == "" then
      body = nil
    end
    prepared[#prepared + 1] = wrk.format(method, path, headers, body)
  end
  stride = tonumber(args[3] or "1")
  position = tonumber(args[2] or "0") + thread_number - 1
end

function request()
  local index = position % #prepared + 1
  position = position + stride
  return prepared[index]
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    client_errors = client_errors + 1
  else
    ok = ok + 1
    local outcome = body:match('"status"%s*:%s*"(%a+)"')
    if outcome == "published" then
      published = published + 1
    elseif outcome == "pending" then
      pending = pending + 1
    elseif outcome == "rejected" then
      rejected = rejected + 1
    end
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, client_errors = 0, server_errors = 0, published = 0, pending = 0, rejected = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"ok": %d, "client_errors": %d, "server_errors": %d, "socket_errors": %d, '
      .. '"published": %d, "pending": %d, "rejected": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, totals.ok, totals.client_errors, totals.server_errors,
    errors.connect + errors.read + errors.write + errors.timeout,
    totals.published, totals.pending, totals.rejected
  ))
end
