// A map as an aid to the list, never instead of it. Nothing is fetched from the
// tile server until the visitor presses "Show map": by default the page loads
// nothing from any other site.
(function () {
  "use strict";
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function showMap(container, button) {
    var markers = JSON.parse(container.getAttribute("data-markers") || "[]");
    var map = L.map(container.querySelector(".map-canvas"), { scrollWheelZoom: false });
    L.tileLayer(container.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: container.getAttribute("data-attribution"),
    }).addTo(map);
    var bounds = [];
    markers.forEach(function (marker) {
      var point = [marker.lat, marker.lon];
      bounds.push(point);
      var label = marker.url
        ? '<a href="' + encodeURI(marker.url) + '">' + escapeHtml(marker.name) + "</a>"
        : escapeHtml(marker.name);
      L.marker(point, { title: marker.name, alt: marker.name }).addTo(map).bindPopup(label);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    } else if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    }
    button.hidden = true;
  }

  document.querySelectorAll(".map[data-tiles]").forEach(function (container) {
    var button = container.querySelector("button.show-map");
    if (!button || typeof L === "undefined") return;
    container.hidden = false;
    button.addEventListener("click", function () {
      container.querySelector(".map-canvas").hidden = false;
      showMap(container, button);
    });
  });
})();
