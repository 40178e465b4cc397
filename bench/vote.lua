-- wrk request script: a signed-in delegate casts their organisation's vote on a
-- random paragraph of the benchmark draft, as the page's htmx form does.
-- bench/annotate.sh signs in once with curl and passes, in the environment:
--   CONSULT_COOKIE       the session cookie ("session=...")
--   CONSULT_CSRF         the CSRF token from the draft page
--   CONSULT_PARAGRAPHS   the paragraph ids, comma-separated
--   CONSULT_UA           the User-Agent used at sign-in (Flask-Login's session
--                        protection hashes it; a different one would make every
--                        response rewrite the session cookie)
--   CONSULT_HTMX         "1" (default): send HX-Request (200 + vote box fragment);
--                        "0": plain form POST (302 redirect to the paragraph)
local cookie = os.getenv("CONSULT_COOKIE") or ""
local token = os.getenv("CONSULT_CSRF") or ""
local ids = {}
for id in string.gmatch(os.getenv("CONSULT_PARAGRAPHS") or "", "%d+") do
  ids[#ids + 1] = id
end
if #ids == 0 or token == "" or cookie == "" then
  error("vote.lua needs CONSULT_COOKIE, CONSULT_CSRF and CONSULT_PARAGRAPHS")
end
local choices = { "yes", "no", "abstain" }

local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

init = function(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = cookie
wrk.headers["User-Agent"] = os.getenv("CONSULT_UA") or "consult-bench"
if (os.getenv("CONSULT_HTMX") or "1") == "1" then
  wrk.headers["HX-Request"] = "true"
end

request = function()
  local body = string.format("csrf_token=%s&vote=%s:%s",
    token, ids[math.random(1, #ids)], choices[math.random(1, #choices)])
  return wrk.format(nil, nil, nil, body)
end
