// cira-console live updates.
// Copyright The CIRA Authors. SPDX-License-Identifier: Apache-2.0
//
// Pages are complete without this file. With it, a page whose <body> names
// an event stream in data-live follows it: "patch" events replace (or
// append, or remove) an element by id with HTML the server rendered and
// escaped; "navigate" events move to another page of this console.
(function () {
  "use strict";
  var url = document.body && document.body.getAttribute("data-live");
  var state = document.getElementById("live-state");
  if (!url || !window.EventSource) {
    return;
  }
  function show(text, cls) {
    if (state) {
      state.textContent = text;
      state.className = "state " + cls;
    }
  }
  var source = new EventSource(url);
  source.onopen = function () { show("live", "on"); };
  source.onerror = function () { show("reconnecting", "off"); };
  source.addEventListener("patch", function (e) {
    var p = JSON.parse(e.data);
    var target = document.getElementById(p.id);
    if (p.op === "remove") {
      if (target) { target.remove(); }
      return;
    }
    if (target) {
      target.outerHTML = p.html;
    } else if (p.parent) {
      var parent = document.getElementById(p.parent);
      if (parent) { parent.insertAdjacentHTML("beforeend", p.html); }
    }
  });
  source.addEventListener("navigate", function (e) {
    var to = String(e.data);
    // Only paths of this console, never another origin.
    if (to.charAt(0) === "/" && to.charAt(1) !== "/" && to.indexOf("\\") < 0) {
      source.close();
      window.location.assign(to);
    }
  });
})();
