// consult: the few lines of our own. Everything works without them; they add
// choosing a passage by selecting words, highlighting quoted passages, and the
// sentence picker. htmx does the requests.
(function () {
  "use strict";

  var squash = function (s) { return s.replace(/\s+/g, " "); };

  // The normalised text of a paragraph and, per character, the text node and offset it came from.
  function textMap(body) {
    var chars = [], nodes = [], walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT), node, last = " ";
    while ((node = walker.nextNode())) {
      for (var i = 0; i < node.data.length; i++) {
        var c = /\s/.test(node.data[i]) ? " " : node.data[i];
        if (c === " " && last === " ") continue;
        chars.push(c); nodes.push([node, i]); last = c;
      }
    }
    return { text: chars.join(""), at: nodes };
  }

  function unmark(body) {
    body.querySelectorAll("mark.quote").forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  function mark(body, quote) {
    var map = textMap(body), exact = squash(quote.exact).trim();
    var whole = squash(quote.prefix + quote.exact + quote.suffix);
    var start = map.text.indexOf(whole);
    start = start >= 0 ? start + squash(quote.prefix).length : map.text.indexOf(exact);
    if (start < 0 || !exact) return;
    var end = start + exact.length - 1, pieces = [];
    for (var i = start; i <= end && i < map.at.length; i++) {
      var n = map.at[i][0], o = map.at[i][1], top = pieces[pieces.length - 1];
      if (top && top.node === n) top.end = o + 1; else pieces.push({ node: n, start: o, end: o + 1 });
    }
    wrap(pieces, quote.id);
  }

  // Wrap the pieces of one passage (text node, start, end), last first so the offsets stay right.
  function wrap(pieces, commentId) {
    pieces.reverse().forEach(function (p) {
      var range = document.createRange();
      range.setStart(p.node, p.start); range.setEnd(p.node, p.end);
      var m = document.createElement("mark");
      m.className = "quote"; m.dataset.comment = commentId;
      range.surroundContents(m);
    });
  }

  function markAll(paragraphId, quotes) {
    var body = document.getElementById("text-" + paragraphId);
    if (!body) return;
    unmark(body);
    quotes.forEach(function (q) { mark(body, q); });
  }

  // A paragraph's passages as places in its text: [comment id, start, end] (consult.reading.passages).
  // Places overlap (many comments quote the same words), so the text is cut once at every place's start and end,
  // and each piece between two cuts gets one mark per comment quoting it, nested. Marking each place on its own
  // instead wrapped the marks of the places before it again: a paragraph quoted by a few hundred comments grew
  // hundreds of thousands of marks and froze the page.
  function markPlaces(body, places) {
    unmark(body);
    var map = textMap(body), length = map.at.length, cuts = {};
    places.forEach(function (p) { cuts[Math.min(p[1], length)] = true; cuts[Math.min(p[2], length)] = true; });
    var points = Object.keys(cuts).map(Number).sort(function (a, b) { return a - b; }), segments = [];
    for (var k = 0; k + 1 < points.length; k++) {
      var from = points[k], to = points[k + 1], ids = [];
      places.forEach(function (p) { if (p[1] <= from && p[2] >= to && ids.indexOf(p[0]) < 0) ids.push(p[0]); });
      if (!ids.length) continue;
      var pieces = [];
      for (var i = from; i < to; i++) {
        var n = map.at[i][0], o = map.at[i][1], top = pieces[pieces.length - 1];
        if (top && top.node === n) top.end = o + 1; else pieces.push({ node: n, start: o, end: o + 1 });
      }
      segments.push({ pieces: pieces, ids: ids });
    }
    // Last first: splitting a text node keeps its beginning in the same node, so the places before stay right.
    segments.reverse().forEach(function (segment) {
      segment.pieces.reverse().forEach(function (piece) {
        var range = document.createRange(), outer = null, inner = null;
        range.setStart(piece.node, piece.start); range.setEnd(piece.node, piece.end);
        segment.ids.forEach(function (id) {
          var m = document.createElement("mark");
          m.className = "quote"; m.dataset.comment = id;
          if (inner) inner.appendChild(m); else outer = m;
          inner = m;
        });
        inner.appendChild(range.extractContents());
        range.insertNode(outer);
      });
    });
  }

  // Each paragraph of the page (and of a range loaded later) carries its passages' places in data-marks;
  // a swapped count link carries its paragraph's passages (words and context) in data-quotes.
  function highlight(scope) {
    var bodies = Array.prototype.slice.call(scope.querySelectorAll(".paragraph__body[data-marks]"));
    if (scope.matches && scope.matches(".paragraph__body[data-marks]")) bodies.push(scope);
    bodies.forEach(function (body) { markPlaces(body, JSON.parse(body.dataset.marks || "[]")); });
    scope.querySelectorAll(".comment-count[data-quotes]").forEach(function (link) {
      markAll(link.id.replace("count-", ""), JSON.parse(link.dataset.quotes || "[]"));
    });
  }

  // A link to § N of a long draft whose range is not on the page: the page of the range that holds it.
  function findParagraph() {
    var m = /^#p(\d+)$/.exec(window.location.hash), text = document.querySelector(".draft-text[data-first]");
    if (!m || !text || document.getElementById("p" + m[1])) return;
    var url = new URL(window.location.href);
    if (url.searchParams.get("from") === m[1]) return;   // asked already: there is no such paragraph
    url.searchParams.set("from", m[1]);
    url.searchParams.delete("open");
    window.location.replace(url.toString());
  }

  // Selecting words in a paragraph offers "Comment" right there.
  var offer = document.createElement("button");
  offer.type = "button"; offer.className = "button button--primary passage-offer"; offer.hidden = true;

  function selectionInParagraph() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var range = sel.getRangeAt(0), body = range.commonAncestorContainer;
    body = (body.nodeType === 1 ? body : body.parentElement).closest(".paragraph__body[data-paragraph]");
    if (!body) return null;
    var quote = squash(sel.toString()).trim();
    if (!quote) return null;
    var before = document.createRange();
    before.setStart(body, 0); before.setEnd(range.startContainer, range.startOffset);
    var start = squash(before.toString()).replace(/^ /, "").length;
    return { body: body, quote: quote, start: start, rect: range.getBoundingClientRect() };
  }

  function showOffer() {
    var found = selectionInParagraph(), count = found && document.getElementById("count-" + found.body.dataset.paragraph);
    var text = document.querySelector(".draft-text[data-can-comment]");
    if (!found || !count || !text) { offer.hidden = true; return; }
    // The button's word comes from the page, in the reader's language.
    offer.textContent = text.dataset.commentLabel;
    offer.hidden = false;
    offer.style.top = (window.scrollY + found.rect.bottom + 6) + "px";
    if (document.documentElement.dir === "rtl") {
      offer.style.left = ""; offer.style.right = Math.max(8, document.documentElement.clientWidth - found.rect.right - window.scrollX) + "px";
    } else {
      offer.style.right = ""; offer.style.left = Math.max(8, window.scrollX + found.rect.left) + "px";
    }
    offer.onclick = function () {
      var url = count.getAttribute("hx-get") + "?quote=" + encodeURIComponent(found.quote) + "&quote_start=" + found.start;
      offer.hidden = true;
      htmx.ajax("GET", url, { target: "#thread-" + found.body.dataset.paragraph, swap: "outerHTML" });
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.appendChild(offer);
    highlight(document);
    findParagraph();
  });
  window.addEventListener("hashchange", findParagraph);

  // The next § range replaces its link: if the reader was on the link (Tab scrolls it into view, which loads
  // the range), they continue on the range's first paragraph instead of falling back to the page's start.
  var rangeFocus = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var link = e.detail.target;
    rangeFocus = link.matches && link.matches(".range-link--later") && link.contains(document.activeElement)
      ? new URL(link.querySelector("a").href).searchParams.get("from") : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var first = rangeFocus && document.getElementById("p" + rangeFocus);
    rangeFocus = null;
    if (!first) return;
    first.setAttribute("tabindex", "-1");
    first.focus();
  });
  document.addEventListener("mouseup", function () { setTimeout(showOffer, 0); });
  document.addEventListener("touchend", function () { setTimeout(showOffer, 300); });
  document.addEventListener("keyup", function (e) { if (e.shiftKey || e.key === "Shift") showOffer(); });
  document.addEventListener("selectionchange", function () {
    if (!window.getSelection() || window.getSelection().isCollapsed) offer.hidden = true;
  });
  document.addEventListener("change", function (e) {
    var picker = e.target.closest && e.target.closest(".sentence-picker");
    if (picker && picker.value !== "") {
      var input = document.getElementById(picker.dataset.quoteTarget);
      input.value = picker.options[picker.selectedIndex].dataset.full || picker.options[picker.selectedIndex].text;
      input.form.elements.quote_start.value = "";
    }
  });
  document.addEventListener("htmx:load", function (e) {
    var elt = e.detail.elt;
    highlight(elt.matches && elt.matches(".draft-text > li") ? elt : (elt.parentNode || document));
  });

  // The page's one live region (base.html #live-region) stays; only its text changes. An htmx answer names
  // its sentence in the HX-Trigger header (event consult:announce, consult/core/announce.py); a page after a
  // plain form marks its confirmation data-announce. Emptied first, so that the same sentence twice is said twice.
  var saying = null;
  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) return;
    region.textContent = "";
    clearTimeout(saying);
    saying = setTimeout(function () { region.textContent = text; }, 50);
  }
  document.addEventListener("consult:announce", function (e) { announce(e.detail && e.detail.value); });

  // Where the person continues: the server marks one element data-focus (the new comment, the changed
  // button, the message that replaced a decided queue item, a refusal). It takes the focus right after the
  // swap (htmx would otherwise leave it on <body> when the pressed button was swapped out), or on load.
  function focusMarked() {
    var target = document.querySelector("[data-focus]");
    if (!target) return;
    target.removeAttribute("data-focus");
    if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
  document.addEventListener("htmx:afterSwap", focusMarked);
  document.addEventListener("DOMContentLoaded", function () {
    focusMarked();
    var said = document.querySelector("[data-announce]");
    if (said) announce(said.textContent.trim());
  });

  // "Zu § springen" (consult/reading/jump.py): a § on this page is reached in place and takes the focus;
  // anything else goes to the server, which answers with the anchor or a message.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest(".jump-form");
    if (!form) return;
    var found = /^\s*(?:§\s*)?(\d{1,6})\s*$/.exec(form.elements.to.value);
    var paragraph = found && document.getElementById("p" + parseInt(found[1], 10));
    if (!paragraph) return;
    e.preventDefault();
    if (!paragraph.hasAttribute("tabindex")) paragraph.setAttribute("tabindex", "-1");
    // The anchor as without JavaScript (the paragraph's :target mark, the back button), then the focus.
    if (location.hash === "#" + paragraph.id) paragraph.scrollIntoView(); else location.hash = paragraph.id;
    paragraph.focus({ preventScroll: true });
  });

  // Live tallies: a page with vote boxes names the draft's tally feed (#tally-feed, consult.votes.views.tallies).
  // Every second (while the page is visible) it asks with the ETag of what it shows; 304 until a vote comes in,
  // then every question's counts, written into the boxes' numbers in place (no swap: focus and the buttons stay).
  function followTallies(feed) {
    var etag = feed.dataset.etag ? '"' + feed.dataset.etag + '"' : "", busy = false;
    function turnout(voted, entitled) {
      return feed.dataset.turnout.replace("%(voted)d", voted).replace("%(entitled)d", entitled);
    }
    function show(data) {
      document.querySelectorAll(".vote-box[id^='vote-']").forEach(function (box) {
        var counts = data.questions[box.id.slice(5)] || [0, 0, 0];
        var numbers = box.querySelectorAll(".tally strong"), voted = 0;
        counts.forEach(function (n, i) {
          voted += n;
          if (numbers[i] && numbers[i].textContent !== String(n)) numbers[i].textContent = n;
        });
        var words = box.querySelector(".tally .turnout"), text = turnout(voted, data.entitled);
        if (words && words.textContent !== text) words.textContent = text;
      });
    }
    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      var headers = etag ? { "If-None-Match": etag } : {};
      // no-store: the browser neither answers from its cache nor revalidates by itself, so a 304 reaches us.
      fetch(feed.dataset.url, { headers: headers, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status !== 200) return null;
          etag = response.headers.get("ETag") || "";
          return response.json();
        })
        .then(function (data) { if (data) show(data); })
        .catch(function () { /* offline for a moment: the next poll tries again */ })
        .then(function () { busy = false; });
    }
    setInterval(poll, 1000);
    document.addEventListener("visibilitychange", poll);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var feed = document.getElementById("tally-feed");
    if (feed && window.fetch) followTallies(feed);
  });

  // The database is away for a moment (503, consult.core.outage): htmx leaves the form as it was, with
  // what was typed; say so at the form, in the words of the answer's page.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status !== 503) return;
    var message = new DOMParser().parseFromString(xhr.responseText, "text/html").getElementById("outage-message");
    var form = e.detail.elt.closest("form") || e.detail.elt;
    if (!message || !form.parentNode) return;
    var note = form.querySelector(".outage-note") || document.createElement("p");
    note.className = "flash outage-note";
    note.setAttribute("role", "alert");
    note.textContent = message.textContent;
    form.insertBefore(note, form.firstChild);
  });
})();
