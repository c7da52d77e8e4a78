// "Share" next to a feed address, where the browser can hand it to another app
// (a messenger, mail, AirDrop): a traveller sends a city's calendar to a friend in
// two taps. Without the Web Share API the button stays hidden; Copy and the QR code
// remain.
(function () {
  "use strict";
  if (typeof navigator.share !== "function") return;
  document.querySelectorAll("button.share[data-share]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-share"));
    var shared = { title: button.getAttribute("data-title"), url: field.value };
    if (navigator.canShare && !navigator.canShare(shared)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      // A visitor closing the share sheet rejects the promise: nothing to report.
      navigator.share(shared).catch(function () {});
    });
  });
})();
