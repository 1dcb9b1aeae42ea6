/* Lianjian Desk: small behaviours that need a script (no inline scripts under our CSP). */
(function () {
  "use strict";

  // Ask once before an irreversible action: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // A failed htmx request shows a friendly banner instead of a broken screen.
  function showRequestError(show) {
    var banner = document.getElementById("request-error");
    if (banner) banner.hidden = !show;
  }
  document.addEventListener("htmx:sendError", function () { showRequestError(true); });
  document.addEventListener("htmx:responseError", function () { showRequestError(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) showRequestError(false);
  });

  // Move focus to the error summary so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
