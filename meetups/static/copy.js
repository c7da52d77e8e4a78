// "Copy" next to a feed address: one tap instead of selecting a long address on a
// phone. Without JavaScript the button stays hidden and the field can be copied
// by hand. Its words come from the page.
(function () {
  "use strict";
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.closest(".feed-address").querySelector(".copy-status");
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      function done() {
        button.textContent = button.getAttribute("data-copied");
        status.textContent = button.getAttribute("data-copied");
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      }
      function byHand() {
        field.select();
        if (document.execCommand("copy")) done();
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, byHand);
      } else {
        byHand();
      }
    });
  });
})();
