/* Plan editor: "添加一行" adds a blank line at once from the formset's empty form (a <template>)
   and counts it in the management form. Without script the button posts the form back and
   the page returns with one line more. */
(function () {
  "use strict";
  var button = document.getElementById("add-line");
  var template = document.getElementById("line-empty");
  var total = document.getElementById("id_lines-TOTAL_FORMS");
  var body = document.querySelector("#line-formset tbody");
  if (!button || !template || !total || !body) { return; }
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = body.lastElementChild.querySelector("select, input");
    if (first) { first.focus(); }
  });
})();
