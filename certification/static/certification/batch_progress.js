(function () {
  var box = document.getElementById("batch");
  if (!box) return;
  function tick() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (d) {
        document.getElementById("batch-bar").value = d.percent;
        document.getElementById("batch-processed").textContent = d.processed;
        document.getElementById("batch-issued").textContent = d.issued;
        var ul = document.getElementById("batch-refusals");
        ul.textContent = "";
        d.refusals.forEach(function (r) {
          var li = document.createElement("li");
          li.textContent = r.name + ": " + r.reasons.join("; ");
          ul.appendChild(li);
        });
        if (d.status !== "done" && d.status !== "failed") setTimeout(tick, 1500);
      });
  }
  setTimeout(tick, 1000);
})();
