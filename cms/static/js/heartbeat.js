// D-9: send a heartbeat while the lesson tab is visible; the server measures active time.
(function () {
  "use strict";
  var el = document.getElementById("lesson-heartbeat");
  if (!el) { return; }
  var url = el.dataset.url;
  var interval = parseInt(el.dataset.interval, 10) * 1000;
  var tab = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : String(Date.now()) + Math.random().toString(16).slice(2);
  var started = false;
  var status = document.getElementById("lesson-status");
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : el.dataset.csrf;
  }
  function beat() {
    if (document.visibilityState !== "visible") { return; }
    var body = JSON.stringify({ tab: tab, start: !started });
    started = true;
    fetch(url, { method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (!status) { return; }
        status.dataset.seconds = d.active_seconds;
        status.dataset.credited = d.credited_hours;
        // The sentences come translated from the page (data-active / data-elsewhere).
        status.textContent = d.active
          ? el.dataset.active
              .replace("{minutes}", Math.floor(d.active_seconds / 60))
              .replace("{seconds}", d.active_seconds % 60)
              .replace("{hours}", Number(d.credited_hours).toFixed(1))
          : el.dataset.elsewhere;
      })
      .catch(function () { /* the next beat retries */ });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { started = false; beat(); }
  });
  beat();
  setInterval(beat, interval);
})();
