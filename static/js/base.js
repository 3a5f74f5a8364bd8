/* Behaviour of the base layout, kept out of the HTML so the Content-Security-Policy can forbid
   inline script: choosing a language in the header switches at once (the form's button is the
   no-script fallback). */
(function () {
  "use strict";
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
})();
