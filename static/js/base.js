/* Behaviour of the base layout, kept out of the HTML so the Content-Security-Policy can forbid
   inline script.
   - Choosing a language in the header switches at once (the form's button is the no-script
     fallback).
   - The display switches (大字, 高对比; toggle buttons) turn over at once: the class on <html> changes, the
     cookie that base.html reads on the next page is written, and the button says its new state
     (aria-pressed). Without script a <noscript> form posts to /display/, which sets the cookie. */
(function () {
  "use strict";
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }

  var SWITCHES = {
    text: { cookie: "zh_text", on: "large", cls: "text-large" },
    contrast: { cookie: "zh_contrast", on: "high", cls: "contrast-high" }
  };
  var root = document.documentElement;
  var secure = window.location.protocol === "https:" ? "; secure" : "";

  function setCookie(name, value) {
    var age = value ? 400 * 24 * 3600 : 0;
    document.cookie = name + "=" + (value || "") + "; path=/; max-age=" + age + "; samesite=lax" + secure;
  }

  document.querySelectorAll(".display-switches button[type=button]").forEach(function (button) {
    var sw = SWITCHES[button.value];
    if (!sw) { return; }
    button.addEventListener("click", function () {
      var turnOn = !root.classList.contains(sw.cls);
      root.classList.toggle(sw.cls, turnOn);
      button.setAttribute("aria-pressed", turnOn ? "true" : "false");
      setCookie(sw.cookie, turnOn ? sw.on : "");
    });
  });
})();
