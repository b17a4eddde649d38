// Lyssna's small script: Gmail-style keys for the daily review, in-place updates, the toast, the
// reason and snooze dialogs. Everything also works without it (plain forms, links and the toast's
// Undo form); this only saves clicks. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var text = {};
  var current = -1;
  // The last change made from this tab: {ids, rows: [{id, index, node}]}. `u` takes it back.
  var last = null;
  var toastTimer = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function list() { return $("ol.mentions"); }
  function rows() { return $$("li.mention-row"); }
  function article() { return $("article.mention"); }

  // ---- cursor and selection ------------------------------------------------------------------

  function setCursor(i, scroll) {
    var all = rows();
    if (all.length === 0) { current = -1; return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (r, j) { r.classList.toggle("current", j === current); });
    if (scroll !== false) { all[current].scrollIntoView({ block: "nearest" }); }
  }

  function cursorRow() {
    var all = rows();
    if (current < 0 && all.length > 0) { setCursor(0); }
    return rows()[current] || null;
  }

  function box(row) { return $("input[type=checkbox][name=id]", row); }

  function selectedIds() {
    return rows().filter(function (r) { var b = box(r); return b && b.checked; })
      .map(function (r) { return r.dataset.id; });
  }

  function selectionChanged() {
    var n = selectedIds().length;
    document.body.classList.toggle("has-selection", n > 0);
    var all = $("#select-all");
    if (all) { all.checked = n > 0 && n === rows().length; }
    var count = $(".bulk .bulk-count");
    if (count) { count.textContent = count.dataset.label.replace("{n}", n); }
  }

  function clearSelection() {
    rows().forEach(function (r) { var b = box(r); if (b) { b.checked = false; } });
    selectionChanged();
  }

  // The mentions a key acts on: the selection when there is one, else the cursor's row.
  function targets() {
    var ids = selectedIds();
    if (ids.length > 0) { return ids; }
    var r = cursorRow();
    return r ? [r.dataset.id] : [];
  }

  // ---- the toast -------------------------------------------------------------------------------

  function toast(message, options) {
    var t = $("#toast");
    if (!t) { return; }
    options = options || {};
    t.hidden = false;
    t.classList.toggle("error", !!options.error);
    $(".toast-text", t).textContent = message;
    $$(".toast-undo", t).forEach(function (f) { f.remove(); });
    if (options.undo) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "link toast-undo";
      b.textContent = (text.undo || "Undo") + " (u)";
      b.addEventListener("click", undo);
      t.appendChild(b);
    }
    if (toastTimer) { clearTimeout(toastTimer); }
    toastTimer = setTimeout(function () { t.hidden = true; }, options.error ? 15000 : 10000);
  }

  function updateCounts(c) {
    if (!c) { return; }
    var n = $("#count-new"); if (n) { n.textContent = c.new; }
    var s = $("#count-snoozed"); if (s) { s.textContent = c.snoozed; }
    var h = $("#count-held"); if (h && c.held_back !== undefined) { h.textContent = c.held_back; }
    var crit = $("#count-crit");
    if (crit) {
      var num = $(".n", crit); if (num) { num.textContent = c.new_criticism; }
      crit.hidden = c.new_criticism === 0;
    }
  }

  // ---- talking to Lyssna -------------------------------------------------------------------------

  function post(url, fields) {
    var data = new URLSearchParams();
    data.append("csrf_token", document.body.dataset.csrf || "");
    data.append("back", location.pathname + location.search);
    fields.forEach(function (kv) { data.append(kv[0], kv[1]); });
    return fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-Lyssna-Fetch": "1" },
      credentials: "same-origin"
    }).then(function (resp) {
      if (resp.status === 401 || resp.redirected) { throw new Error(text.sessionEnded); }
      return resp.json().catch(function () { throw new Error(text.networkFailed); }).then(function (body) {
        if (!resp.ok && !(body.done && body.done.length)) {
          throw new Error(body.error || (body.refused && body.refused[0] && body.refused[0].error) || body.toast || text.networkFailed);
        }
        return body;
      });
    }, function () { throw new Error(text.networkFailed); });
  }

  function freshNode(html) {
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function belongsHere(status, held) {
    var l = list();
    var wanted = l ? l.dataset.filterStatus : "all";
    // "Probably not about us" lists only what is still held back.
    if (l && l.dataset.held === "1" && held === false) { return false; }
    return wanted === "all" || wanted === status;
  }

  // Applies a change's answer: rows that left this view go, the others are replaced in place.
  function applyChange(body) {
    var all = rows();
    var removed = [];
    (body.done || []).forEach(function (d) {
      var row = document.getElementById("row-" + d.id);
      if (!row) { return; }
      var index = all.indexOf(row);
      if (belongsHere(d.status, d.held)) {
        row.replaceWith(freshNode(d.row));
      } else {
        removed.push({ id: d.id, index: index });
        row.remove();
      }
    });
    return removed;
  }

  function act(fields) {
    var ids = targets();
    if (ids.length === 0) { return; }
    var before = current;
    var send = fields.concat(ids.map(function (id) { return ["id", id]; }));
    post("/mentions/bulk", send).then(function (body) {
      var removed = applyChange(body);
      last = { ids: body.undo || [], removed: removed };
      try { sessionStorage.setItem("lyssna-last", JSON.stringify(last.ids)); } catch (e) { /* private mode */ }
      clearSelection();
      // The cursor stays in its place: on the same mention, or on the one that moved up into it.
      setCursor(before - removed.filter(function (r) { return r.index < before; }).length);
      updateCounts(body.counts);
      var problem = (body.refused || []).length > 0;
      toast(body.toast, { undo: (body.undo || []).length > 0, error: problem && !(body.done || []).length });
    }).catch(function (e) { toast(e.message, { error: true }); });
  }

  function undo() {
    var ids = last ? last.ids : null;
    if (!ids) {
      try { ids = JSON.parse(sessionStorage.getItem("lyssna-last") || "null"); } catch (e) { ids = null; }
    }
    if (!ids || ids.length === 0) { toast(text.nothingToUndo, { error: true }); return; }
    var remembered = last ? last.removed : [];
    last = null;
    try { sessionStorage.removeItem("lyssna-last"); } catch (e) { /* private mode */ }
    post("/mentions/undo", ids.map(function (id) { return ["id", id]; })).then(function (body) {
      var l = list();
      var first = null;
      (body.done || []).forEach(function (d) {
        var node = freshNode(d.row);
        var row = document.getElementById("row-" + d.id);
        if (row) {
          row.replaceWith(node);
        } else if (l && belongsHere(d.status, d.held) && remembered.length > 0) {
          var place = remembered.filter(function (r) { return r.id === d.id; })[0];
          var at = place ? place.index : rows().length;
          var ref = rows()[at] || null;
          l.insertBefore(node, ref);
        } else {
          node = null;
        }
        if (node && !first) { first = node; }
      });
      updateCounts(body.counts);
      toast(body.toast, { error: (body.refused || []).length > 0 && !(body.done || []).length });
      if ((!l || remembered.length === 0) && (body.done || []).length && !first) {
        // Where they stood is not known here (the change came from another page, or the inbox
        // was empty): let Lyssna draw the list, the cursor on the first of them.
        location.hash = "row-" + body.done[0].id;
        location.reload();
        return;
      }
      if (first) { setCursor(rows().indexOf(first)); }
    }).catch(function (e) { toast(e.message, { error: true }); });
  }

  // ---- dialogs (one component: a <dialog> whose buttons carry the answer) -------------------

  // Opens `dialog`, resolves with {value, form} when a choice is made, or null when cancelled.
  function pick(dialog, validate) {
    return new Promise(function (resolve) {
      var form = $("form", dialog);
      var onKey = function (e) {
        if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) { return; }
        var b = $("button[data-key='" + e.key + "']", dialog);
        if (b) { e.preventDefault(); b.click(); }
      };
      var onSubmit = function (e) {
        var value = e.submitter ? e.submitter.value : "";
        if (value && validate && !validate(value, form)) { e.preventDefault(); }
      };
      var onClose = function () {
        dialog.removeEventListener("keydown", onKey);
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue ? { value: dialog.returnValue, form: form } : null);
      };
      dialog.returnValue = "";
      dialog.addEventListener("keydown", onKey);
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("close", onClose);
      dialog.showModal();
      var firstChoice = $(".choices button", dialog);
      if (firstChoice) { firstChoice.focus(); }
    });
  }

  function askReason() {
    var dialog = $("#reason-dialog");
    var noteLabel = $("label.note", dialog);
    var note = $("input[name=note]", dialog);
    var confirm = $("button.confirm", dialog);
    note.value = "";
    noteLabel.hidden = true;
    confirm.hidden = true;
    var chosen = null;
    return pick(dialog, function (value) {
      // "Other" needs a note: show the field, and wait for OK.
      if (value === "other" || (value === "ok" && chosen === "other")) {
        chosen = "other";
        if (note.value.trim() === "") {
          noteLabel.hidden = false;
          confirm.hidden = false;
          note.required = true;
          note.focus();
          return false;
        }
      }
      return true;
    }).then(function (answer) {
      note.required = false;
      if (!answer) { return null; }
      var reason = answer.value === "ok" ? chosen : answer.value;
      return { reason: reason, note: reason === "other" ? note.value.trim() : "" };
    });
  }

  function askSnooze() {
    return pick($("#snooze-dialog")).then(function (answer) {
      if (!answer) { return null; }
      if (answer.value !== "pick") { return answer.value; }
      var day = $("input[name=until_date]", answer.form).value;
      var time = $("input[name=until_time]", answer.form).value || "08:00";
      return day ? day + "T" + time : null;
    });
  }

  // ---- the keys ---------------------------------------------------------------------------------

  function onMentionPage(kind, extra) {
    var a = article();
    var form = $("form.act-" + kind, a);
    if (!form) { return; }
    Object.keys(extra || {}).forEach(function (k) {
      var el = $("[name=" + k + "]", form);
      if (!el || el.type === "submit") {
        el = document.createElement("input");
        el.type = "hidden"; el.name = k;
        form.insertBefore(el, form.firstChild);
      }
      el.value = extra[k];
    });
    form.submit();
  }

  function replied() {
    if (article()) { onMentionPage("replied"); return; }
    act([["status", "replied"]]);
  }

  function noReply(reason) {
    var go = function (r) {
      if (!r) { return; }
      if (article()) { onMentionPage("noreply", { reason: r.reason, note: r.note }); return; }
      act([["status", "no_reply_needed"], ["reason", r.reason], ["note", r.note]]);
    };
    if (reason) { go({ reason: reason, note: "" }); } else { askReason().then(go); }
  }

  function aboutUs() {
    if (article()) { onMentionPage("about-us"); return; }
    act([["status", "about_us"]]);
  }

  function snooze() {
    askSnooze().then(function (until) {
      if (!until) { return; }
      if (article()) { onMentionPage("snooze", { until: until }); return; }
      act([["status", "snoozed"], ["until", until]]);
    });
  }

  function undoKey() {
    // A toast drawn by Lyssna after a form post (on the page it moved on to) undoes that change.
    var fromServer = $("#toast form.toast-undo");
    if (fromServer && article()) { fromServer.submit(); return; }
    var a = article();
    if (a) {
      var f = $("form.act-undo", a);
      if (f) { f.submit(); } else { toast(text.nothingToUndo, { error: true }); }
      return;
    }
    undo();
  }

  function openOriginal() {
    var a = article();
    var url = a ? ($("a.original", a) || {}).href : (cursorRow() || { dataset: {} }).dataset.url;
    if (url) { window.open(url, "_blank", "noopener"); }
  }

  function openMention() {
    var r = cursorRow();
    if (r) { location.href = "/mentions/" + encodeURIComponent(r.dataset.id); }
  }

  function toggleAll() {
    var all = rows();
    var on = selectedIds().length !== all.length;
    all.forEach(function (r) { var b = box(r); if (b) { b.checked = on; } });
    selectionChanged();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if ($("dialog[open]")) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (e.target && e.target.isContentEditable)) {
      if (e.key === "Escape" && e.target.blur) { e.target.blur(); }
      return;
    }
    var r;
    switch (e.key) {
      case "j":
        if (article()) { var next = $("a[rel=next].next"); if (next) { location.href = next.href; } }
        else { setCursor(current + 1); }
        break;
      case "k": setCursor(current - 1); break;
      case "Enter":
        // On a link or a button, Enter does what it always does.
        if (/^(A|BUTTON)$/.test(tag)) { return; }
        if (article()) { openOriginal(); } else { openMention(); }
        break;
      case "o": openOriginal(); break;
      case "r": replied(); break;
      case "n": case "e": noReply(); break;
      case "#": noReply("not_about_us"); break;
      case "a": aboutUs(); break;
      case "!": noReply("spam"); break;
      case "s": case "b": snooze(); break;
      case "u": case "z": undoKey(); break;
      case "x":
        r = cursorRow();
        if (r) { var b = box(r); if (b) { b.checked = !b.checked; selectionChanged(); } }
        break;
      case "*": toggleAll(); break;
      case "/":
        var q = $("#q");
        if (q) { q.focus(); q.select(); }
        break;
      case "?": $("#help").showModal(); break;
      case "Escape": clearSelection(); break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) { return; }
    if (t.closest("button.print")) { window.print(); return; }
    if (t.closest(".clear-selection")) { clearSelection(); return; }
    var row = t.closest("li.mention-row");
    if (row && !t.closest("a, button, input, label, form")) { setCursor(rows().indexOf(row), false); }
  });

  document.addEventListener("change", function (e) {
    if (e.target.id === "select-all") {
      var on = e.target.checked;
      rows().forEach(function (r) { var b = box(r); if (b) { b.checked = on; } });
    }
    if (e.target.name === "id" || e.target.id === "select-all") { selectionChanged(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var t = $("#lyssna-text");
    if (t) {
      text = {
        undo: t.dataset.undo,
        nothingToUndo: t.dataset.nothingToUndo,
        sessionEnded: t.dataset.sessionEnded,
        networkFailed: t.dataset.networkFailed
      };
    }
    $$(".select-all, .clear-selection").forEach(function (el) { el.hidden = false; });
    // On a phone the rows to confirm come first; what was learnt is one tap away.
    var learned = $("details.learned");
    if (learned && window.innerWidth < 700) { learned.open = false; }
    var count = $(".bulk .bulk-count");
    if (count) { count.dataset.label = count.dataset.label || count.textContent; }
    // The server-rendered toast: its Undo form works without script; with it, `u` does the same.
    var undoForm = $("#toast form.toast-undo");
    if (undoForm) {
      last = { ids: $$("input[name=id]", undoForm).map(function (i) { return i.value; }), removed: [] };
    }
    if (!$("#toast").hidden) { toastTimer = setTimeout(function () { $("#toast").hidden = true; }, 10000); }
    var fromHash = location.hash.indexOf("#row-") === 0 ? document.getElementById(location.hash.slice(1)) : null;
    if (rows().length > 0) { setCursor(fromHash ? rows().indexOf(fromHash) : 0, !!fromHash); }
    selectionChanged();
  });
})();
