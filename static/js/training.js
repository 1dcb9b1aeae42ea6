/* Training: the certificate's print button, "choose all" for review lists, and the number
   of certificates the confirmation question names.
   No inline scripts under our CSP; without JavaScript each box is ticked by hand. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // <input type="checkbox" data-select-all="name" hidden>: shown only when it can work.
  function setUp(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.hidden = false;
      var holder = box.closest("[hidden]");
      if (holder) holder.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.target); });

  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (!box) return;
    var form = box.form || box.closest("form");
    var name = box.getAttribute("data-select-all");
    form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });

  // The completion button asks "Issue certificates to N people?": N follows the ticked boxes.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || event.target.name !== "application") return;
    var button = form.querySelector("[data-issue-count][data-confirm-template]");
    if (!button) return;
    var ticked = form.querySelectorAll('input[type="checkbox"][name="application"]:checked').length;
    button.setAttribute(
      "data-confirm",
      button.getAttribute("data-confirm-template").replace("{num}", String(ticked))
    );
  });
})();
