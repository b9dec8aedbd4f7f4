/* Học bạ số — small behaviours on top of htmx: cell save states and retries, keyboard moves in grids,
   the comment bank. Everything works without this file; it only makes entry faster and safer. */
(function () {
  "use strict";
  var RETRY_MS = [1000, 2000, 5000, 10000, 20000];

  function cellOf(el) { return el && el.closest ? el.closest("form.cell") : null; }
  function setState(form, state, text) {
    form.dataset.state = state;
    var s = form.querySelector(".state");
    if (s && text !== undefined) s.textContent = text;
  }

  // Typing marks a cell unsaved until the server answers.
  document.addEventListener("input", function (e) {
    var f = cellOf(e.target);
    if (f && e.target.name === "value") setState(f, "dirty", "Chưa lưu");
  });
  document.addEventListener("htmx:before:request", function (e) {
    var f = cellOf(e.target);
    if (f) setState(f, "saving", "Đang lưu…");
  });

  // A lost connection (or a server error) must never lose what was typed: keep it, say so, retry.
  function retry(form) {
    var n = Number(form.dataset.retries || 0);
    form.dataset.retries = n + 1;
    setTimeout(function () {
      var current = document.getElementById(form.id);
      if (current && current.dataset.state === "unsaved" && navigator.onLine !== false) htmx.trigger(current, "change");
    }, RETRY_MS[Math.min(n, RETRY_MS.length - 1)]);
  }
  function failed(e) {
    var f = cellOf(e.target);
    if (!f) return;
    var status = e.detail && e.detail.ctx && e.detail.ctx.response ? e.detail.ctx.response.status : 0;
    if (status && status < 500) return;  // 4xx: the server answered with a message in the cell
    setState(f, "unsaved", "Chưa lưu — mất kết nối, đang thử lại…");
    retry(f);
  }
  document.addEventListener("htmx:error", failed);
  document.addEventListener("htmx:response:error", failed);
  document.addEventListener("htmx:after:swap", function (e) {
    var f = cellOf(e.target);
    if (f && f.dataset.state !== "unsaved") f.dataset.retries = 0;
  });
  window.addEventListener("online", function () {
    document.querySelectorAll('form.cell[data-state="unsaved"]').forEach(function (f) { htmx.trigger(f, "change"); });
  });
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector('form.cell[data-state="unsaved"], form.cell[data-state="dirty"], form.cell[data-state="saving"]')) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  // Print buttons (no inline onclick: the Content-Security-Policy forbids inline handlers).
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
  });

  // Keyboard: ↑/↓ (and Enter in one-line inputs) move to the same column in the previous/next row.
  document.addEventListener("keydown", function (e) {
    var grid = e.target.closest && e.target.closest("table.grid");
    if (!grid || !e.target.matches("select, input, textarea")) return;
    var down = e.key === "ArrowDown" || (e.key === "Enter" && e.target.tagName === "INPUT");
    var up = e.key === "ArrowUp";
    if (e.target.tagName === "SELECT" && !e.altKey && (up || down)) { /* arrows move rows, T/H/C keys pick */ }
    else if (e.target.tagName === "TEXTAREA" && !e.ctrlKey) return;
    if (!down && !up) return;
    var td = e.target.closest("td");
    var tr = td.parentElement;
    var col = Array.prototype.indexOf.call(tr.children, td);
    var next = up ? tr.previousElementSibling : tr.nextElementSibling;
    if (!next || !next.children[col]) return;
    var target = next.children[col].querySelector("select, input:not([type=hidden]), textarea");
    if (target) { e.preventDefault(); target.focus(); if (target.select) target.select(); }
  });
  // Typing T, H, C, Đ/D on a focused level picks it without opening the list.
  document.addEventListener("keydown", function (e) {
    if (!e.target.matches || !e.target.matches("select.level") || e.ctrlKey || e.metaKey) return;
    var key = e.key.toUpperCase() === "D" ? "Đ" : e.key.toUpperCase();
    var opt = Array.prototype.find.call(e.target.options, function (o) { return o.value === key; });
    if (opt) {
      e.preventDefault();
      if (e.target.value !== key) { e.target.value = key; e.target.dispatchEvent(new Event("change", { bubbles: true })); }
    }
  });

  // Comment bank: suggestions for the focused comment, following the level chosen in its row.
  // Looked up on every use: boosted navigation replaces the page's body, and with it the bank.
  var bank = null, panel = null, bankSource = null, activeComment = null;
  function refreshBank() {
    var el = document.getElementById("comment-bank");
    if (el !== bankSource) {
      bankSource = el;
      bank = el ? JSON.parse(el.textContent) : null;
    }
    panel = document.getElementById("bank-panel");
  }

  function rowOf(el) { return el.closest("[data-pupil]"); }
  function levelFor(textarea) {
    var row = textarea.closest("tr") || textarea.closest(".pupil-card");
    var holder = textarea.closest("[data-group]");
    var group = holder ? holder.dataset.group : "";
    if (group) {
      // qualities: the commonest level among the group's items in this row
      var counts = {}, best = "", n = 0;
      row.querySelectorAll('[data-group="' + group + '"] select.level').forEach(function (s) {
        if (s.value) counts[s.value] = (counts[s.value] || 0) + 1;
      });
      Object.keys(counts).forEach(function (k) { if (counts[k] > n) { best = k; n = counts[k]; } });
      return { group: group, level: best };
    }
    var select = row ? row.querySelector("select.level") : null;
    return { group: "", level: select ? select.value : "" };
  }
  function showBank(textarea) {
    refreshBank();
    if (!bank || !panel) return;
    activeComment = textarea;
    var row = rowOf(textarea);
    var given = row ? row.dataset.given : "";
    var which = levelFor(textarea);
    var source = which.group ? (bank[which.group] || {}) : bank;
    var texts = (source[which.level] || []).concat(source[""] || []);
    var list = document.getElementById("bank-list");
    list.innerHTML = "";
    document.getElementById("bank-for").textContent = which.level ? "mức " + which.level : "chọn mức để có gợi ý phù hợp";
    texts.forEach(function (t) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.textContent = t.split("{ten}").join(given);
      b.dataset.insert = b.textContent;
      li.appendChild(b);
      list.appendChild(li);
    });
    panel.hidden = false;
  }
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("textarea.comment")) showBank(e.target);
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select.level") && activeComment && rowOf(e.target) === rowOf(activeComment)) showBank(activeComment);
  });
  document.addEventListener("mousedown", function (e) { if (e.target.closest && e.target.closest("#bank-panel")) e.preventDefault(); });
  document.addEventListener("click", function (e) {
    var chip = e.target.closest && e.target.closest("[data-insert]");
    if (chip && activeComment) {
      var ta = document.getElementById(activeComment.id) || activeComment;
      ta.value = chip.dataset.insert;
      ta.dispatchEvent(new Event("input", { bubbles: true }));
      ta.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    if (e.target.id === "bank-save" && activeComment && activeComment.value.trim()) {
      refreshBank();
      var form = activeComment.closest("form");
      var data = new FormData();
      data.append("text", activeComment.value);
      data.append("level", levelFor(activeComment).level);
      data.append("group", levelFor(activeComment).group);
      var sid = form.querySelector('input[name="subject_id"]');
      if (sid) data.append("subject_id", sid.value);
      data.append("pupil_id", form.querySelector('input[name="pupil_id"]').value);
      data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
      fetch(panel.dataset.saveUrl, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (t) { document.getElementById("bank-for").textContent = t; });
    }
  });
})();
