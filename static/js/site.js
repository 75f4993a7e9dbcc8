/* Live filtering on top of the plain HTML pages (htmx does the requests; this file the manners).
   Without JavaScript none of it runs and every page works as an ordinary link or form.
   Loaded from a file, never inline: the pages are served under a Content-Security-Policy
   without 'unsafe-inline' or 'unsafe-eval'. */
(function () {
  "use strict";

  var TYPING_PAUSE_MS = 500;
  var WIDE_SCREEN = "(min-width: 861px)"; // the facets stand beside the results from here up (site.css)

  function searchForm() {
    return document.querySelector("form.search-form[hx-get]");
  }

  // A search as a comparable string: its non-empty parameters, sorted, without the page number.
  function canonical(pairs) {
    return pairs
      .filter(function (pair) { return pair[1] !== "" && pair[0] !== "page"; })
      .map(function (pair) { return encodeURIComponent(pair[0]) + "=" + encodeURIComponent(pair[1]); })
      .sort()
      .join("&");
  }

  function formQuery(form) {
    return canonical(Array.from(new FormData(form).entries()));
  }

  function addressQuery() {
    return canonical(Array.from(new URLSearchParams(location.search).entries()));
  }

  // ---- The newest action wins --------------------------------------------------------------
  // One request at a time: a new one (a choice, a facet, a page, words typed) aborts the one in
  // flight, so an older answer can never replace a newer one, nor move the address after it.
  // htmx changes the address together with the content it swaps in, so the address is always
  // the search the page shows.
  var inFlight = null; // {elt, query}
  var typingTimer = null;

  function cancelTyping() {
    if (typingTimer !== null) window.clearTimeout(typingTimer);
    typingTimer = null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (inFlight && inFlight.elt !== elt && document.body.contains(inFlight.elt)) {
      htmx.trigger(inFlight.elt, "htmx:abort");
    }
    var form = searchForm();
    inFlight = { elt: elt, query: elt === form ? formQuery(form) : null };
    if (!(event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
          event.detail.requestConfig.triggeringEvent.detail && event.detail.requestConfig.triggeringEvent.detail.typing)) {
      cancelTyping(); // words still waiting for their pause lose to the newer action
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (inFlight && inFlight.elt === event.detail.elt) inFlight = null;
  });

  // The search the page shows, to send nothing when nothing changed (leaving the words box, Enter
  // on words already searched): such a request would only add a duplicate history entry.
  var shownQuery = null;
  function showingNow() {
    shownQuery = addressQuery();
  }
  document.addEventListener("htmx:pushedIntoHistory", showingNow);
  document.addEventListener("htmx:replacedInHistory", showingNow);
  document.addEventListener("DOMContentLoaded", showingNow);

  // Asks for the search the form now describes, unless it is the one shown or on its way.
  // Words typed replace the address; any other change adds a history entry.
  function search(options) {
    var form = searchForm();
    if (!form || !window.htmx) return false;
    var wanted = formQuery(form);
    var current = inFlight && inFlight.query !== null ? inFlight.query : shownQuery;
    if (wanted === current) return true;
    htmx.trigger(form, "imr:search", { typing: onlyWordsDiffer(form, current) || Boolean(options && options.typing) });
    return true;
  }

  function onlyWordsDiffer(form, current) {
    var withoutWords = function (query) {
      return canonical(Array.from(new URLSearchParams(query || "").entries()).filter(function (pair) { return pair[0] !== "q"; }));
    };
    return withoutWords(formQuery(form)) === withoutWords(current);
  }

  // The server answers typed searches with HX-Replace-Url (decisions/views.py): one history entry.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "imr:search" && trigger.detail && trigger.detail.typing) {
      event.detail.headers["IMR-Typing"] = "1";
    }
  });

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

  // ---- When the form searches ---------------------------------------------------------------
  // Words: after a pause in typing, or at once on Enter or on leaving the box.
  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_q" || !event.target.closest("form.search-form[hx-get]")) return;
    cancelTyping();
    typingTimer = window.setTimeout(function () {
      typingTimer = null;
      search({ typing: true });
    }, TYPING_PAUSE_MS);
  });

  document.addEventListener("submit", function (event) {
    if (event.target !== searchForm() || !window.htmx) return;
    event.preventDefault();
    cancelTyping();
    search();
  });

  // Choices: a select or a date changed by arrow keys is not applied at every key press (each
  // would be a search and a history entry) but on Enter or on leaving the field; chosen from
  // the open list or with the mouse, at once.
  var STEPPING_KEYS = /^(ArrowUp|ArrowDown|ArrowLeft|ArrowRight|Home|End|PageUp|PageDown|.)$/;
  var stepped = null; // the field last changed by a key, waiting for Enter or leaving it

  function stepsByKey(field) {
    return field.tagName === "SELECT" || field.type === "date" || field.type === "number";
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.form || field.form !== searchForm() || !stepsByKey(field)) return;
    if (event.key === "Enter") {
      event.preventDefault();
      stepped = null;
      search();
    } else if (event.key === " " || event.key === "F4" || event.altKey) {
      stepped = null; // Space, F4 or Alt+Down open the list: a choice made there applies at once
    } else if (STEPPING_KEYS.test(event.key)) {
      stepped = field;
    }
  });
  document.addEventListener("pointerdown", function (event) {
    if (stepped && stepped.contains(event.target)) stepped = null; // the list opened by the pointer
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || field.form !== searchForm()) return;
    if (field.id === "id_treatment") clearSubcategory(field.form);
    if (field.id === "id_q") { cancelTyping(); search(); return; }
    if (stepped === field) return;
    search();
  });

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (field !== stepped) return;
    stepped = null;
    search();
  });

  // A subcategory belongs to its treatment: choosing another treatment clears it.
  function clearSubcategory(form) {
    var subcategory = form.elements.namedItem("subcategory");
    if (subcategory) subcategory.value = "";
  }

  // ---- After new results arrive ---------------------------------------------------------------
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

  // Say so to screen readers, and after a link (a facet, a chip, a page, a letter) put the
  // keyboard focus on the new page's heading instead of losing it.
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

  // ---- The feed the page announces ------------------------------------------------------------
  // Feed readers find a search's feed in the head, which htmx does not replace: it follows the
  // visible Feed link of the results shown (and goes when they have none: a refused search, a letter).
  function announceFeed() {
    var shown = document.querySelector("#main a[data-feed-link]");
    var announced = document.querySelector('head link[rel="alternate"][type="application/atom+xml"]');
    if (!shown) {
      if (announced) announced.remove();
      return;
    }
    if (!announced) {
      announced = document.createElement("link");
      announced.rel = "alternate";
      announced.type = "application/atom+xml";
      announced.title = "Feed of this search";
      document.head.appendChild(announced);
    }
    announced.href = shown.href;
  }
  document.addEventListener("htmx:afterSettle", announceFeed);

  // ---- Panels -------------------------------------------------------------------------------
  // The facets ("Refine") stand open beside the results on a wide screen; on a phone they are one
  // tap away above the results instead of 15,000 px below them. The Filters panel stays as the
  // person left it when a link replaces the page.
  var filtersOpen = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var filters = document.querySelector("details.filters");
    filtersOpen = filters ? filters.open : null;
  });

  function arrangePanels() {
    var refine = document.querySelector("details.refine");
    if (refine && window.matchMedia(WIDE_SCREEN).matches) refine.open = true;
    var filters = document.querySelector("details.filters");
    if (filters && filtersOpen !== null && !filters.hasAttribute("data-keep-open")) filters.open = filtersOpen;
    filtersOpen = null;
  }
  document.addEventListener("DOMContentLoaded", arrangePanels);
  document.addEventListener("htmx:afterSwap", arrangePanels);
  window.matchMedia(WIDE_SCREEN).addEventListener("change", arrangePanels);
})();
