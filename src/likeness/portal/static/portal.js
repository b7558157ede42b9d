// Likeness portal: small behaviours for every page. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Dates: <time datetime="…" data-style="date|datetime"> shown in the viewer's locale.
  function localTimes(root) {
    var nodes = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      var dateOnly = node.getAttribute("data-style") === "date";
      var format = dateOnly
        ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" })
        : new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
      node.textContent = format.format(when);
      node.title = node.getAttribute("datetime");
    }
  }

  // A form with data-confirm asks first (revoking, rejecting).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Long work: show the form's progress indicator and keep the button from a second click.
    form.classList.add("busy");
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-busy", "true");
  });

  // Back/forward cache: a page restored after a submit is usable again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form.busy");
    for (var i = 0; i < forms.length; i++) {
      forms[i].classList.remove("busy");
      var buttons = forms[i].querySelectorAll("button[aria-busy]");
      for (var j = 0; j < buttons.length; j++) buttons[j].removeAttribute("aria-busy");
    }
  });

  // A drop zone (.drop) around a file input: dropping a file picks it.
  function dropZones(root) {
    var zones = root.querySelectorAll(".drop");
    for (var i = 0; i < zones.length; i++) {
      (function (zone) {
        var input = zone.querySelector("input[type=file]");
        if (!input) return;
        zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
        zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
        zone.addEventListener("drop", function (e) {
          e.preventDefault();
          zone.classList.remove("over");
          if (e.dataTransfer && e.dataTransfer.files.length) {
            input.files = e.dataTransfer.files;
            if (zone.hasAttribute("data-autosubmit") && input.form) input.form.requestSubmit();
          }
        });
      })(zones[i]);
    }
  }

  // A file input with data-max-bytes refuses a file over the limit before it is sent.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    var tooBig = file && limit && file.size > limit;
    input.setCustomValidity(tooBig ? "This file is over the " + Math.floor(limit / 1048576) + " MB limit." : "");
    if (tooBig) input.reportValidity();
  });

  function ready(root) { localTimes(root); dropZones(root); }
  document.addEventListener("DOMContentLoaded", function () { ready(document); });
  document.addEventListener("htmx:afterSwap", function (e) { ready(e.target); });
})();
