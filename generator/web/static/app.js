// Progress for anything over a second: a form marked data-progress shows its message and
// disables its buttons while the server works. A form with a `job` field also gets a job token
// (a random UUID) when it is sent, and the page asks /progress/TOKEN about once a second where
// the job stands, in words put in the form's status line (role=status: a screen reader says
// them). Without this script the form posts all the same. No inline script anywhere (see the CSP).
"use strict";
(function () {
  var POLL_MS = 1000;
  var timer = null;

  function newToken() {
    if (typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);  // randomUUID needs https; getRandomValues does not
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80;  // the RFC 4122 variant
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function stop() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
  }

  function json(response) {
    var type = response.headers.get("content-type") || "";
    return response.ok && !response.redirected && type.indexOf("application/json") === 0 ? response.json() : null;
  }

  function poll(url, status) {
    timer = window.setTimeout(function () {
      fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
        .then(json)
        .then(function (answer) {
          if (timer === null) { return; }  // the page is being left
          if (!answer || typeof answer.text !== "string") { stop(); return; }  // signed out, refused
          if (answer.state !== "unknown" && status.textContent !== answer.text) { status.textContent = answer.text; }
          if (answer.state === "done" || answer.state === "failed") { stop(); return; }  // the page comes next
          poll(url, status);
        })
        .catch(function () { if (timer !== null) { poll(url, status); } });  // the network blinked: ask again
    }, POLL_MS);
  }

  function reset(form) {
    var status = form.querySelector(".progress");
    if (status) { status.textContent = ""; }
    var job = form.querySelector("input[name=job]");
    if (job) { job.value = ""; }
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-progress");
    if (!message || event.defaultPrevented) { return; }
    var status = form.querySelector(".progress");
    if (status) { status.textContent = message; status.hidden = false; }
    var buttons = form.querySelectorAll("button[type=submit]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.setAttribute("aria-busy", "true");
      window.setTimeout(function () { button.disabled = true; }, 0);  // after the form took the pressed button's value
    });
    var job = form.querySelector("input[name=job]");
    if (job && status && window.crypto) {
      job.value = newToken();  // the form's fields are read after this handler: the token goes with them
      stop();
      poll("/progress/" + job.value, status);
    }
  });
  window.addEventListener("pagehide", stop);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {  // back from the browser's page cache: the forms are usable again
      stop();
      Array.prototype.forEach.call(document.querySelectorAll("form[data-progress]"), reset);
    }
  });
}());
