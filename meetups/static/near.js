// "Use my location": only with JavaScript, only when the visitor asks. The
// position goes to our own /near page in the address bar, nowhere else. Its words
// come from the page (data-* attributes), in the visitor's language.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  if (!button || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    button.textContent = button.getAttribute("data-finding") || "Finding you…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var form = button.form;
        form.elements.q.value = "";
        form.elements.q.disabled = true;
        var lat = document.getElementById("near-lat");
        var lon = document.getElementById("near-lon");
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        lat.disabled = false;
        lon.disabled = false;
        form.submit();
      },
      function () {
        button.disabled = false;
        button.textContent =
          button.getAttribute("data-unavailable") || "Location unavailable: type a city instead";
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
