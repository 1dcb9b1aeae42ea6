/* Volunteer records: the print buttons of the certificate and the team report.
   No inline scripts under our CSP; without JavaScript the browser's own Print works. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
