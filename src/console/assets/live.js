// The live dashboard's behaviour: a first picture from GET /v1/public/dashboard, then SSE
// (ticker and stats). Plain browser JavaScript, no build step.
(function () {
  "use strict";
  var MAX_ROWS = 30;
  var REGION_NAMES = {};

  function usdc(atomic) {
    // Atomic units (6 decimals) as a decimal string, without floating point.
    var s = String(atomic).padStart(7, "0");
    return s.slice(0, -6) + "." + s.slice(-6);
  }

  function setStat(root, key, value) {
    var el = root.querySelector('[data-stat="' + key + '"]');
    if (el) el.textContent = value === null || value === undefined ? "–" : String(value);
  }

  function drawStats(root, s) {
    setStat(root, "tps", s.tps);
    setStat(root, "tx_count_24h", s.tx_count_24h);
    setStat(root, "volume_24h", usdc(s.volume_24h_atomic));
    setStat(root, "avg_latency_ms_24h", s.avg_latency_ms_24h);
    setStat(root, "active_agents_24h", s.active_agents_24h);
    setStat(root, "active_vendors_24h", s.active_vendors_24h);
    drawTelemetry(root, s.telemetry);
  }

  function percent(ratio) {
    return ratio === null || ratio === undefined ? null : (Math.round(ratio * 10000) / 100).toFixed(2) + " %";
  }

  // Absent when no gateway reported in 24 hours: the tiles then show dashes.
  function drawTelemetry(root, t) {
    t = t || {};
    var latency = t.latency_ms || {};
    setStat(root, "telemetry_p99", latency.p99);
    setStat(root, "telemetry_p50", latency.p50);
    setStat(root, "telemetry_error_rate", percent(t.error_rate));
    setStat(root, "telemetry_block_rate", percent(t.block_rate));
    setStat(root, "telemetry_uptime", percent(t.uptime_ratio));
    setStat(root, "telemetry_gateways", t.gateways);
    setStat(root, "telemetry_as_of", t.as_of ? "as of " + new Date(t.as_of).toLocaleTimeString() : null);
  }

  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function addRow(body, t, atEnd) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-tx", t.id);
    if (t.simulated) tr.className = "sim";
    tr.appendChild(cell(new Date(t.created_at).toLocaleTimeString()));
    tr.appendChild(cell(usdc(t.amount_atomic), "num"));
    tr.appendChild(cell(t.service_type || t.service_id || "–"));
    tr.appendChild(cell(REGION_NAMES[t.region] || t.region || "–"));
    tr.appendChild(cell(t.latency_ms === null ? "–" : t.latency_ms + " ms", "num"));
    if (atEnd) body.appendChild(tr);
    else body.insertBefore(tr, body.firstChild);
    while (body.children.length > MAX_ROWS) body.removeChild(body.lastChild);
  }

  function start(root) {
    var body = root.querySelector("[data-ticker]");
    var dot = root.querySelector("[data-connection]");
    fetch("/v1/public/dashboard")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        d.regions.forEach(function (r) { REGION_NAMES[r.region] = r.name; });
        drawStats(root, d.stats);
        if (body.children.length === 0) d.ticker.forEach(function (t) { addRow(body, t, true); });
      })
      .catch(function () {});
    var es = new EventSource("/v1/events?topics=ticker,stats");
    es.addEventListener("open", function () { dot.className = "dot on"; });
    es.addEventListener("error", function () { dot.className = "dot"; });
    es.addEventListener("stats", function (e) { drawStats(root, JSON.parse(e.data)); });
    es.addEventListener("ticker", function (e) { addRow(body, JSON.parse(e.data), false); });
    return es;
  }

  window.MachPayLive = { start: start, usdc: usdc, drawStats: drawStats };
})();
