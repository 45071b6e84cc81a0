(function () {
  "use strict";
  // Filters by severity and section: shown only when this script runs; without it
  // every finding is on the page. Allowed by its hash in the Content-Security-Policy.
  var bar = document.getElementById("filters");
  if (!bar) return;
  bar.hidden = false;
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[type=checkbox]"));
  var shown = document.getElementById("filters-shown");
  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }
  function apply() {
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
  }
  bar.addEventListener("change", apply);
  apply();
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
