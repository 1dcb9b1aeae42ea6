// Partner ledger: the print buttons of the coverage statistics and the annual report.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
