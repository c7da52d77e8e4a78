// Inside an embed: tell the page that frames it how tall it is, so that a host page
// running our embed.js can size the frame to fit. Only the height is sent.
(function () {
  "use strict";
  if (window.parent === window) return;
  var HEIGHT = "meetups-embed-height";

  function tell(target) {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    target.postMessage({ type: HEIGHT, height: height }, "*");
  }

  // A host script that loaded after us asks once; we answer whoever asked.
  window.addEventListener("message", function (event) {
    if (event.source && event.data && event.data.type === "meetups-embed-hello") {
      tell(event.source);
    }
  });
  if ("ResizeObserver" in window) {
    new ResizeObserver(function () { tell(window.parent); }).observe(document.documentElement);
  } else {
    tell(window.parent);
  }
}());
