// MachPay console: the signed-in person's account (/console/account). Talks to the public JSON API
// with the session the sign-in widget keeps in sessionStorage ("machpay.session"), and writes
// what it gets only through textContent. The revenue chart is uPlot (vendored from npm, served by
// this server). No build step.
(function () {
  "use strict";
  var SESSION_KEY = "machpay.session";
  var DECIMALS = 6n;
  var UNIT = 10n ** DECIMALS;

  /** Atomic units (digit string) to "12.345678" USDC, exactly: BigInt, never a float. */
  function usdc(atomic) {
    var a = BigInt(atomic);
    var frac = (a % UNIT).toString().padStart(Number(DECIMALS), "0");
    return (a / UNIT).toString() + "." + frac;
  }
  function when(iso) { return iso ? iso.replace("T", " ").slice(0, 19) + " UTC" : "never"; }

  function start(root) {
    var $ = function (sel) { return root.querySelector(sel); };
    var token = null;
    var chart = null;
    var signInMounted = false;

    function say(text, isError) {
      var el = $("[data-page-status]");
      el.textContent = text;
      el.className = isError ? "status error" : "status";
    }
    function show(step, on) { $('[data-step="' + step + '"]').hidden = !on; }

    async function call(method, path, body) {
      var headers = { authorization: "Bearer " + token };
      if (body !== undefined) headers["content-type"] = "application/json";
      var res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
      var data = res.status === 204 ? null : await res.json().catch(function () { return null; });
      if (res.status === 401) {
        signIn("Your session ended; sign in again.");
        throw new Error("signed out");
      }
      if (!res.ok) throw new Error((data && data.error && data.error.message) || "request failed (" + res.status + ")");
      return data;
    }

    function readSession() {
      try {
        var s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
        return s && typeof s.token === "string" ? s : null;
      } catch (e) { return null; }
    }

    function signIn(reason) {
      sessionStorage.removeItem(SESSION_KEY);
      token = null;
      ["agent", "vendor", "none"].forEach(function (s) { show(s, false); });
      $("[data-who]").hidden = true;
      say(reason || "", false);
      show("signin", true);
      if (signInMounted) return;
      signInMounted = true;
      MachPaySignIn.mount($("[data-signin]"), function (session) { useSession(session); });
    }

    async function useSession(session) {
      token = session.token;
      show("signin", false);
      var me;
      try { me = await call("GET", "/v1/me"); } catch (e) { return; }
      var user = session.user || {};
      $("[data-who-name]").textContent = user.email || user.wallet_address || "user " + me.user_id;
      $("[data-who-role]").textContent = me.role;
      $("[data-who]").hidden = false;
      try {
        if (me.role === "architect") { show("agent", true); await loadAgent(); }
        else if (me.role === "operator") { show("vendor", true); await loadVendor(); }
        else show("none", true);
        say("", false);
      } catch (e) { if (e.message !== "signed out") say(e.message, true); }
    }

    function row(table, cells, attrs) {
      var tr = document.createElement("tr");
      cells.forEach(function (c) {
        var td = document.createElement("td");
        if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? "" : String(c);
        tr.appendChild(td);
      });
      Object.keys(attrs || {}).forEach(function (k) { tr.setAttribute(k, attrs[k]); });
      table.appendChild(tr);
    }
    function clear(sel) { var el = $(sel); el.textContent = ""; return el; }

    // ---- agent ----
    async function loadAgent() {
      var results = await Promise.all([
        call("GET", "/v1/agent/balance"),
        call("GET", "/v1/agent/limits"),
        call("GET", "/v1/agent/transactions?limit=20"),
      ]);
      var balance = results[0], limits = results[1], txs = results[2];
      $("[data-balance-available]").textContent = usdc(balance.available_atomic);
      $("[data-balance-bonded]").textContent = usdc(balance.bonded_atomic);
      $("[data-balance-pending]").textContent = usdc(balance.pending_atomic);
      $("[data-limit-payment]").textContent = limits.per_payment_max_atomic === null ? "no limit" : usdc(limits.per_payment_max_atomic);
      $("[data-limit-daily]").textContent = limits.daily_max_atomic === null ? "no limit" : usdc(limits.daily_max_atomic);
      $("[data-limit-vendors]").textContent = limits.allowed_vendor_ids === null ? "any vendor" : limits.allowed_vendor_ids.join(", ") || "none";
      var table = clear("[data-transactions]");
      txs.data.forEach(function (t) {
        row(table, [when(t.created_at), t.service_id || "vendor " + t.to_vendor_id, usdc(t.amount_atomic), t.status, t.source], { "data-tx": t.id });
      });
      $("[data-transactions-empty]").hidden = txs.data.length > 0;
      await loadKeys("agent");
      try {
        var deposit = await call("GET", "/v1/agent/deposit-address");
        $("[data-deposit-account]").textContent = deposit.vault_token_account;
        $("[data-deposit-memo]").textContent = deposit.memo;
      } catch (e) {
        if (e.message === "signed out") throw e;
        $("[data-deposit]").hidden = true;
        $("[data-deposit-unavailable]").textContent = "No deposit address here: " + e.message;
        $("[data-deposit-unavailable]").hidden = false;
      }
    }

    // ---- API keys (agent keys and gateway keys alike) ----
    async function loadKeys(kind) {
      var keys = await call("GET", "/v1/" + kind + "/keys?limit=100");
      var table = clear('[data-keys="' + kind + '"]');
      keys.data.forEach(function (k) {
        var action = document.createElement("button");
        action.type = "button";
        action.textContent = "Revoke";
        action.setAttribute("data-revoke", k.id);
        action.hidden = k.revoked_at !== null;
        action.addEventListener("click", function () { revokeKey(kind, k.id); });
        row(table, [k.name, k.prefix + "…", k.permissions.join("+"), when(k.last_used_at), k.revoked_at ? "revoked " + when(k.revoked_at) : "active", action], { "data-key": k.id });
      });
    }
    async function createKey(kind, form) {
      var name = form.querySelector("[name=name]").value.trim();
      try {
        var created = await call("POST", "/v1/" + kind + "/keys", { name: name });
        // The secret exists only in this answer: shown once, never stored by the page.
        var box = $('[data-new-key="' + kind + '"]');
        box.querySelector("[data-new-key-secret]").textContent = created.key;
        box.hidden = false;
        form.reset();
        await loadKeys(kind);
      } catch (e) { if (e.message !== "signed out") say(e.message, true); }
    }
    async function revokeKey(kind, id) {
      try {
        await call("DELETE", "/v1/" + kind + "/keys/" + encodeURIComponent(id));
        await loadKeys(kind);
      } catch (e) { if (e.message !== "signed out") say(e.message, true); }
    }

    // ---- vendor ----
    async function loadVendor() {
      var results = await Promise.all([
        call("GET", "/v1/vendor/stats"),
        call("GET", "/v1/vendor/payouts?limit=20"),
        call("GET", "/v1/vendor/endpoints?limit=100"),
      ]);
      var stats = results[0], payouts = results[1], endpoints = results[2];
      $("[data-stat-revenue]").textContent = usdc(stats.revenue_atomic);
      $("[data-stat-unsettled]").textContent = usdc(stats.unsettled_atomic);
      $("[data-stat-settled]").textContent = usdc(stats.settled_atomic);
      $("[data-stat-payments]").textContent = String(stats.payment_count);
      var pt = clear("[data-payouts]");
      payouts.data.forEach(function (p) { row(pt, [when(p.created_at), usdc(p.amount_atomic), p.status, p.tx_hash || ""], { "data-payout": p.id }); });
      $("[data-payouts-empty]").hidden = payouts.data.length > 0;
      var et = clear("[data-endpoints]");
      endpoints.data.forEach(function (s) { row(et, [s.id, s.name, s.service_type, usdc(s.price_atomic), s.is_active ? "active" : "inactive", s.index_status], { "data-endpoint": s.id }); });
      $("[data-endpoints-empty]").hidden = endpoints.data.length > 0;
      await Promise.all([loadKeys("vendor"), loadRevenue()]);
    }

    async function loadRevenue() {
      var period = $("[data-revenue-period]").value;
      var series = await call("GET", "/v1/vendor/revenue?period=" + encodeURIComponent(period));
      var xs = series.buckets.map(function (b) { return Date.parse(b.start) / 1000; });
      // Display only: USDC as a float for the axis; every figure printed comes from usdc().
      var ys = series.buckets.map(function (b) { return Number(b.revenue_atomic) / 1e6; });
      var total = series.buckets.reduce(function (sum, b) { return sum + BigInt(b.revenue_atomic); }, 0n);
      $("[data-revenue-total]").textContent = usdc(total.toString());
      var el = clear("[data-revenue-chart]");
      if (chart) chart.destroy();
      chart = new uPlot({
        width: Math.max(320, el.clientWidth || 640),
        height: 220,
        // Half a bucket of room on either side, so the first and last bars are whole.
        scales: { x: { time: true, range: function (u, min, max) { var half = (series.unit === "hour" ? 3600 : 86400) / 2; return [min - half, max + half]; } } },
        axes: [{}, { label: "USDC", size: 70 }],
        series: [
          {},
          { label: "Revenue (USDC)", stroke: "#0a6", fill: "rgba(0, 170, 102, 0.35)", width: 1, paths: uPlot.paths.bars({ size: [0.7, 60] }), value: function (u, v) { return v === null ? "" : v.toFixed(6); } },
        ],
      }, [xs, ys], el);
      el.setAttribute("data-drawn", String(series.buckets.length));
    }

    root.querySelectorAll("form[data-create-key]").forEach(function (form) {
      form.addEventListener("submit", function (ev) { ev.preventDefault(); createKey(form.getAttribute("data-create-key"), form); });
    });
    $("[data-revenue-period]").addEventListener("change", function () { loadRevenue().catch(function (e) { say(e.message, true); }); });
    $("[data-sign-out]").addEventListener("click", function () { signIn(""); });

    var session = readSession();
    if (session) useSession(session); else signIn("");
  }

  window.MachPayAccount = { start: start, usdc: usdc };
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-account-page]");
    if (root) start(root);
  });
})();
