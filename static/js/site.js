/* Live filtering on top of the plain HTML pages (htmx does the requests; this file the manners).
   Without JavaScript none of it runs and every page works as an ordinary link or form. */
(function () {
  "use strict";

  // A refined search's address lists only the filters in use, so it stays short enough to send.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var parameters = event.detail.parameters;
    var names = parameters instanceof FormData ? Array.from(parameters.keys()) : Object.keys(parameters);
    names.forEach(function (name) {
      var value = parameters instanceof FormData ? parameters.get(name) : parameters[name];
      if (value === "" || value === null) {
        if (parameters instanceof FormData) parameters.delete(name); else delete parameters[name];
      }
    });
  });

  // Words typed in pauses replace the address rather than add a history entry per pause (the
  // server answers such requests with HX-Replace-Url); choices and links add one each.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "input") event.detail.headers["IMR-Typing"] = "1";
  });

  // A subcategory belongs to its treatment: choosing another treatment clears it (before the
  // change reaches the form, which sends the search).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id !== "id_treatment" || !target.form) return;
    var subcategory = target.form.elements.namedItem("subcategory");
    if (subcategory) subcategory.value = "";
  }, true);

  // Fields the new results refuse are marked invalid and point at their message; the others not.
  // (The fields themselves are not replaced: someone may be typing in one.)
  function markRefusedFields() {
    var form = document.querySelector("form.search-form");
    if (!form) return;
    // The words field keeps its help text as description; its message is named by aria-errormessage.
    var pointer = function (field) { return field.id === "id_q" ? "aria-errormessage" : "aria-describedby"; };
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute(pointer(field));
    });
    Array.prototype.forEach.call(document.querySelectorAll("#results li[id^='error-']"), function (message) {
      var field = document.getElementById("id_" + message.id.slice("error-".length));
      if (!field) return;
      field.setAttribute("aria-invalid", "true");
      field.setAttribute(pointer(field), message.id);
    });
  }

  // After new results arrive: say so to screen readers, and after a link (a facet, a chip, a
  // page, a letter) put the keyboard focus on the new page's heading instead of losing it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var heading = document.querySelector("#main h1");
    var status = document.getElementById("live-status");
    if (status && heading) status.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    markRefusedFields();
    if (event.detail.boosted && heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true }); // the page is shown from its top (hx-swap show:window:top)
    }
  });
})();
