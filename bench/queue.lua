-- wrk request script: GET the moderation queue as the moderator of bench/queue_page.sh (CONSULT_COOKIE,
-- CONSULT_UA as in session.lua), with Accept-Encoding CONSULT_ENCODING (as a browser sends it; empty: none).
local cookie = os.getenv("CONSULT_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
wrk.headers["User-Agent"] = os.getenv("CONSULT_UA") or "consult-bench"
local encoding = os.getenv("CONSULT_ENCODING") or ""
if encoding ~= "" then
  wrk.headers["Accept-Encoding"] = encoding
end
