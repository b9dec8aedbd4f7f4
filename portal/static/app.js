/* Học bạ số — small behaviours on top of htmx: cell save states and retries, keyboard moves in grids,
   the comment bank, moving through a class on a phone without losing a save. Everything works without
   this file; it only makes entry faster and safer. */
(function () {
  "use strict";
  var RETRY_MS = [1000, 2000, 5000, 10000, 20000];
  var PENDING = 'form.cell[data-state="dirty"], form.cell[data-state="saving"]';

  function cellOf(el) { return el && el.closest ? el.closest("form.cell") : null; }
  function setState(form, state, text) {
    form.dataset.state = state;
    var s = form.querySelector(".state");
    if (s && text !== undefined) s.textContent = text;
  }
  function save(form) { if (window.htmx) htmx.trigger(form, "change"); }

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
      if (current && current.dataset.state === "unsaved" && navigator.onLine !== false) save(current);
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
    document.querySelectorAll('form.cell[data-state="unsaved"]').forEach(save);
  });
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector(PENDING + ', form.cell[data-state="unsaved"]')) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  // Print buttons (no inline onclick: the Content-Security-Policy forbids inline handlers).
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
  });

  // A cell is never submitted as a page: that would save it twice and reload at the top. Its submit
  // button ("Gửi đề nghị") sends it the htmx way, once: not again while the same values are on the way.
  document.addEventListener("submit", function (e) {
    var f = e.target.matches && e.target.matches("form.cell") ? e.target : null;
    if (!f || !window.htmx || !f.hasAttribute("hx-post")) return;
    e.preventDefault();
    e.stopPropagation();
    if (f.dataset.state !== "saving") save(f);
  }, true);

  // Tapping a score selects it: typing 7 over 8 gives 7, not 87.
  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t.matches && t.matches("form.cell input.score")) {
      t.select();
      setTimeout(function () { if (document.activeElement === t) t.select(); }, 0);
    }
  });
  document.addEventListener("mouseup", function (e) {
    // The mouseup of the tap that focused the field would put the caret back; keep the selection.
    var t = e.target;
    if (t.matches && t.matches("form.cell input.score") && t.selectionStart === t.selectionEnd && t.dataset.justFocused) e.preventDefault();
  });
  document.addEventListener("pointerdown", function (e) {
    var t = e.target;
    if (t.matches && t.matches("form.cell input.score") && document.activeElement !== t) {
      t.dataset.justFocused = "1";
      setTimeout(function () { delete t.dataset.justFocused; }, 600);
    }
  });

  function fieldsIn(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll("form.cell input.score, form.cell textarea.comment, form.cell select.level, form.cell fieldset.seg input:checked"),
      function (el) { return !el.disabled; });
  }

  // Keyboard: ↑/↓ (and Enter in one-line inputs) move to the same column in the previous/next row. Enter
  // on the last row, or in the phone card, moves on (or leaves the field) instead of submitting.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches("select, input, textarea") || !cellOf(t)) return;
    var enter = e.key === "Enter" && t.tagName === "INPUT" && !e.isComposing;
    var grid = t.closest("table.grid");
    if (!grid) {
      if (!enter) return;
      e.preventDefault();
      var all = fieldsIn(t.closest(".pupil-card") || document);
      var next = all[all.indexOf(t) + 1];
      if (next) next.focus(); else t.blur();  // blur fires change: the value is saved once
      return;
    }
    var down = e.key === "ArrowDown" || enter;
    var up = e.key === "ArrowUp";
    if (t.tagName === "TEXTAREA" && !e.ctrlKey) return;
    if (!down && !up) return;
    var td = t.closest("td");
    var tr = td.parentElement;
    var col = Array.prototype.indexOf.call(tr.children, td);
    var row = up ? tr.previousElementSibling : tr.nextElementSibling;
    var target = row && row.children[col] ? row.children[col].querySelector("select, input:not([type=hidden]), textarea") : null;
    if (target) { e.preventDefault(); target.focus(); if (target.select) target.select(); }
    else if (enter) { e.preventDefault(); t.blur(); }
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

  // ---- Comment bank -------------------------------------------------------------------------------
  // Looked up on every use: boosted navigation replaces the page's body, and with it the bank.
  var bank = null, bankSource = null, activeComment = null;
  function refreshBank() {
    var el = document.getElementById("comment-bank");
    if (el !== bankSource) {
      bankSource = el;
      bank = el ? JSON.parse(el.textContent) : null;
    }
    return el;
  }
  function rowOf(el) { return el.closest("[data-pupil]"); }
  function levelOf(container) {
    if (!container) return "";
    var s = container.querySelector("select.level");
    if (s) return s.value;
    var r = container.querySelector("fieldset.seg.level input:checked");
    return r ? r.value : "";
  }
  function levelFor(textarea) {
    var row = textarea.closest("tr") || textarea.closest(".pupil-card");
    var holder = textarea.closest("[data-group]");
    var group = holder ? holder.dataset.group : "";
    if (group) {
      // qualities: the commonest level among the group's items in this row
      var counts = {}, best = "", n = 0;
      row.querySelectorAll('[data-group="' + group + '"]').forEach(function (h) {
        var v = levelOf(h);
        if (v) counts[v] = (counts[v] || 0) + 1;
      });
      Object.keys(counts).forEach(function (k) { if (counts[k] > n) { best = k; n = counts[k]; } });
      return { group: group, level: best };
    }
    return { group: "", level: levelOf(row) };
  }
  function fillList(holder, textarea) {
    refreshBank();
    if (!bank || !holder || !textarea) return;
    var row = rowOf(textarea);
    var given = row ? row.dataset.given : "";
    var which = levelFor(textarea);
    var source = which.group ? (bank[which.group] || {}) : bank;
    var texts = (source[which.level] || []).concat(source[""] || []);
    var list = holder.querySelector(".bank-list");
    list.innerHTML = "";
    holder.querySelector(".bank-for").textContent = which.level ? "mức " + which.level : "chọn mức để có gợi ý phù hợp";
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
  }
  function inlineFor(textarea) {
    var id = textarea.id;
    return document.querySelector('.bank-inline[data-for="' + id + '"]');
  }
  function targetOf(holder) {
    if (holder.classList.contains("bank-inline")) return document.getElementById(holder.dataset.for);
    return activeComment ? (document.getElementById(activeComment.id) || activeComment) : null;
  }
  // The phone card: suggestions are always shown, above their comment, for the level chosen.
  function renderInline(root) {
    (root || document).querySelectorAll(".bank-inline").forEach(function (holder) {
      fillList(holder, document.getElementById(holder.dataset.for));
    });
  }
  // A grid: one panel at the bottom of the screen, for the focused comment, never covering it.
  function showPanel(textarea) {
    var panel = document.getElementById("bank-panel");
    if (!panel) return;
    activeComment = textarea;
    fillList(panel, textarea);
    panel.hidden = false;
    document.body.style.paddingBottom = panel.offsetHeight + "px";
    var field = textarea.getBoundingClientRect(), top = panel.getBoundingClientRect().top;
    if (field.bottom > top - 8) window.scrollBy(0, field.bottom - top + 16);
  }
  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t.matches && t.matches("textarea.comment") && !inlineFor(t)) showPanel(t);
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches("select.level, fieldset.seg.level input")) return;
    var row = rowOf(t);
    if (activeComment && row === rowOf(activeComment) && document.getElementById("bank-panel")) showPanel(activeComment);
    if (row) renderInline(row);
  });
  document.addEventListener("mousedown", function (e) {
    // The grid's panel keeps the focus in the comment being typed.
    if (e.target.closest && e.target.closest("#bank-panel")) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var holder = e.target.closest && e.target.closest(".bank-inline, #bank-panel");
    if (!holder) return;
    var ta = targetOf(holder);
    var chip = e.target.closest("[data-insert]");
    if (chip && ta) {
      ta.value = chip.dataset.insert;
      var f = cellOf(ta);
      if (f) setState(f, "dirty", "Chưa lưu");
      ta.dispatchEvent(new Event("change", { bubbles: true }));  // one save; no "input" so no second one
      return;
    }
    if (e.target.closest(".bank-save")) saveTemplate(holder, ta);
  });
  function saveTemplate(holder, ta) {
    var msg = holder.querySelector(".bank-msg");
    var source = refreshBank();
    if (!ta || !ta.value.trim()) { msg.textContent = "Nhập nhận xét trước khi lưu làm mẫu."; return; }
    var form = cellOf(ta), row = rowOf(ta), which = levelFor(ta);
    var data = new FormData();
    data.append("text", ta.value);
    data.append("level", which.level);
    data.append("group", which.group);
    var subject = ta.closest("[data-subject]") || document.querySelector("[data-subject]");
    var target = form ? form.getAttribute("action").split("/")[6] || "" : "";
    if (target.charAt(0) === "s") data.append("subject_id", target.slice(1));
    else if (subject) data.append("subject_id", subject.dataset.subject);
    if (row && row.dataset.pupil) data.append("pupil_id", row.dataset.pupil);
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    msg.textContent = "Đang lưu…";
    fetch(source.dataset.saveUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (r) {
        msg.textContent = r.ok ? r.text : (r.text.length < 200 ? r.text : "Không lưu được nhận xét mẫu.");
        if (r.ok && bank) {  // offer it at once, like the next page will
          var mine = ta.value.split(row && row.dataset.given ? row.dataset.given : "\u0000").join("{ten}");
          var into = which.group ? (bank[which.group] = bank[which.group] || {}) : bank;
          (into[which.level] = into[which.level] || []).unshift(mine);
          renderInline();
        }
      })
      .catch(function () { msg.textContent = "Chưa lưu được — mất kết nối. Thử lại sau."; });
  }

  // ---- Moving through a class ------------------------------------------------------------------------
  // A link away from a page with a save on the way waits for it (a fast "Tiếp" right after a tap must
  // not lose the tap); a cell that could not be saved (no connection) keeps the teacher on the page.
  var waiting = null;
  function note(text) {
    var n = document.getElementById("nav-note");
    if (n) n.textContent = text;
  }
  window.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || a.target || a.hasAttribute("download")) return;
    if (a.dataset.flushed) { delete a.dataset.flushed; return; }
    if (a.getAttribute("href").charAt(0) === "#") return;
    var unsaved = document.querySelector('form.cell[data-state="unsaved"]');
    if (unsaved) {
      e.preventDefault(); e.stopImmediatePropagation();
      note("Còn ô chưa lưu được vì mất kết nối; đang thử lại. Vui lòng đợi lưu xong rồi chuyển.");
      unsaved.scrollIntoView({ block: "center" });
      return;
    }
    if (a.rel === "next" || a.rel === "prev") sessionStorage.setItem("hb-move", "1");
    if (!document.querySelector(PENDING) && !(document.activeElement && cellOf(document.activeElement))) return;
    e.preventDefault(); e.stopImmediatePropagation();
    if (document.activeElement && cellOf(document.activeElement) && document.activeElement.blur) document.activeElement.blur();
    if (waiting) return;
    var started = Date.now();
    waiting = setInterval(function () {
      document.querySelectorAll('form.cell[data-state="dirty"]').forEach(function (f) { if (!f.dataset.flushing) { f.dataset.flushing = "1"; save(f); } });
      var busy = document.querySelector(PENDING), lost = document.querySelector('form.cell[data-state="unsaved"]');
      if (busy && Date.now() - started < 15000 && !lost) { note("Đang lưu…"); return; }
      clearInterval(waiting); waiting = null;
      if (busy || lost) { note("Chưa lưu xong; vui lòng đợi rồi chuyển tiếp."); return; }
      note("");
      if (document.body.contains(a)) { a.dataset.flushed = "1"; a.click(); } else { window.location.href = a.href; }
    }, 60);
  }, true);

  // Arriving at the next pupil: the same kind of field as before has the focus (the score keypad stays up).
  document.addEventListener("focusin", function (e) {
    var f = cellOf(e.target);
    if (f && e.target.closest(".pupil-card") && e.target.matches("input.score, textarea.comment")) {
      sessionStorage.setItem("hb-field", f.id.split("-").pop());
    }
  });
  function arrive(root) {
    renderInline(root);
    var card = document.querySelector(".pupil-card");
    if (!card || !sessionStorage.getItem("hb-move")) return;
    sessionStorage.removeItem("hb-move");
    var kind = sessionStorage.getItem("hb-field");
    var el = kind === "score" ? card.querySelector("form.cell input.score") : kind === "comment" ? card.querySelector("form.cell textarea.comment") : null;
    if (el && !el.disabled) { el.focus({ preventScroll: true }); if (el.select) el.select(); }
  }
  document.addEventListener("htmx:after:settle", function (e) {
    if (!cellOf(e.target)) arrive(e.target);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { arrive(document); });
  else arrive(document);
})();
