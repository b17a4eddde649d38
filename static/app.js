// Lyssna's small script: keyboard shortcuts and in-place updates. Everything also works without it
// (plain forms and links); this only saves clicks. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.mention-row"));
  }

  function select(i) {
    var all = rows();
    if (all.length === 0) { current = -1; return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (r, j) { r.classList.toggle("current", j === current); });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function row() {
    var all = rows();
    if (current < 0 && all.length > 0) { select(0); }
    return rows()[current] || null;
  }

  function mentionContext() {
    // On a mention page, the article stands in for the current row.
    return document.querySelector("article.mention");
  }

  // What this tab changed last (kept across reloads of the tab, so `u` undoes the leader's own last
  // action, never someone else's or Lyssna's).
  var lastChanged = null;
  try { lastChanged = sessionStorage.getItem("lyssna-last-changed"); } catch (e) { lastChanged = null; }
  function remember(id) {
    lastChanged = id;
    try { sessionStorage.setItem("lyssna-last-changed", id); } catch (e) { /* private mode */ }
  }

  function flash(text) {
    var p = document.querySelector("p.flash");
    if (!p) {
      p = document.createElement("p");
      p.className = "flash";
      p.setAttribute("role", "status");
      var main = document.querySelector("main");
      main.parentNode.insertBefore(p, main);
    }
    p.textContent = text;
  }

  function post(form, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-Lyssna-Fetch": "1" },
      credentials: "same-origin"
    });
  }

  function updateRow(tr, form, extra) {
    if (!tr) { form.submit(); return; }
    post(form, extra).then(function (resp) {
      return resp.text().then(function (text) {
        if (!resp.ok || resp.redirected) { flash(resp.ok ? "Your session has ended; reload the page." : text); return; }
        remember(tr.dataset.id);
        var table = tr.closest("table");
        var wanted = table ? table.dataset.filterStatus : "all";
        var holder = document.createElement("tbody");
        holder.innerHTML = text.trim();
        var fresh = holder.querySelector("tr.mention-row");
        var count = document.getElementById("count-new");
        if (fresh && (wanted === "all" || fresh.dataset.status === wanted)) {
          tr.replaceWith(fresh);
        } else {
          // It left this view (the inbox shows new mentions only).
          var idx = rows().indexOf(tr);
          tr.remove();
          if (count && wanted === "new") { count.textContent = Math.max(0, parseInt(count.textContent, 10) - 1); }
          select(idx);
        }
      });
    }).catch(function () { form.submit(); });
  }

  function act(kind) {
    var article = mentionContext();
    var tr = article ? null : row();
    var scope = tr || article;
    if (!scope) { return; }
    var form = scope.querySelector("form.act-" + kind) || (tr && rowForm(tr, kind));
    if (!form) { return; }
    var extra = {};
    if (kind === "noreply") {
      var reasons = ["not_about_us", "spam", "handled_elsewhere", "praise_acknowledged", "other"];
      var answer = window.prompt("1 not_about_us · 2 spam · 3 handled_elsewhere · 4 praise_acknowledged · 5 other", "1");
      if (answer === null) { return; }
      var reason = reasons[parseInt(answer, 10) - 1] || (reasons.indexOf(answer) >= 0 ? answer : null);
      if (!reason) { return; }
      extra.reason = reason;
      if (reason === "other") {
        var note = window.prompt("Note", "");
        if (!note) { return; }
        extra.note = note;
      }
    }
    if (kind === "snooze") {
      var input = form.querySelector("input[name=until]");
      var until = window.prompt("YYYY-MM-DD", input ? input.value : "");
      if (!until) { return; }
      extra.until = until;
    }
    if (article) {
      Object.keys(extra).forEach(function (k) {
        var el = form.querySelector("[name=" + k + "]");
        if (el) { el.value = extra[k]; }
      });
      form.submit();
    } else {
      updateRow(tr, form, extra);
    }
  }

  // A form for a row's action that the row does not carry (no reply needed, snooze).
  function rowForm(tr, kind) {
    var status = { noreply: "no_reply_needed", snooze: "snoozed" }[kind];
    if (!status || tr.dataset.status === "replied" || tr.dataset.status === "no_reply_needed") { return null; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/mentions/" + encodeURIComponent(tr.dataset.id) + "/status";
    [["csrf_token", document.body.dataset.csrf || ""], ["back", location.pathname + location.search],
     ["status", status], ["reason", ""], ["note", ""],
     ["until", tomorrowLocal()]].forEach(function (kv) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = kv[0]; input.value = kv[1];
      form.appendChild(input);
    });
    form.style.display = "none";
    document.body.appendChild(form);
    return form;
  }

  // Tomorrow's date in the browser's time zone (toISOString would give the UTC date, which just after
  // midnight in Stockholm is still today).
  function tomorrowLocal() {
    var d = new Date(Date.now() + 86400000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function undo() {
    var article = mentionContext();
    if (article) {
      var f = article.querySelector("form.act-undo");
      if (f) { f.submit(); }
      return;
    }
    if (!lastChanged) { flash("Nothing to undo: no mention was changed from this tab."); return; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/mentions/" + encodeURIComponent(lastChanged) + "/undo";
    // One undo per action: a second `u` must not reach back to an older change.
    try { sessionStorage.removeItem("lyssna-last-changed"); } catch (e) { /* private mode */ }
    var csrf = document.createElement("input");
    csrf.type = "hidden"; csrf.name = "csrf_token"; csrf.value = document.body.dataset.csrf || "";
    var back = document.createElement("input");
    back.type = "hidden"; back.name = "back"; back.value = location.pathname + location.search;
    form.appendChild(csrf); form.appendChild(back);
    document.body.appendChild(form);
    form.submit();
  }

  function toggleHelp(show) {
    var help = document.getElementById("help");
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (e.target && e.target.isContentEditable)) { return; }
    var r;
    switch (e.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o":
      case "Enter":
        r = mentionContext() ? null : row();
        var url = r ? r.dataset.url : (mentionContext() && (document.querySelector("a.original") || {}).href);
        if (url) { window.open(url, "_blank", "noopener"); } else if (r && e.key === "Enter") { location.href = "/mentions/" + encodeURIComponent(r.dataset.id); }
        break;
      case "r": act("replied"); break;
      case "n": act("noreply"); break;
      case "s": act("snooze"); break;
      case "u": undo(); break;
      case "x":
        r = row();
        if (r) { var box = r.querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
        break;
      case "?": toggleHelp(); break;
      case "Escape": toggleHelp(false); break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t.closest && t.closest(".help-close")) { toggleHelp(false); }
    if (t.closest && t.closest("button.print")) { window.print(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (rows().length > 0) { select(0); }
  });
})();
