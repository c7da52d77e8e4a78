// "Use my location": only with JavaScript, only when the visitor asks. The
// position goes to our own /near page in the address bar, nowhere else. Its words
// come from the page (data-* attributes), in the visitor's language. A new
// distance or order is asked for as soon as it is picked; the form carries the
// position on.
(function () {
  "use strict";
  var form = document.querySelector(".near-form");
  if (!form) return;
  ["near-km", "near-sort"].forEach(function (id) {
    var select = document.getElementById(id);
    select.addEventListener("change", function () {
      if (form.elements.q.value || !document.getElementById("near-lat").disabled) form.submit();
    });
  });
  var button = document.getElementById("near-me");
  if (!button || !("geolocation" in navigator)) return;
  var refused = document.getElementById("near-refused");
  var label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    refused.hidden = true;
    button.textContent = button.getAttribute("data-finding") || label;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.q.value = "";
        var lat = document.getElementById("near-lat");
        var lon = document.getElementById("near-lon");
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        lat.disabled = false;
        lon.disabled = false;
        form.submit();
      },
      function (error) {
        button.disabled = false;
        button.textContent = label;
        refused.textContent = refused.getAttribute(
          error.code === error.PERMISSION_DENIED ? "data-denied" : "data-unavailable"
        );
        refused.hidden = false;
        form.elements.q.focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
