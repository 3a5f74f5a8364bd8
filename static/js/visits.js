/* The visit form: record the phone's location on request (optional), and show the amount
   field only when the household says it received the subsidy. */
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var shown = document.getElementById("located");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  if (button && lat && lon) {
    if (!navigator.geolocation) { button.hidden = true; }
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        shown.textContent = lat.value + ", " + lon.value;
      }, function (err) { shown.textContent = err.message; }, { timeout: 10000 });
    });
  }
  var amount = document.querySelector(".field-amount_confirmed");
  var radios = document.querySelectorAll("input[name=subsidy_received]");
  function sync() {
    var no = document.querySelector("input[name=subsidy_received][value='0']");
    if (amount && no) { amount.hidden = no.checked; }
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
