-- wrk script of the load test (bench/load.py writes the URL file and reads the result line).
--
--   wrk -t1 -c8 -d20s -s bench/load.lua http://127.0.0.1:PORT -- URLFILE
--
-- URLFILE holds one request per line: "<path>\t<Cookie header>" (each line carries its user's
-- session). Each thread walks the list from its own offset, so every URL is asked for in turn.
-- Every request also says X-Forwarded-Proto: https, as the TLS proxy in front of gunicorn does
-- (production settings trust that header and may redirect plain HTTP).
-- A response other than 2xx counts as an error: a 302 to the login page means the session was lost,
-- which wrk's own "Non-2xx or 3xx responses" would not count.

local requests = {}
local next_index = 1
local threads = {}
local thread_count = 0  -- in the main state only: a thread learns its own number from setup's "id"

bad = 0        -- responses other than 2xx, in this thread
statuses = {}  -- their status codes: {["302"] = n, ...}
cache = {}     -- X-Page-Cache answers (hit, miss, bypass; "none" for pages without the page cache)

function setup(thread)
    thread:set("id", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

function init(args)
    local file = assert(io.open(args[1], "r"), "cannot open the URL file " .. tostring(args[1]))
    for line in file:lines() do
        local path, cookie = line:match("^([^\t]+)\t(.*)$")
        if path then
            local headers = { ["Cookie"] = cookie, ["X-Forwarded-Proto"] = "https" }
            table.insert(requests, wrk.format("GET", path, headers))
        end
    end
    file:close()
    assert(#requests > 0, "the URL file is empty")
    -- Spread the threads over the list instead of starting them all on the same URL.
    next_index = (id * 7919) % #requests + 1
end

function request()
    local chosen = requests[next_index]
    next_index = next_index % #requests + 1
    return chosen
end

function response(status, headers, body)
    local answer = headers["X-Page-Cache"] or headers["x-page-cache"] or "none"
    cache[answer] = (cache[answer] or 0) + 1
    if status < 200 or status > 299 then
        bad = bad + 1
        local key = tostring(status)
        statuses[key] = (statuses[key] or 0) + 1
    end
end

local function json_object(map)
    local parts = {}
    for key, value in pairs(map) do
        table.insert(parts, string.format('"%s": %d', key, value))
    end
    return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests_)
    local non2xx = 0
    local codes = {}
    local cached = {}
    for _, thread in ipairs(threads) do
        non2xx = non2xx + (thread:get("bad") or 0)
        for key, value in pairs(thread:get("statuses") or {}) do
            codes[key] = (codes[key] or 0) + value
        end
        for key, value in pairs(thread:get("cache") or {}) do
            cached[key] = (cached[key] or 0) + value
        end
    end
    local e = summary.errors
    io.write(string.format(
        'LOAD_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, "statuses": %s, '
            .. '"page_cache": %s, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
            .. '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
        summary.requests, summary.duration, summary.bytes, non2xx, json_object(codes), json_object(cached),
        e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
        latency.max, latency.mean
    ))
end
