// MachPay console sign-in widget: email one-time code, or a Solana wallet (a browser wallet when
// present, otherwise a pasted signature). Calls the public JSON API only; no build step.
(function () {
  "use strict";
  var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  function base58(bytes) {
    var digits = [0];
    for (var i = 0; i < bytes.length; i++) {
      var carry = bytes[i];
      for (var j = 0; j < digits.length; j++) {
        carry += digits[j] << 8;
        digits[j] = carry % 58;
        carry = (carry / 58) | 0;
      }
      while (carry > 0) {
        digits.push(carry % 58);
        carry = (carry / 58) | 0;
      }
    }
    var out = "";
    for (var k = 0; k < bytes.length && bytes[k] === 0; k++) out += "1";
    for (var m = digits.length - 1; m >= 0; m--) out += B58[digits[m]];
    return out;
  }
  async function api(path, body, token) {
    var headers = { "content-type": "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    var res = await fetch(path, { method: body === undefined ? "GET" : "POST", headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    var data = res.status === 204 ? null : await res.json().catch(function () { return null; });
    if (!res.ok) throw new Error((data && data.error && data.error.message) || "request failed (" + res.status + ")");
    return data;
  }
  function $(root, sel) { return root.querySelector(sel); }
  function say(root, text, isError) {
    var el = $(root, "[data-status]");
    el.textContent = text;
    el.className = isError ? "status error" : "status";
  }

  window.MachPaySignIn = {
    api: api,
    base58: base58,
    /** Mounts the widget in `root`; calls onSession(session) once signed in. */
    mount: function (root, onSession) {
      var done = function (session) {
        sessionStorage.setItem("machpay.session", JSON.stringify(session));
        onSession(session);
      };
      $(root, "[data-email-send]").addEventListener("click", async function () {
        try {
          await api("/v1/auth/email/send-otp", { email: $(root, "[data-email]").value });
          $(root, "[data-code-row]").hidden = false;
          say(root, "A 6-digit code is on its way; it expires in 10 minutes.");
        } catch (e) { say(root, e.message, true); }
      });
      $(root, "[data-email-verify]").addEventListener("click", async function () {
        try {
          done(await api("/v1/auth/email/verify-otp", { email: $(root, "[data-email]").value, code: $(root, "[data-code]").value.trim() }));
        } catch (e) { say(root, e.message, true); }
      });
      var challenge = null;
      $(root, "[data-wallet-challenge]").addEventListener("click", async function () {
        try {
          var provider = window.solana || (window.phantom && window.phantom.solana);
          var address = $(root, "[data-wallet-address]").value.trim();
          if (provider && !address) {
            var conn = await provider.connect();
            address = conn.publicKey.toString();
            $(root, "[data-wallet-address]").value = address;
          }
          challenge = await api("/v1/auth/challenge", { address: address });
          $(root, "[data-wallet-message]").value = challenge.message;
          $(root, "[data-wallet-sign-row]").hidden = false;
          if (provider) {
            var signed = await provider.signMessage(new TextEncoder().encode(challenge.message), "utf8");
            $(root, "[data-wallet-signature]").value = base58(signed.signature);
          }
          say(root, provider ? "Signed by your wallet; press Sign in." : "Sign the message with your wallet and paste the base58 signature.");
        } catch (e) { say(root, e.message, true); }
      });
      $(root, "[data-wallet-login]").addEventListener("click", async function () {
        try {
          done(await api("/v1/auth/login/wallet", {
            address: $(root, "[data-wallet-address]").value.trim(),
            signature: $(root, "[data-wallet-signature]").value.trim(),
            message: $(root, "[data-wallet-message]").value,
          }));
        } catch (e) { say(root, e.message, true); }
      });
    },
  };
})();
