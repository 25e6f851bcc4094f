// Small progressive enhancements for the admin. Every page works without this file.
(function () {
  "use strict";
  // "Use Default Value" disables its field while checked, as in the familiar admin.
  function syncUseDefault(root) {
    root.querySelectorAll(".use-default input[type=checkbox]").forEach(function (box) {
      var control = box.closest(".control");
      var input = control && control.querySelector("input[type=text], select, textarea");
      if (!input) return;
      // Disabled (not read-only, which selects ignore): the inherited value applies anyway.
      var apply = function () { input.disabled = box.checked; input.classList.toggle("inherited", box.checked); };
      apply();
      if (!box.dataset.bound) {
        box.addEventListener("change", apply);
        box.dataset.bound = "1";
      }
    });
  }
  // Enter in an audience chooser's search box searches; it must not submit (save) the
  // editor around it.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.closest || !e.target.closest(".chooser-search")) return;
    e.preventDefault();
    var button = e.target.closest(".chooser-search").querySelector("button");
    if (button) button.click();
  });
  // The editors' sections fold: a button in each legend hides the section's fields, and
  // the choice is remembered (per editor and section) in this browser. A section with an
  // error is always open. Without JavaScript every section is open.
  function foldSections(root) {
    var forms = root.matches && root.matches("form[data-foldable]") ? [root] : root.querySelectorAll("form[data-foldable]");
    forms.forEach(function (form) {
      var editor = form.getAttribute("data-foldable");
      form.querySelectorAll(":scope > fieldset.section").forEach(function (set) {
        var legend = set.querySelector(":scope > legend");
        if (!legend || legend.querySelector(".fold")) return;
        var title = legend.textContent.trim(); // before the button adds its own words
        var key = "aa:fold:" + editor + ":" + title;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "fold link";
        var apply = function (folded) {
          if (set.querySelector(".has-error, .field-error")) folded = false;
          set.classList.toggle("folded", folded);
          button.setAttribute("aria-expanded", folded ? "false" : "true");
          button.textContent = folded ? "Show" : "Hide";
          button.setAttribute("aria-label", (folded ? "Show " : "Hide ") + title);
        };
        button.addEventListener("click", function () {
          var folded = !set.classList.contains("folded");
          try { folded ? localStorage.setItem(key, "1") : localStorage.removeItem(key); } catch (e) { /* storage off: not remembered */ }
          apply(folded);
        });
        legend.appendChild(button);
        var stored = false;
        try { stored = localStorage.getItem(key) === "1"; } catch (e) { stored = false; }
        apply(stored);
      });
    });
  }
  function init(root) { syncUseDefault(root); foldSections(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
