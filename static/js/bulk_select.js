/* Bulk selection on the ledger list: the header box ticks or clears every row on the page;
   choosing "all matching this filter" ticks and greys the row boxes (the server re-applies the
   filter, so the row boxes do not matter then). Without script, rows are ticked one by one. */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var pageBox = document.getElementById("bulk-select-page");
  var allBox = document.getElementById("bulk-all-matching");
  var rows = form.querySelectorAll("input[name='ids']");
  if (pageBox) {
    pageBox.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = pageBox.checked; });
    });
  }
  if (allBox) {
    allBox.addEventListener("change", function () {
      rows.forEach(function (box) {
        box.disabled = allBox.checked;
        if (allBox.checked) { box.checked = true; }
      });
      if (pageBox) { pageBox.disabled = allBox.checked; pageBox.checked = allBox.checked; }
    });
  }
})();
