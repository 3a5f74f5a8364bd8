/* Finance pages of the subsidies app, loaded from a file (no inline script: CSP).
 * - A second click does nothing: the server is idempotent anyway, this only spares the request.
 * - A form with data-confirm asks before it is sent (the standard edit re-prices unpaid amounts).
 */
document.querySelectorAll("form").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
});
