-- wrk script of loadtest/compare.sh. It prints one line, `COMPARE key=value ...`, with what compare.sh reads:
-- requests, duration, non-2xx responses, socket errors and latency p50/p99/p99.9 in microseconds.
-- With WRK_TOKENS naming a file of tokens (one a line), every request carries the next token of that file, each
-- thread starting elsewhere in it, so a keep-alive connection never sends the same token twice in a row.
-- Without it, wrk sends its own request (compare.sh passes the one token with -H).
local tokens_file = os.getenv("WRK_TOKENS")
local threads_set_up = 0

function setup(thread)
  thread:set("thread_number", threads_set_up)
  threads_set_up = threads_set_up + 1
end

if tokens_file and tokens_file ~= "" then
  local requests = {}
  local next_request = 1

  function init(args)
    for token in io.lines(tokens_file) do
      if token ~= "" then
        requests[#requests + 1] = wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. token })
      end
    end
    assert(#requests > 0, "no tokens in " .. tokens_file)
    next_request = (thread_number * 397) % #requests + 1
  end

  function request()
    local chosen = requests[next_request]
    next_request = next_request % #requests + 1
    return chosen
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "COMPARE requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
