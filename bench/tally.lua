-- wrk request script: GET the draft's tally feed (/drafts/<slug>/tallies) as the signed-in
-- delegate of bench/annotate.sh, as a polling page does: with the ETag of the tallies it shows
-- (CONSULT_ETAG; answer 304 while no vote came in). Without CONSULT_ETAG every answer is the
-- 200 with the JSON body (counted once per process and tally revision).
local cookie = os.getenv("CONSULT_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
wrk.headers["User-Agent"] = os.getenv("CONSULT_UA") or "consult-bench"
local etag = os.getenv("CONSULT_ETAG") or ""
if etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end
