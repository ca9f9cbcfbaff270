-- wrk script: every request a household page drawn at random from a file of paths (one a line), as
-- `serve_bench` writes them (`PAGES user count file`), so that the load spreads over many households
-- instead of one page that stays in every cache.
--
--   wrk -t2 -c100 -d15s --latency -H 'Cookie: jz_session=TOKEN' -s scripts/random_pages.lua \
--       http://127.0.0.1:8089 -- /tmp/serve_bench_pages_bench_city_8089.txt
local paths = {}

function init(args)
    local file = assert(io.open(args[1], "r"), "no page file given after --")
    for line in file:lines() do
        if #line > 0 then
            paths[#paths + 1] = line
        end
    end
    file:close()
    assert(#paths > 0, "the page file is empty")
    math.randomseed(os.time() + tonumber(tostring(paths):match("0x(%x+)") or "0", 16))
end

function request()
    return wrk.format("GET", paths[math.random(#paths)])
end
