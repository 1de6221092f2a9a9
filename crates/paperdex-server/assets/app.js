// paperdex progressive enhancement. Every page works without this file; it
// adds search-as-you-type suggestions, "/" to focus the search box and a
// copy button for BibTeX. No external requests, no framework.
(function () {
  "use strict";

  // "/" focuses the search box, as on many sites; not while typing elsewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    var box = document.querySelector("input[data-suggest]");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });

  // Search as you type: titles of the best lexical hits, as links.
  var box = document.querySelector("input[data-suggest]");
  var list = document.getElementById("suggest-q");
  if (box && list) {
    var timer = null, seq = 0;
    var hide = function () { list.hidden = true; box.setAttribute("aria-expanded", "false"); };
    box.setAttribute("aria-controls", "suggest-q");
    box.setAttribute("aria-autocomplete", "list");
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var q = box.value.trim();
      if (q.length < 2) { hide(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch("/api/search?mode=lexical&k=6&q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
          .then(function (data) {
            if (mine !== seq) return;
            list.textContent = "";
            (data.hits || []).forEach(function (h) {
              var li = document.createElement("li");
              li.setAttribute("role", "option");
              var a = document.createElement("a");
              a.href = "/papers/" + encodeURIComponent(h.id);
              a.textContent = h.title + (h.year ? " (" + h.year + ")" : "");
              li.appendChild(a);
              list.appendChild(li);
            });
            list.hidden = list.children.length === 0;
            box.setAttribute("aria-expanded", String(!list.hidden));
          })
          .catch(hide);
      }, 150);
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("a");
        if (first) { e.preventDefault(); first.focus(); }
      } else if (e.key === "Escape") { hide(); }
    });
    list.addEventListener("keydown", function (e) {
      var items = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = items.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < items.length - 1) { e.preventDefault(); items[i + 1].focus(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? items[i - 1] : box).focus(); }
      else if (e.key === "Escape") { hide(); box.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (!list.contains(e.target) && e.target !== box) hide();
    });
  }

  // Copy buttons: shown only when the clipboard can be used.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy BibTeX"; }, 1500);
      }, function () { button.textContent = "Copy failed: select the text"; });
    });
  });
})();
