/*
 * The dashboard's script (browser side, inlined into / by scripts/build-web.ts): the device's
 * name and network from /api/status; the values and the chart of a0 from /api/samples, then follows /events (one CSV sample a second); if the
 * event stream is refused (the board's listener cap) it polls /api/samples instead. The LED
 * switch posts `toggle` to /api/led, asking once for the control token when the device wants one.
 */
(function () {
  "use strict";
  var N = 60;
  var values = [];
  var lastSeq = 0;
  var $ = function (id) {
    return document.getElementById(id);
  };

  function uptime(ms) {
    var s = Math.floor(ms / 1000);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
  }

  // The chart's plot area in its viewBox: x 48..632 (60 s ago .. now), y 190..10 (0 .. 1023).
  function draw() {
    var p = [];
    for (var i = 0; i < values.length; i++) {
      p.push((48 + ((i + N - values.length) * 584) / (N - 1)).toFixed(1) + "," + (190 - (values[i] * 180) / 1023).toFixed(1));
    }
    $("line").setAttribute("points", p.join(" "));
  }

  /** The device's name and network, from /api/status (at load, then every 30 s: each request costs the device). */
  function status() {
    fetch("/api/status")
      .then(function (r) {
        return r.json();
      })
      .then(function (s) {
        $("name").textContent = document.title = s.name;
        $("wifi").textContent = s.wifi === "up" ? "connected" : s.wifi === "ap" ? "own access point" : s.wifi;
        $("ip").textContent = s.ip;
        $("rssi").textContent = s.rssi === null ? "none" : s.rssi + " dBm";
        $("ctl").textContent = s.token ? "needs the token" : "open to anyone on the network";
      })
      .catch(function () {});
  }

  function showLed(on) {
    var b = $("led");
    b.setAttribute("aria-checked", on ? "true" : "false");
    b.textContent = on ? "on" : "off";
    b.className = on ? "on" : "";
  }

  /** One sample: [seq, ms, a0, free, led]. */
  function show(s) {
    if (s[0] <= lastSeq && s[0] > lastSeq - 1000) return;
    lastSeq = s[0];
    $("seq").textContent = s[0];
    $("a0").textContent = s[2];
    $("free").textContent = s[3];
    $("up").textContent = uptime(s[1]);
    showLed(s[4] === 1);
    values.push(s[2]);
    if (values.length > N) values.shift();
    draw();
  }

  function msg(text) {
    $("msg").textContent = text;
  }

  function samples() {
    return fetch("/api/samples")
      .then(function (r) {
        return r.json();
      })
      .then(function (j) {
        j.samples.forEach(show);
      });
  }

  function poll() {
    msg("(polling)");
    setInterval(function () {
      samples().catch(function () {
        msg("(device unreachable)");
      });
    }, 2000);
  }

  function listen() {
    if (!window.EventSource) return poll();
    var es = new EventSource("/events");
    es.onmessage = function (e) {
      msg("");
      show(e.data.split(",").map(Number));
    };
    es.onerror = function () {
      if (es.readyState === 2) poll();
      else msg("(reconnecting)");
    };
  }

  function toggle(asked) {
    var token = localStorage.getItem("token");
    var headers = { "Content-Type": "text/plain" };
    if (token) headers.Authorization = "Bearer " + token;
    fetch("/api/led", { method: "POST", headers: headers, body: "toggle" })
      .then(function (r) {
        if (r.status === 401 && !asked) {
          var t = prompt("Control token");
          if (t === null) return null;
          localStorage.setItem("token", t);
          return toggle(true);
        }
        return r.json().then(function (j) {
          if (r.ok) showLed(j.led === 1);
          else msg("(LED: " + r.status + ")");
        });
      })
      .catch(function () {
        msg("(LED: no answer)");
      });
  }

  $("led").onclick = function () {
    toggle(false);
  };
  status();
  setInterval(status, 30000);
  samples().then(listen, listen);
})();
