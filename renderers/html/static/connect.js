/* flatpeak-connect: optional progressive enhancement. Everything works without this file.
   - Long lists of choices get a search box that hides the options that do not match.
   - A form that is being sent shows it (its buttons are marked busy) and ignores a second
     click; the server also ignores a second post of the same form. */
(function () {
  "use strict";

  function setUpFilter(box) {
    var list = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    if (!list || !input) { return; }
    box.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var items = list.querySelectorAll(".radios__item");
      for (var i = 0; i < items.length; i += 1) {
        var text = items[i].textContent.toLowerCase();
        var keep = !needle || text.indexOf(needle) !== -1 || items[i].querySelector("input:checked");
        items[i].hidden = !keep;
      }
    });
  }

  function guardDoubleSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitting", "true");
      var buttons = form.querySelectorAll("button");
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].setAttribute("aria-disabled", "true");
      }
    });
  }

  document.querySelectorAll("[data-filter-for]").forEach(setUpFilter);
  document.querySelectorAll("form[method=post]").forEach(guardDoubleSubmit);

  // A page restored from the back/forward cache must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.querySelectorAll("button").forEach(function (b) { b.removeAttribute("aria-disabled"); });
    });
  });
}());
