-- wrk request script: GET the target as the signed-in delegate of
-- bench/annotate.sh (CONSULT_COOKIE, CONSULT_UA as in vote.lua); without
-- CONSULT_COOKIE the requests are a guest's.
local cookie = os.getenv("CONSULT_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
wrk.headers["User-Agent"] = os.getenv("CONSULT_UA") or "consult-bench"
