/* A letter's page (loaded on every page, as htmx may bring a letter in place): the citation and the permanent link copied with one click, and every rationale
   printed. Without JavaScript the copy buttons stay hidden and both are ordinary selectable text.
   Loaded from a file, never inline (the pages are served under a strict Content-Security-Policy). */
(function () {
  "use strict";

  var STATUS_SHOWN_MS = 4000;

  function announce(message) {
    var status = document.querySelector(".copy-status");
    if (!status) return;
    status.textContent = message;
    window.setTimeout(function () { if (status.textContent === message) status.textContent = ""; }, STATUS_SHOWN_MS);
  }

  // Where the clipboard API is refused (an insecure origin, a denied permission), the text is
  // selected instead, for Ctrl+C.
  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var what = button.textContent.replace(/^Copy /, "");
    var copied = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text)
      : Promise.reject(new Error("no clipboard"));
    copied.then(
      function () { announce("The " + what + " is copied."); },
      function () { select(source); announce("The " + what + " is selected: press Ctrl+C (⌘C) to copy it."); }
    );
  }

  // On a page loaded whole, and on one a link of the list brought in place (htmx).
  function offerCopy() {
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  }
  document.addEventListener("DOMContentLoaded", offerCopy);
  document.addEventListener("htmx:afterSettle", offerCopy);

  // Paper has no disclosure triangles: a rationale closed on screen is printed all the same.
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.from(document.querySelectorAll("details.rationale:not([open])"));
    closedForPrint.forEach(function (details) { details.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (details) { details.open = false; });
    closedForPrint = [];
  });
})();
