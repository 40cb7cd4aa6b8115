/* Admin pages with type-ahead lists (select2) and maps: each list's combobox is named by its field's label (select2
 * names it by the chosen value, so an empty list has no name), for screen readers and axe-core. */
(function () {
  "use strict";
  function name() {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = document.querySelector(`label[for="${select.id}"]`);
      if (!label) return;
      const text = label.textContent.replace(/[:：]\s*$/, "").trim();
      // The combobox and the read-only box showing the chosen value inside it.
      select.parentElement.querySelectorAll(".select2-selection[role=combobox], .select2-selection__rendered[role=textbox]")
        .forEach((box) => box.setAttribute("aria-label", text));
    });
  }
  window.addEventListener("load", () => setTimeout(name, 0)); // after the admin's autocomplete.js has run
})();
