// The meetup form's schedule builder, enhanced. Without JavaScript every kind of
// schedule's controls stay on the page, grouped under the kind's name, and the
// "Preview the dates" button asks the server for the next dates. With it, only the
// chosen kind's controls show, and the next dates follow the form as one types: the
// form is sent to /meetups/preview (same origin, the form's own CSRF token), which
// answers the same HTML the page shows after "Preview the dates".
(function () {
  "use strict";
  var WAIT_MS = 400;

  function enhance(builder) {
    var form = builder.closest("form");
    var preview = builder.querySelector("#preview");
    var patterns = builder.querySelectorAll("input[name=pattern]");
    var groups = builder.querySelectorAll("[data-patterns]");
    var timer = null;
    var latest = 0;

    function chosen() {
      var picked = builder.querySelector("input[name=pattern]:checked");
      return picked ? picked.value : "";
    }

    function showChosenKind() {
      var kind = chosen();
      groups.forEach(function (group) {
        group.hidden = group.getAttribute("data-patterns").split(" ").indexOf(kind) === -1;
      });
    }

    function refresh() {
      var asked = ++latest;
      var body = new FormData(form);
      fetch(builder.getAttribute("data-preview-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          // Only the newest answer counts: an older one may arrive after it.
          if (asked === latest) preview.innerHTML = html;
        })
        .catch(function () {
          // Too many previews, or offline: the button still asks the server.
        });
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, WAIT_MS);
    }

    patterns.forEach(function (radio) {
      radio.addEventListener("change", showChosenKind);
    });
    builder.addEventListener("input", soon);
    builder.addEventListener("change", soon);
    showChosenKind();
    refresh();
  }

  document.querySelectorAll("[data-preview-url]").forEach(enhance);
})();
