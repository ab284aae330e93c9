// MachPay console: the pairing page (/console/link?code=). Signs in through MachPaySignIn (signin.js),
// shows the device key that asks to be linked, creates the matching profile when the account has
// none, and approves. Plain browser script, no build step; data is written only with textContent.
(function () {
  "use strict";
  var SESSION_KEY = "machpay.session";
  var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  var USDC_DECIMALS = 6;

  /** The byte length base58 `text` decodes to, or -1 when it has a character outside the alphabet. */
  function base58Length(text) {
    var bytes = [];
    for (var i = 0; i < text.length; i++) {
      var carry = B58.indexOf(text.charAt(i));
      if (carry < 0) return -1;
      for (var j = 0; j < bytes.length; j++) {
        carry += bytes[j] * 58;
        bytes[j] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) {
        bytes.push(carry & 0xff);
        carry >>= 8;
      }
    }
    // Each leading "1" is a leading zero byte.
    for (var k = 0; k < text.length && text.charAt(k) === "1"; k++) bytes.push(0);
    return bytes.length;
  }

  /** A Solana address: base58 of exactly 32 bytes (the server checks the same). */
  function isSolanaAddress(text) {
    return text.length >= 32 && text.length <= 44 && base58Length(text) === 32;
  }

  /**
   * "0.005" USDC -> "5000" atomic units, exactly: digits are shifted as text, never through a float.
   * Returns {atomic} or {error}.
   */
  function usdcToAtomic(text) {
    var match = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!match || match[1] + (match[2] || "") === "") return { error: "Enter the price in USDC as a number, like 0.005." };
    var fraction = match[2] || "";
    if (fraction.length > USDC_DECIMALS) return { error: "USDC has 6 decimals: use at most 6 digits after the point." };
    while (fraction.length < USDC_DECIMALS) fraction += "0";
    var atomic = (match[1] + fraction).replace(/^0+/, "");
    return { atomic: atomic === "" ? "0" : atomic };
  }

  /** One API call: {status, data, error}; error is the API's {code, message}, or one made up here. */
  async function call(method, path, body, token) {
    var headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = "Bearer " + token;
    var res;
    try {
      res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { status: 0, data: null, error: { code: "network_error", message: "Cannot reach MachPay; check your connection and try again." } };
    }
    var data = await res.json().catch(function () { return null; });
    if (res.ok) return { status: res.status, data: data, error: null };
    var error = data && data.error && typeof data.error.message === "string" ? data.error : { code: "http_" + res.status, message: "Request failed (" + res.status + ")." };
    return { status: res.status, data: null, error: error };
  }

  var KIND_TITLE = { agent: "An agent asks to be linked", vendor: "A vendor gateway asks to be linked" };
  var PROFILE_LABEL = { agent: "Agent", vendor: "Vendor Profile" };

  /** Messages for the pairing errors a person can meet; anything else shows the server's message. */
  function explain(error) {
    switch (error.code) {
      case "link_code_not_found":
        return "No pairing request has this code. Check the code the device printed, or run the link command again.";
      case "link_code_expired":
        return "This code has expired. Run the link command on the device again for a new code.";
      case "key_already_linked":
        return "This device key is already linked to a profile.";
      default:
        return error.message;
    }
  }

  function start(root, code) {
    var $ = function (selector) { return root.querySelector(selector); };
    var step = function (name) { return $('[data-step="' + name + '"]'); };
    var show = function (name, on) { step(name).hidden = !on; };
    var token = null;
    var profile = null;
    var request = null;
    var signInMounted = false;

    function say(text, isError) {
      var el = $("[data-link-message]");
      el.textContent = text;
      el.className = isError ? "status error" : "status";
    }

    function readSession() {
      try {
        var session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
        return session && typeof session.token === "string" ? session : null;
      } catch (e) {
        return null;
      }
    }

    /** Back to the sign-in form (no session, or it stopped working). */
    function signIn(reason) {
      sessionStorage.removeItem(SESSION_KEY);
      token = null;
      ["request", "agent-profile", "vendor-profile", "approve", "linked"].forEach(function (name) { show(name, false); });
      $("[data-account]").hidden = true;
      say(reason || "", false);
      show("signin", true);
      if (signInMounted) return;
      signInMounted = true;
      MachPaySignIn.mount($("[data-signin]"), function (session) {
        useSession(session).then(function (ok) {
          if (!ok) say("Signed in, but MachPay refused the session; try again.", true);
        });
      });
    }

    /** Checks the token still works (GET /v1/profile), then loads the request. False when it does not. */
    async function useSession(session) {
      token = session.token;
      var res = await call("GET", "/v1/profile", undefined, token);
      if (res.status === 401) return false;
      show("signin", false);
      say("", false);
      var user = session.user || {};
      $("[data-account-name]").textContent = user.email || user.wallet_address || "user " + user.id;
      $("[data-account]").hidden = false;
      if (res.status !== 200 && res.error.code !== "profile_not_found") {
        say(res.error.message, true);
        return true;
      }
      profile = res.status === 200 ? res.data : null;
      await loadRequest();
      return true;
    }

    async function loadRequest() {
      var res = await call("GET", "/v1/link/requests/" + encodeURIComponent(code), undefined, token);
      if (res.status === 401) return signIn("Your session has ended; sign in again.");
      if (!res.data) return say(explain(res.error), true);
      request = res.data;
      $("[data-request-title]").textContent = KIND_TITLE[request.kind] || "A device asks to be linked";
      $("[data-request-pubkey]").textContent = request.pubkey;
      $("[data-request-expires]").textContent = new Date(request.expires_at).toLocaleString();
      show("request", true);
      if (request.status === "expired") return say(explain({ code: "link_code_expired" }), true);
      if (request.status === "approved") return say("This code was already approved: the device is linked. Nothing more to do here.", false);
      nextStep();
    }

    /** The request is pending: create the profile it needs, or approve with the one there is. */
    function nextStep() {
      var kind = request.kind;
      if (!profile) return show(kind + "-profile", true);
      if (profile.type !== kind) {
        var device = kind === "agent" ? "an agent" : "a vendor gateway";
        return say(
          "This account has a " + profile.type + " profile (" + profile.name + "), so it cannot link " + device +
            ": that needs an account with a " + kind + " profile. Use another account to approve this code.",
          true,
        );
      }
      $("[data-approve-as]").textContent = "Link this key to " + PROFILE_LABEL[kind] + ": " + profile.name;
      show("approve", true);
    }

    function formError(form, text) {
      form.querySelector("[data-form-error]").textContent = text;
    }

    async function createProfile(form, body) {
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      formError(form, "");
      var res = await call("POST", "/v1/profile", body, token);
      button.disabled = false;
      if (res.status === 401) return signIn("Your session has ended; sign in again.");
      if (res.status === 409) {
        // A profile was created meanwhile (another tab): carry on with it.
        var existing = await call("GET", "/v1/profile", undefined, token);
        if (existing.status === 200) res = existing;
      }
      if (!res.data) return formError(form, res.error.message);
      profile = res.data;
      show(request.kind + "-profile", false);
      nextStep();
    }

    step("agent-profile").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.currentTarget;
      var body = { type: "agent", name: form.elements.name.value.trim() };
      var description = form.elements.description.value.trim();
      if (description) body.description = description;
      if (!body.name) return formError(form, "Enter a name for your agent.");
      createProfile(form, body);
    });

    step("vendor-profile").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.currentTarget;
      var name = form.elements.name.value.trim();
      var serviceType = form.elements.service_type.value.trim();
      var price = usdcToAtomic(form.elements.price.value);
      var address = form.elements.withdrawal_address.value.trim();
      var description = form.elements.description.value.trim();
      if (!name) return formError(form, "Enter a name for your vendor profile.");
      if (!serviceType) return formError(form, "Enter the type of service you sell, like inference-llm.");
      if (price.error) return formError(form, price.error);
      if (!isSolanaAddress(address)) {
        return formError(form, "The withdrawal address must be a Solana address: base58 text of a 32-byte public key.");
      }
      var body = { type: "vendor", name: name, service_type: serviceType, base_price_atomic: price.atomic, withdrawal_address: address };
      if (description) body.description = description;
      createProfile(form, body);
    });

    $("[data-approve]").addEventListener("click", async function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      say("", false);
      var res = await call("POST", "/v1/link/approve", { code: code }, token);
      if (res.status === 401) return signIn("Your session has ended; sign in again.");
      if (!res.data) {
        say(explain(res.error), true);
        // Gone for good (expired, unknown, linked meanwhile): approving again cannot help.
        var final = res.status === 404 || res.status === 410 || res.error.code === "key_already_linked";
        if (final) show("approve", false);
        else button.disabled = false;
        return;
      }
      show("approve", false);
      linked(res.data);
    });

    async function linked(approved) {
      $("[data-linked-text]").textContent = "Linked to " + PROFILE_LABEL[approved.profile.type] + ": " + approved.profile.name;
      show("linked", true);
      if (approved.profile.type !== "agent") return;
      $("[data-funding]").hidden = false;
      var res = await call("GET", "/v1/agent/deposit-address", undefined, token);
      if (res.status !== 200 || !res.data || typeof res.data.vault_token_account !== "string") return;
      $("[data-deposit-account]").textContent = res.data.vault_token_account;
      $("[data-deposit-memo]").textContent = typeof res.data.memo === "string" ? res.data.memo : "";
      $("[data-deposit]").hidden = false;
    }

    $("[data-sign-out]").addEventListener("click", function () {
      profile = null;
      request = null;
      signIn("");
    });

    var session = readSession();
    if (!session) return signIn("");
    useSession(session).then(function (ok) {
      if (!ok) signIn("Your session has ended; sign in again.");
    });
  }

  window.MachPayLink = { start: start, usdcToAtomic: usdcToAtomic, isSolanaAddress: isSolanaAddress };
})();
