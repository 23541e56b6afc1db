// Progress for anything over a second: a form marked data-progress shows its message and
// disables its button while the server works. No inline script anywhere (see the CSP).
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-progress");
  if (!message) { return; }
  var status = form.querySelector(".progress");
  if (status) { status.textContent = message; status.hidden = false; }
  var button = form.querySelector("button[type=submit]");
  if (button) { button.setAttribute("aria-busy", "true"); window.setTimeout(function () { button.disabled = true; }, 0); }
});
