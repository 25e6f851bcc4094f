// Audience membership for the storefront. When the page runs the Experience Platform Web
// SDK, this wraps its "sendEvent" command: the audience ids of the response's
// activation:pull destinations are written to the aep-segments-membership cookie
// (comma-separated, path=/, for the browser session), which the store reads on each request.
// A shopper who opted out of tracking (the mg_dnt cookie) gets no membership cookie.
(function () {
  "use strict";
  var NAME = "aep-segments-membership";
  var script = document.currentScript;
  var sdkName = (script && script.dataset.sdkName) || "alloy";

  function optedOut() {
    return document.cookie.split("; ").some(function (c) { return c.indexOf("mg_dnt=") === 0; });
  }
  function clear() { document.cookie = NAME + "=; path=/; max-age=0; SameSite=Lax"; }
  function write(ids) {
    if (optedOut()) { clear(); return; }
    document.cookie = NAME + "=" + ids.join(",") + "; path=/; SameSite=Lax";
  }
  // audienceIDs returns the ids of the activation:pull destinations, or null when the
  // response says nothing about audiences (the cookie is then left as it is).
  function audienceIDs(result) {
    var ids = null;
    ((result && result.destinations) || []).forEach(function (d) {
      if (!d || d.type !== "activation:pull") return;
      ids = ids || [];
      (d.segments || []).forEach(function (s) { if (s && s.id) ids.push(s.id); });
    });
    return ids;
  }
  function wrap() {
    var sdk = window[sdkName];
    if (typeof sdk !== "function") return false;
    if (sdk.__audienceActivation) return true;
    var wrapped = function (command) {
      var result = sdk.apply(this, arguments);
      if (command === "sendEvent" && result && typeof result.then === "function") {
        result.then(function (r) {
          var ids = audienceIDs(r);
          if (ids) write(ids);
        });
      }
      return result;
    };
    wrapped.__audienceActivation = true;
    window[sdkName] = wrapped;
    return true;
  }
  if (optedOut()) clear();
  if (!wrap()) {
    var tries = 0;
    var timer = setInterval(function () { if (wrap() || ++tries > 50) clearInterval(timer); }, 200);
  }
})();
