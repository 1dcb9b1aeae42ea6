/* Kiosk behaviour: idle reset with a countdown, on-screen keypad, friendly retry.
 *
 * Kiosk links and forms are boosted by htmx (hx-boost on <body>), so a request that fails
 * (network hiccup, server restart) leaves the screen as it was, with a message, instead of the
 * browser's error page; the screen checks /healthz until it answers, then opens a failed screen
 * (GET) again by itself, or says the connection is back and asks to try again (a form is never
 * re-sent silently). A full page load (the automatic return to start) asks /healthz first, so
 * the kiosk never lands on the browser's error page.
 *
 * Boosted screens add no history entries, so Back after the return to start reaches the page
 * loaded before it: at the bottom the login page the kiosk was signed in on, which sends the
 * signed-in kiosk to start (views/access.py). Pages are never cached (no-store); one brought
 * back from the back/forward cache is replaced by the start screen. */
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 60;
  var startUrl = body.getAttribute("data-start-url");
  var healthUrl = body.getAttribute("data-health-url");
  var warnAt = Math.min(10, idleSeconds);
  var remaining = idleSeconds;
  var returnTimer = null;

  function onStart() {
    // Not the URL: boosted screens swap in without changing it.
    return Boolean(document.querySelector("[data-kiosk-start]"));
  }

  function show(id, which) {
    var box = document.getElementById(id);
    if (!box) return;
    box.hidden = !which;
    Array.prototype.forEach.call(box.querySelectorAll("[data-when]"), function (line) {
      line.hidden = line.getAttribute("data-when") !== which;
    });
  }

  function serverAnswers() {
    return fetch(healthUrl, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("not ready");
    });
  }

  // Ask /healthz until it answers, saying so on screen meanwhile; then call `then`.
  var waiting = null;
  function whenServerAnswers(then) {
    var polling = Boolean(waiting);
    waiting = then;  // the latest wish wins; one loop asks
    if (polling) return;
    var check = function () {
      serverAnswers().then(function () {
        var next = waiting;
        waiting = null;
        next();
      }).catch(function () {
        show("kiosk-offline", "offline");
        window.setTimeout(check, 2000);
      });
    };
    check();
  }

  function navigate(url) {
    // replace(): the previous person's screen is not left in the history.
    whenServerAnswers(function () { window.location.replace(url); });
  }

  function forgetScreen() {
    // While waiting for the server, nothing the last person typed or saw stays on screen.
    Array.prototype.forEach.call(document.querySelectorAll("#main input:not([type=hidden])"),
      function (input) { input.value = ""; input.checked = false; });
    var main = document.getElementById("main");
    if (main) main.hidden = true;
    var overlay = document.getElementById("kiosk-idle");
    if (overlay) overlay.hidden = true;
  }

  var leaving = false;
  function goToStart() {
    // An automatic return (idle, or after a result): the next visitor gets the default language.
    if (leaving) return;
    leaving = true;
    var url = startUrl + (startUrl.indexOf("?") < 0 ? "?" : "&") + "reset=1";
    serverAnswers().then(function () { window.location.replace(url); }).catch(function () {
      forgetScreen();
      show("kiosk-offline", "offline");
      navigate(url);
    });
  }

  function resetIdle() {
    remaining = idleSeconds;
    var overlay = document.getElementById("kiosk-idle");
    if (overlay) overlay.hidden = true;
  }

  function tick() {
    if (leaving) return;
    remaining -= 1;
    var overlay = document.getElementById("kiosk-idle");
    if (remaining <= 0) {
      // On start, only a language left switched by the last visitor needs resetting.
      if (!onStart() || document.documentElement.lang !== "zh-CN") goToStart();
      else resetIdle();
      return;
    }
    if (remaining <= warnAt && !onStart() && overlay) {
      document.getElementById("kiosk-idle-seconds").textContent = String(remaining);
      overlay.hidden = false;
    }
  }

  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true });
  });
  window.setInterval(tick, 1000);

  document.addEventListener("click", function (event) {
    if (event.target.id === "kiosk-idle-stay") {
      resetIdle();
      return;
    }
    // The keypad types into its target input.
    var key = event.target.closest(".keypad__key");
    if (key) {
      var pad = key.closest(".keypad");
      var input = document.getElementById(pad.getAttribute("data-keypad-target"));
      if (!input) return;
      var value = key.getAttribute("data-key");
      if (value === "clear") input.value = "";
      else if (value === "back") input.value = input.value.slice(0, -1);
      else if (!(input.maxLength > 0) || input.value.length < input.maxLength) {
        input.value += value;
      }
      input.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    // Partner enterprise chips fill the enterprise field.
    var chip = event.target.closest("[data-fill]");
    if (chip) {
      var box = chip.closest("[data-fill-target]");
      var field = document.getElementById(box.getAttribute("data-fill-target"));
      if (field) { field.value = chip.getAttribute("data-fill"); field.focus(); }
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
    // Back from the privacy notice opened over the form: close it, the form as it was.
    var closer = event.target.closest("#kiosk-layer [data-close-layer]");
    if (closer) {
      event.preventDefault();
      closeLayer();
    }
  });

  // The privacy notice (hx-get into the layer) shows over the form that opened it.
  var layerOpener = null;
  function closeLayer() {
    var layer = document.getElementById("kiosk-layer");
    if (!layer || !layer.open) return;
    layer.close();
    layer.innerHTML = "";
    if (layerOpener && document.body.contains(layerOpener)) layerOpener.focus();
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var layer = event.detail.target;
    if (!layer || layer.id !== "kiosk-layer") return;
    layerOpener = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!layer.open) layer.show();
    layer.scrollTop = 0;
    var first = layer.querySelector("h1");
    if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  });

  // A failed request: say so kindly; when the server answers again, open a failed screen
  // again (GET, once) or say it is back and ask to try again (a form is never re-sent).
  var retried = {};
  function afterFailure(detail) {
    var verb = (detail.requestConfig && detail.requestConfig.verb || "get").toLowerCase();
    var path = (detail.pathInfo && detail.pathInfo.finalRequestPath) ||
      (detail.requestConfig && detail.requestConfig.path);
    show("kiosk-problem", null);
    show("kiosk-offline", "offline");
    if (waiting || leaving) return;
    whenServerAnswers(function () {
      if (verb === "get" && path && !retried[path]) {
        // Open the screen again the way it was asked for (the link or form is still there).
        retried[path] = true;
        show("kiosk-offline", null);
        var elt = detail.elt;
        if (elt && document.body.contains(elt)) {
          if (elt.tagName === "FORM") elt.requestSubmit();
          else elt.click();
        } else {
          window.location.replace(path);
        }
      } else if (verb === "get") {
        show("kiosk-offline", null);
        show("kiosk-problem", "other");
      } else {
        show("kiosk-offline", "ready");
      }
    });
  }
  document.addEventListener("htmx:sendError", function (event) { afterFailure(event.detail); });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 500 || status === 0) {
      afterFailure(event.detail);
    } else {
      // 400 (an expired form), 403, 404, 413, 429: nothing to wait for; start again.
      show("kiosk-offline", null);
      show("kiosk-problem", status === 429 ? "busy" : "other");
      window.scrollTo(0, 0);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) retried = {};
  });
  document.addEventListener("htmx:beforeRequest", function () {
    show("kiosk-problem", null);
    var banner = document.getElementById("kiosk-offline");
    if (banner && !waiting) banner.hidden = true;
  });

  // Each screen (first load, or swapped in by htmx): focus, and return to start after a result.
  function initScreen() {
    resetIdle();
    window.scrollTo(0, 0);
    if (returnTimer) window.clearTimeout(returnTimer);
    var done = document.querySelector("[data-return-after]");
    if (done) {
      returnTimer = window.setTimeout(
        goToStart, 1000 * parseInt(done.getAttribute("data-return-after"), 10)
      );
    }
    var focus = document.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "kiosk-layer") return;  // not a screen
    initScreen();
  });
  // Back or Forward may bring a screen out of the browser's memory (back/forward cache) as the
  // last person left it: open the start screen instead.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    forgetScreen();
    navigate(startUrl);
  });
  initScreen();
})();
