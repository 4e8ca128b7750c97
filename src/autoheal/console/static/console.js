// Autoheal console: the only script. Follows a running investigation's events over server-sent
// events (same origin, session cookie) and reloads the page once the report is in.
"use strict";

(function () {
  function follow(list) {
    var url = list.getAttribute("data-events-url");
    var after = list.getAttribute("data-after") || "-1";
    var live = document.getElementById("live");
    var source = new EventSource(url + "?after=" + encodeURIComponent(after));
    var kinds = ["started", "step", "evidence", "hypothesis", "verification", "error", "report"];

    function add(message) {
      var event = JSON.parse(message.data);
      var item = document.createElement("li");
      item.className = "event event-" + event.kind;
      var seq = document.createElement("span");
      seq.className = "seq";
      seq.textContent = String(event.seq);
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = event.kind;
      var what = document.createElement("span");
      what.className = "what";
      what.textContent = event.text;  // text, never HTML: tool output is untrusted
      item.append(seq, " ", kind, " ", what);
      list.appendChild(item);
      if (event.kind === "report") {
        source.close();
        if (live) { live.textContent = "finished"; }
        window.setTimeout(function () { window.location.reload(); }, 400);
      }
    }

    kinds.forEach(function (kind) { source.addEventListener(kind, add); });
    source.addEventListener("end", function (message) {
      source.close();
      if (live) { live.textContent = JSON.parse(message.data).status; }
    });
    source.onerror = function () {
      source.close();
      if (live) { live.textContent = "disconnected (reload to follow again)"; }
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("events");
    if (list && list.hasAttribute("data-events-url")) { follow(list); }
  });
})();
