/* Behaviour of the base layout, kept out of the HTML so the Content-Security-Policy can forbid
   inline script.
   - Choosing a language in the header switches at once (the form's button is the no-script
     fallback).
   - The display switches (大字, 高对比; toggle buttons) turn over at once: the class on <html> changes, the
     cookie that base.html reads on the next page is written, and the button says its new state
     (aria-pressed). Without script a <noscript> form posts to /display/, which sets the cookie.
   - A wide table that scrolls inside its box (.table-wrap) can be scrolled from the keyboard:
     the box takes focus and is named after its section's heading. */
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
      scrollableTables();  // larger text makes more tables wider than their box
    });
  });

  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var section = box.closest("section, .card, main");
        var heading = section && section.querySelector("h1, h2, h3, caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  scrollableTables();
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(scrollableTables, 150);
  });
})();
