-- wrk script for bench/diary_load.py: every request is one of 50 logged-in users (personal
-- tokens, one per line in $BENCH_USERS as "token entry_id") reading or writing their diary.
-- Mix per user, as in the original bench: 1/2 write an entry, 2/5 read one entry, 1/10 read
-- the whole list. Counts acknowledged writes (201) and other statuses; done() prints JSON.

local users = {}
local today = os.getenv("BENCH_TODAY")

for line in io.lines(os.getenv("BENCH_USERS")) do
  local token, entry = line:match("^(%S+)%s+(%d+)$")
  users[#users + 1] = { token = token, entry = entry }
end

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  created = 0
  bad = 0
  statuses = {}
  counter = (id - 1) * 7919  -- threads start at different users
end

function request()
  counter = counter + 1
  local user = users[(counter % #users) + 1]
  local step = math.floor(counter / #users) % 10
  local headers = { ["Authorization"] = "Bearer " .. user.token }
  if step % 2 == 0 then
    headers["Content-Type"] = "application/json"
    local body = string.format(
      '{"day":"%s","scores":{"muscle_pain":%d,"fatigue":%d},"doses_taken":1,"notes":"bench-%d"}',
      today, counter % 11, (counter * 3) % 11, counter)
    return wrk.format("POST", "/api/v1/diary/entries", headers, body)
  elseif step == 9 then
    return wrk.format("GET", "/api/v1/diary/entries", headers)
  else
    return wrk.format("GET", "/api/v1/diary/entries/" .. user.entry, headers)
  end
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status ~= 200 then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local made, failed, kinds = 0, 0, {}
  for _, thread in ipairs(threads) do
    made = made + thread:get("created")
    failed = failed + thread:get("bad")
    for status, n in pairs(thread:get("statuses")) do
      kinds[tostring(status)] = (kinds[tostring(status)] or 0) + n
    end
  end
  local e = summary.errors
  local parts = {}
  for status, n in pairs(kinds) do parts[#parts + 1] = string.format('"%s":%d', status, n) end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"mean_us":%.1f,"created":%d,"bad_status":%d,"statuses":{%s},'
    .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, made, failed, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout))
end
