// consult: the live pages (the delegate's phone, the chair's page, the projector) follow the chair.
// htmx polls the state block ([data-follow], hx-trigger "every 1.5s"); this file adds what htmx leaves out:
//  - an answer with the ETag of what is shown is not swapped in (the browser turns a 304 into a 200 with the
//    cached body), so nothing flickers and a focused button keeps its focus;
//  - when a new block is swapped in, the focus goes back to the same control (same id, or same name and value);
//  - while the state cannot be fetched, "Connection lost – trying again …" shows; htmx keeps polling;
//  - a countdown ([data-closes-at]) shows the time left, on the server's clock;
//  - a new question or result is said in the page's live region (for screen readers).
// Everything works without it: the page shows the closing time and has a "Refresh" button.
(function () {
  "use strict";

  var serverNow = document.querySelector("meta[name=consult-server-now]");
  var skew = serverNow ? Date.parse(serverNow.content) - Date.now() : 0;   // server clock minus ours
  var lastTag = {};   // per state URL: the ETag of the block shown

  var bare = function (tag) { return (tag || "").replace(/^W\//, "").replace(/"/g, ""); };
  var following = function (elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-follow"); };

  function offline(on) {
    document.querySelectorAll("[data-offline]").forEach(function (note) { note.hidden = !on; });
  }

  function focusKey(elt) {
    if (!elt || elt === document.body) return null;
    if (elt.id) return "#" + CSS.escape(elt.id);
    if (elt.name) return elt.tagName.toLowerCase() + "[name='" + CSS.escape(elt.name) + "']" +
      (elt.value ? "[value='" + CSS.escape(elt.value) + "']" : "");
    return null;
  }

  var refocus = null;

  document.addEventListener("htmx:beforeSwap", function (e) {
    var elt = e.detail.elt;
    if (!following(elt) || !e.detail.requestConfig || e.detail.requestConfig.verb !== "get") return;
    var url = elt.getAttribute("hx-get");
    var tag = bare(e.detail.xhr.getResponseHeader("ETag"));
    var shown = lastTag[url] || bare(elt.getAttribute("data-etag"));
    if (e.detail.xhr.status === 304 || (tag && tag === shown)) {
      e.detail.shouldSwap = false;
      return;
    }
    lastTag[url] = tag;
    var active = document.activeElement;
    // The focus may be on the block, or nowhere just now because a vote box was swapped under it.
    refocus = active && elt.contains(active) ? focusKey(active)
      : (!active || active === document.body) ? lastFocus : null;
  });

  // The control of a followed block that had the focus last (none once the focus went elsewhere).
  var lastFocus = null;
  document.addEventListener("focusin", function (e) {
    lastFocus = e.target.closest && e.target.closest("[data-follow]") ? focusKey(e.target) : null;
  });

  // Right after the swap (not after htmx's settling delay): no moment without the focus.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!following(e.target) || !refocus) return;
    var target = document.querySelector(refocus);
    refocus = null;
    if (target) target.focus({ preventScroll: true });
  });

  // A screen reader hears the heading of a new question or result (the page's live region, base.html).
  var seen = null;
  function announce() {
    var block = document.querySelector("[data-follow][data-state]"), region = document.getElementById("live-region");
    if (!block) return;
    var now = block.dataset.item + ":" + block.dataset.state;
    if (seen !== null && now !== seen && region) {
      var heading = block.querySelector("h1, h2");
      if (heading) region.textContent = heading.textContent.trim();
    }
    seen = now;
  }
  document.addEventListener("DOMContentLoaded", announce);
  document.addEventListener("htmx:afterSettle", announce);

  document.addEventListener("htmx:afterRequest", function (e) {
    if (!following(e.detail.elt)) return;
    var xhr = e.detail.xhr;
    offline(!(e.detail.successful || (xhr && xhr.status === 304)));
  });
  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, function (e) { if (following(e.detail.elt)) offline(true); });
  });

  // The countdown: "Time left: 4:59" on the server's clock; at zero, "Time is up." (the next poll shows the
  // result, the server closed the question then).
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    document.querySelectorAll("[data-closes-at]").forEach(function (clock) {
      var left = Math.round((Date.parse(clock.dataset.closesAt) - (Date.now() + skew)) / 1000);
      var text = clock.querySelector(".countdown__text") || clock;
      if (left <= 0) {
        text.textContent = clock.dataset.over;
        clock.classList.add("countdown--over");
        return;
      }
      var time = Math.floor(left / 60) + ":" + pad(left % 60);
      if (left >= 3600) time = Math.floor(left / 3600) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      text.textContent = clock.dataset.left.replace("{time}", time);
      clock.classList.toggle("countdown--soon", left <= 30);
    });
  }

  // The projector's "Full screen" button (a browser allows it only on a click); gone while full screen.
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-fullscreen]");
    if (!button || !document.documentElement.requestFullscreen) return;
    var show = function () { button.hidden = !!document.fullscreenElement; };
    button.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(show); });
    document.addEventListener("fullscreenchange", show);
    show();
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
