// A tutorial-style Espruino program, the yardstick of scripts/bench-cpu.ts: a web page and a JSON
// status on 8080, a line console on 4444 and a TCP echo on 8007 (the linux board's ports).
// Written the way Espruino's own examples are: http.createServer, net.createServer, globals.
var NAME = "tutorial";
var VERSION = "1.0";
var t0 = getTime();
var led = false;
var clients = 0;
var seq = 0;

function uptime() { return Math.round((getTime() - t0) * 1000); }
// The Linux build has no A0 pin: a stand-in for Math.round(analogRead(A0) * 1023).
function readA0() { return 512; }

var PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>Espruino dashboard</title><style>' +
  'body{font-family:sans-serif;margin:0;background:#f4f4f4;color:#222}' +
  'header{background:#1a6;color:#fff;padding:12px 16px}h1{margin:0;font-size:1.3em}' +
  'main{max-width:480px;margin:16px auto;background:#fff;padding:16px;border-radius:6px}' +
  'table{width:100%;border-collapse:collapse}td{padding:6px;border-bottom:1px solid #ddd}' +
  'td.v{text-align:right;font-family:monospace}footer{text-align:center;font-size:.8em;color:#777}' +
  '</style></head><body><header><h1>Espruino dashboard</h1></header><main>' +
  '<p>Live values from the board, updated every two seconds.</p><table>' +
  '<tr><td>Uptime (ms)</td><td class="v" id="uptime">-</td></tr>' +
  '<tr><td>Free variables</td><td class="v" id="free">-</td></tr>' +
  '<tr><td>Total variables</td><td class="v" id="total">-</td></tr>' +
  '<tr><td>Analog input A0</td><td class="v" id="a0">-</td></tr>' +
  '<tr><td>LED</td><td class="v" id="led">-</td></tr>' +
  '<tr><td>Clients</td><td class="v" id="clients">-</td></tr>' +
  '</table><p id="msg"></p></main><footer>Served by Espruino</footer><script>' +
  'function show(s){for(var k in s){var e=document.getElementById(k);if(e)e.textContent=s[k];}}' +
  'function poll(){fetch("/api/status").then(function(r){return r.json();}).then(function(s){' +
  'show(s);document.getElementById("msg").textContent="";}).catch(function(e){' +
  'document.getElementById("msg").textContent="Cannot reach the board: "+e;});}' +
  'poll();setInterval(poll,2000);</script></body></html>';

function onPageRequest(req, res) {
  var a = url.parse(req.url, true);
  if (a.pathname == "/") {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(PAGE);
  } else if (a.pathname == "/api/status") {
    var m = process.memory(false);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ name: NAME, version: VERSION, uptime: uptime(), free: m.free, total: m.total,
      led: led ? 1 : 0, a0: readA0(), clients: clients }));
  } else {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("Not found");
  }
}
require("http").createServer(onPageRequest).listen(8080);

require("net").createServer(function (c) {
  var buf = "";
  clients++;
  c.write("# " + NAME + " " + VERSION + " ready\r\n");
  c.on("data", function (d) {
    buf += d;
    var i = buf.indexOf("\n");
    while (i >= 0) {
      var cmd = buf.substr(0, i).trim().toUpperCase();
      buf = buf.substr(i + 1);
      if (cmd == "READ") {
        seq++;
        c.write("OK " + seq + "," + uptime() + "," + readA0() + "," + process.memory(false).free + "," + (led ? 1 : 0) + "\r\n");
      } else if (cmd == "STATUS") {
        c.write("OK uptime=" + uptime() + " free=" + process.memory(false).free + " led=" + (led ? 1 : 0) + " clients=" + clients + "\r\n");
      } else if (cmd == "QUIT") {
        c.end("OK bye\r\n");
      } else if (cmd != "") {
        c.write("ERR EUNKNOWN " + cmd + "\r\n");
      }
      i = buf.indexOf("\n");
    }
  });
  c.on("close", function () { clients--; });
}).listen(4444);

require("net").createServer(function (s) {
  s.on("data", function (d) { s.write(d); });
}).listen(8007);
