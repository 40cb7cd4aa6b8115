/* Swagger UI renders each operation's path as a link inside the button that expands it (a link nested in a
 * button cannot be reached by keyboard or screen reader). Turn those links into plain text as they appear. */
(function () {
  "use strict";
  function unnest(root) {
    root.querySelectorAll("button.opblock-summary-control a, button.opblock-summary-control button").forEach((el) => {
      const span = document.createElement("span");
      span.className = el.className;
      span.textContent = el.textContent;
      el.replaceWith(span);
    });
  }
  new MutationObserver(() => unnest(document)).observe(document.body, { childList: true, subtree: true });
})();
