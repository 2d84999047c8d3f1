// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // GOV.UK pattern: move focus to the error summary so screen readers announce it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // The menu is open in the markup (so it works without JavaScript); on a phone it starts closed.
  var menu = document.querySelector("details.menu");
  if (menu && !window.matchMedia("(min-width: 48em)").matches) { menu.open = false; }
  // A notice's print button (no inline onclick: the Content-Security-Policy allows only this file).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
