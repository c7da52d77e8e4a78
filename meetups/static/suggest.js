// City suggestions while typing, from the site's /suggest (cities with meetups,
// named in the page's language). Without JavaScript the box is a plain search
// form that still lands on the city. An ARIA 1.2 combobox: arrows move through
// the list, Enter opens the city, Escape closes the list; its words come from
// data-* attributes.
(function () {
  "use strict";
  var MIN_LENGTH = 2;
  var WAIT_MS = 150;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function enhance(box) {
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[role=listbox]");
    // Says how many cities are offered; a live region, not a status, so that it does
    // not compete with the page's own messages.
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    box.appendChild(status);
    var timer = null;
    var request = null;
    var active = -1;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, position) {
        option.setAttribute("aria-selected", position === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function show(cities) {
      list.textContent = "";
      cities.forEach(function (city, position) {
        var option = document.createElement("li");
        option.id = list.id + "-" + position;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", city.url);
        var name = document.createElement("span");
        name.textContent = city.name;
        var where = document.createElement("span");
        where.className = "count";
        where.textContent = city.where;
        option.append(name, " ", where);
        list.appendChild(option);
      });
      active = -1;
      list.hidden = cities.length === 0;
      input.setAttribute("aria-expanded", cities.length ? "true" : "false");
      var words = box.getAttribute(cities.length === 1 ? "data-one" : "data-many") || "";
      status.textContent = cities.length ? words.replace("#", cities.length) : "";
    }

    function ask() {
      var typed = fold(input.value);
      if (typed.length < MIN_LENGTH) return close();
      if (request) request.abort();
      request = new AbortController();
      // The site's own suggestions, in the page's language (its address keeps `lang`).
      var url = new URL(box.getAttribute("data-suggest"), window.location.href);
      url.searchParams.set("q", input.value);
      fetch(url, { signal: request.signal, credentials: "omit" })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (answer) {
          if (fold(input.value) === typed) show(answer.items);
        })
        .catch(function () {
          // Offline or aborted: the form still works.
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, WAIT_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        window.location.assign(options()[active].getAttribute("data-url"));
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 200);
    });
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      window.location.assign(option.getAttribute("data-url"));
    });
  }

  document.querySelectorAll(".suggest[data-suggest]").forEach(enhance);
})();
