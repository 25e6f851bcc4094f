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
  function init(root) { syncUseDefault(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
