// Ledger import page: poll the job's progress while it runs, reload the page when it ends.
(function () {
  var box = document.getElementById("job-progress");
  if (!box) return;
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById("progress-bar").value = d.percent;
      document.getElementById("progress-text").textContent = d.processed + " / " + d.total;
      document.getElementById("job-state").textContent = d.state_label;
      if (d.running) { setTimeout(poll, 1500); } else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
