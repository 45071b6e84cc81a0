(function () {
  "use strict";
  // Everything here is an extra: without this script the whole report is on the
  // page. Allowed by its hash in the Content-Security-Policy.
  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }
  // filters by severity and section, shown only when this script runs
  var bar = document.getElementById("filters");
  if (bar) {
    bar.hidden = false;
    var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[type=checkbox]"));
    var shown = document.getElementById("filters-shown");
    var apply = function () {
      var on = {};
      boxes.forEach(function (b) { on[b.name + ":" + b.value] = b.checked; });
      var visible = 0, total = 0;
      each("[data-severity]", function (el) {
        var keep = on["severity:" + el.getAttribute("data-severity")] !== false &&
          on["section:" + el.getAttribute("data-section")] !== false;
        el.hidden = !keep;
        if (el.classList.contains("place") && !el.closest(".critical-issues")) {
          total += 1;
          if (keep) visible += 1;
        }
      });
      each(".card, details.more", function (el) {
        el.hidden = !el.querySelector(".place:not([hidden])");
      });
      if (shown) shown.textContent = "Showing " + visible + " of " + total + " findings";
    };
    bar.addEventListener("change", apply);
    apply();
  }
  // a link to a place in a collapsed part opens it
  function reveal() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    if (target) target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  // a printout has every collapsed part open
  var closed = [];
  window.addEventListener("beforeprint", function () {
    each("details:not([open])", function (d) { closed.push(d); d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
