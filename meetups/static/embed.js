// For host pages that frame our embeds (optional): each frame tells us its height,
// and we size it to fit, so it never scrolls inside the page. Without this script
// the frame keeps the height the page gave it and scrolls.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var MAX_HEIGHT = 4000;

  function frames() {
    var found = [];
    var all = document.getElementsByTagName("iframe");
    for (var i = 0; i < all.length; i++) {
      if (all[i].src && new URL(all[i].src, document.baseURI).origin === origin) found.push(all[i]);
    }
    return found;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "meetups-embed-height") return;
    var height = Math.ceil(Number(event.data.height));
    if (!(height > 0 && height <= MAX_HEIGHT)) return;
    frames().forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = height + "px";
    });
  });

  // Frames that loaded before this script told nobody: ask them.
  frames().forEach(function (frame) {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: "meetups-embed-hello" }, "*");
  });
}());
