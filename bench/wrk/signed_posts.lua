-- Signed webhook deliveries for wrk, read from a file written by bench/webhook_load.py.
--
--   wrk -t1 -c16 -d10s -s bench/wrk/signed_posts.lua http://127.0.0.1:PORT/webhooks/jira -- FILE 1
--
-- FILE holds one request a line: delivery id, X-Hub-Signature, body (one JSON line),
-- separated by tabs. The second argument is wrk's thread count n: thread t of n sends
-- lines t, t + n, t + 2n... so no two requests share a delivery id; a thread that runs
-- out starts its share again and counts the wrap (those repeats are duplicates, which
-- the webhook answers without storing: the bench reports them).
-- done() prints one JSON line for the bench: requests, errors, percentiles in us.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local stride = tonumber(args[2]) or 1
  requests = {}
  local file = assert(io.open(path, "r"))
  local line_number = 0
  for line in file:lines() do
    if line_number % stride == index then
      local id, signature, body = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
      requests[#requests + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Hub-Signature"] = signature,
        ["X-Atlassian-Webhook-Identifier"] = id,
      }, body)
    end
    line_number = line_number + 1
  end
  file:close()
  position = 0
  wrapped = 0
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
    wrapped = wrapped + 1
  end
  return requests[position]
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "wrapped": %d, '
      .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    wraps, latency:percentile(50), latency:percentile(99), latency.max))
end
