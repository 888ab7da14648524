/* Moderator queue: keyboard decisions, reason picker, notes, undo, bulk and campaign actions, live counts. */
(function () {
  "use strict";
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var isAdmin = document.currentScript && document.currentScript.getAttribute("data-admin") === "true";
  var list = document.querySelector("[data-cards]");
  var flash = document.querySelector("[data-flash]");
  var rejectDialog = document.querySelector("[data-reject-dialog]");
  var noteDialog = document.querySelector("[data-note-dialog]");
  var helpDialog = document.querySelector("[data-help-dialog]");
  var history = [];
  var current = null;

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = (json && json.error) || {};
          var fields = error.fields ? Object.keys(error.fields).map(function (k) { return [].concat(error.fields[k]).join(" "); }) : [];
          throw new Error([error.message || ("HTTP " + response.status)].concat(fields).join(" "));
        }
        return json;
      });
    });
  }

  function say(text) { flash.textContent = text; }
  function cards() { return Array.prototype.slice.call(list.querySelectorAll(".card:not(.decided)")); }
  function select(card) {
    if (current) { current.classList.remove("current"); }
    current = card || null;
    if (current) { current.classList.add("current"); current.focus(); current.scrollIntoView({ block: "nearest" }); }
  }
  function move(step) {
    var all = cards();
    if (!all.length) { return select(null); }
    var index = all.indexOf(current);
    select(all[Math.max(0, Math.min(all.length - 1, index < 0 ? 0 : index + step))]);
  }
  function markDecided(card, text) {
    var next = cards()[cards().indexOf(card) + 1] || cards()[cards().indexOf(card) - 1];
    card.classList.add("decided");
    card.querySelector("[data-result]").textContent = text;
    card.querySelectorAll(".actions button, [data-select]").forEach(function (b) { b.disabled = true; });
    var claimed = document.querySelector("[data-claimed]");
    claimed.textContent = String(cards().length);
    if (current === card) { select(next); }
  }

  function decide(card, action, reason, reasonText) {
    var id = card.getAttribute("data-id");
    var body = { action: action };
    if (reason) { body.reason = reason; }
    if (reasonText) { body.reason_text = reasonText; }
    return api("POST", "/api/v1/comments/" + id + "/decision", body).then(function (item) {
      history.push(card);
      markDecided(card, action === "approve" ? "Approved: now " + item.status + "." : "Rejected (" + reason + ").");
      say("Comment " + id + (action === "approve" ? " approved." : " rejected.") + (isAdmin ? " Press u to undo." : ""));
      refreshCounts();
    }).catch(function (error) { say("Comment " + id + ": " + error.message); });
  }

  function askReject(card) {
    rejectDialog.returnValue = "";
    rejectDialog.showModal();
    rejectDialog.querySelector("input[name=reason]:checked").focus();
    rejectDialog.onclose = null;
    rejectDialog.addEventListener("close", function handler() {
      rejectDialog.removeEventListener("close", handler);
      if (rejectDialog.returnValue !== "reject") { return select(card); }
      var form = rejectDialog.querySelector("form");
      var reason = form.querySelector("input[name=reason]:checked").value;
      var text = form.querySelector("[name=reason_text]").value.trim();
      form.querySelector("[name=reason_text]").value = "";
      decide(card, "reject", reason, text);
    });
  }
  rejectDialog.addEventListener("keydown", function (event) {
    if (/^[1-9]$/.test(event.key) && event.target.name !== "reason_text") {
      var option = rejectDialog.querySelectorAll("input[name=reason]")[Number(event.key) - 1];
      if (option) { option.checked = true; option.focus(); event.preventDefault(); }
    } else if (event.key === "Enter" && event.target.name === "reason") {
      event.preventDefault();
      rejectDialog.close("reject");
    }
  });

  function askNote(card) {
    noteDialog.returnValue = "";
    noteDialog.showModal();
    noteDialog.querySelector("textarea").focus();
    noteDialog.addEventListener("close", function handler() {
      noteDialog.removeEventListener("close", handler);
      var area = noteDialog.querySelector("textarea");
      var text = area.value.trim();
      area.value = "";
      select(card);
      if (noteDialog.returnValue !== "save" || !text) { return; }
      api("POST", "/api/v1/comments/" + card.getAttribute("data-id") + "/notes", { text: text })
        .then(function () { say("Note saved."); })
        .catch(function (error) { say("Note not saved: " + error.message); });
    });
  }

  function undo() {
    if (!isAdmin) { return say("Only an admin can undo a decision."); }
    var card = history.pop();
    if (!card) { return say("Nothing to undo."); }
    api("POST", "/api/v1/comments/" + card.getAttribute("data-id") + "/undo").then(function (item) {
      card.classList.remove("decided");
      card.querySelector("[data-result]").textContent = "Decision undone: back to " + item.status + ".";
      card.querySelectorAll(".actions button, [data-select]").forEach(function (b) { b.disabled = false; });
      select(card);
      say("Undone.");
      refreshCounts();
    }).catch(function (error) { say("Undo failed: " + error.message); });
  }

  function selected() { return cards().filter(function (card) { return card.querySelector("[data-select]").checked; }); }
  function updateSelected() { document.querySelector("[data-selected-count]").textContent = String(selected().length); }

  function bulk(action, ids, campaign) {
    var body = { action: action };
    if (action === "reject") { body.reason = document.querySelector("[data-bulk-reason]").value; }
    if (ids) { body.ids = ids; }
    if (campaign) { body.campaign_id = campaign; }
    return api("POST", "/api/v1/queue/bulk-decision", body).then(function (result) {
      result.decided.forEach(function (item) {
        var card = document.getElementById("item-" + item.id);
        if (card) { card.querySelector("[data-select]").checked = false; markDecided(card, (action === "approve" ? "Approved" : "Rejected") + " in bulk."); }
      });
      var conflicts = Object.keys(result.conflicts || {}).length;
      say(result.decided.length + " decided" + (conflicts ? ", " + conflicts + " held by someone else or already decided." : "."));
      updateSelected();
      refreshCounts();
    }).catch(function (error) { say("Bulk action failed: " + error.message); });
  }

  list.addEventListener("click", function (event) {
    var card = event.target.closest(".card");
    if (!card) { return; }
    var button = event.target.closest("[data-action]");
    if (event.target.matches("[data-select]")) { return updateSelected(); }
    select(card);
    if (!button) { return; }
    var action = button.getAttribute("data-action");
    if (action === "approve") { decide(card, "approve"); }
    else if (action === "reject") { askReject(card); }
    else if (action === "note") { askNote(card); }
    else if (action === "campaign") { bulk("reject", null, card.getAttribute("data-campaign")); }
  });
  document.querySelectorAll("[data-bulk-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var ids = selected().map(function (card) { return Number(card.getAttribute("data-id")); });
      if (!ids.length) { return say("Select comments first (x or the checkboxes)."); }
      bulk(button.getAttribute("data-bulk-action"), ids);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (event.target.closest("input, textarea, select")) { return; }
    var keys = { j: function () { move(1); }, k: function () { move(-1); },
      a: function () { if (current) { decide(current, "approve"); } },
      r: function () { if (current) { askReject(current); } },
      n: function () { if (current) { askNote(current); } },
      x: function () { if (current) { var box = current.querySelector("[data-select]"); box.checked = !box.checked; updateSelected(); } },
      u: undo, "?": function () { helpDialog.showModal(); } };
    var handler = keys[event.key];
    if (handler) { event.preventDefault(); handler(); }
  });

  function refreshCounts() {
    return fetch("/moderate/counts.json", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        ["total", "pending", "reported"].forEach(function (key) {
          document.querySelector("[data-count=" + key + "]").textContent = String(counts[key]);
        });
        document.title = "Queue (" + counts.total + ") | Moderato";
      }).catch(function () {});
  }
  setInterval(refreshCounts, 15000);
  select(cards()[0]);
})();
