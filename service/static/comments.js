/* Moderato comment section: live character counter, JSON posting with field errors, outcome, comment list.
   Enhances the server-rendered section ([data-moderato-section]) and builds one inside any
   <div data-moderato-article="ARTICLE_ID"></div> (the /embed.js use). Data is only ever set with textContent.
   Wording: English unless the section carries data-i18n (the Arabic edition): {ui, messages, prefixes}, where
   messages/prefixes turn the API's English messages into the page's language and anything unknown stays English. */
(function () {
  "use strict";
  var LIMIT = 1500;
  var script = document.currentScript;
  var scriptBase = script && script.src ? new URL(script.src, document.baseURI).origin : "";

  /* Characters as the server counts them: code points after NFC, CRLF/CR -> LF and trimming. */
  function countCharacters(value) {
    return Array.from(value.normalize("NFC").replace(/\r\n?/g, "\n").trim()).length;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  var ENGLISH = { published: "Published", pending: "Awaiting moderation", rejected: "Not published", reply: "Reply",
    empty: "No comments yet. Be the first.", threads_one: "{n} comment thread", threads_many: "{n} comment threads",
    failed: "Something went wrong. Please try again.",
    offline: "The comment could not be sent. Check your connection and try again.",
    nudge_title: "Before you post", nudge_text: "As written, your comment may not be published:",
    nudge_words: "Words that stood out:", nudge_edit: "Edit my comment", nudge_post: "Post anyway",
    edit: "Edit your comment", edit_label: "Your comment", edit_save: "Save edit",
    withdrawn: "Your edited comment is hidden until a moderator has looked at it." };

  /* The section's wording: t(key) for its own strings, translate(text) for messages that come from the API. */
  function wording(section) {
    var i18n = {};
    try { i18n = JSON.parse(section.getAttribute("data-i18n") || "{}"); } catch (ignored) { i18n = {}; }
    var ui = i18n.ui || {};
    var messages = i18n.messages || {};
    var prefixes = i18n.prefixes || {};
    var lang = (section.closest("[lang]") || document.documentElement).getAttribute("lang") || "en";
    // Dates as the server prints them (Edition.date): Western digits in both editions, Iraqi month names in Arabic.
    var dates = new Intl.DateTimeFormat(lang === "ar" ? "ar-IQ-u-nu-latn" : "en-GB", { day: lang === "ar" ? "numeric" : "2-digit",
      month: lang === "ar" ? "long" : "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: "UTC" });
    function formatDate(iso) {
      var parts = {};
      dates.formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
      var time = parts.hour + ":" + parts.minute + " UTC";
      return parts.day + " " + parts.month + " " + parts.year + (lang === "ar" ? "، " : ", ") + time;
    }
    return {
      t: function (key) { return Object.prototype.hasOwnProperty.call(ui, key) ? ui[key] : ENGLISH[key]; },
      translate: function (text) {
        if (typeof text !== "string") { return text; }
        if (Object.prototype.hasOwnProperty.call(messages, text)) { return messages[text]; }
        var found = Object.keys(prefixes).filter(function (english) { return text.indexOf(english) === 0; })[0];
        return found === undefined ? text : prefixes[found] + text.slice(found.length);
      },
      date: formatDate
    };
  }

  function renderComment(comment, words) {
    var time = el("time", { datetime: comment.created_at, text: words.date(comment.created_at) });
    var meta = el("p", { "class": "meta" }, [el("strong", { "class": "author", dir: "auto", text: comment.author_name })]);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    return el("li", { "class": "comment", id: "comment-" + comment.id },
      [meta, el("p", { "class": "body", dir: "auto", text: comment.body })]);
  }

  function renderList(list, items, section, words) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var byId = {};
    items.forEach(function (comment) {
      var parent = comment.parent_id ? byId[comment.parent_id] : null;
      var node = renderComment(comment, words);
      if (parent) {
        var replies = parent.querySelector(":scope > ol.replies");
        if (!replies) { replies = el("ol", { "class": "replies" }); parent.appendChild(replies); }
        replies.appendChild(node);
      } else {
        var reply = el("a", { "class": "reply", href: "#comment-form", "data-reply-to": String(comment.id), text: words.t("reply") });
        node.appendChild(reply);
        byId[comment.id] = node;
        list.appendChild(node);
      }
    });
    if (!items.length) { list.appendChild(el("li", { "class": "empty", text: words.t("empty") })); }
    var heading = section.querySelector(".comment-count");
    if (heading) {
      var threads = list.querySelectorAll(":scope > li.comment").length;
      heading.textContent = words.t(threads === 1 ? "threads_one" : "threads_many").replace("{n}", String(threads));
    }
  }

  /* The nudge box as the server renders it (_comment_section.html), for sections this script builds itself. */
  function buildNudge() {
    return el("div", { "class": "nudge", "data-nudge": "", role: "alert", hidden: "" }, [
      el("h3", { text: ENGLISH.nudge_title }), el("p", { text: ENGLISH.nudge_text }),
      el("ul", { "class": "reasons", "data-nudge-reasons": "" }),
      el("p", { "data-nudge-words-line": "", hidden: "" }, [document.createTextNode(ENGLISH.nudge_words + " "),
        el("span", { "class": "nudge-words", "data-nudge-words": "", dir: "auto" })]),
      el("p", { "class": "nudge-actions" }, [el("button", { type: "button", "data-nudge-edit": "", text: ENGLISH.nudge_edit }),
        el("button", { type: "button", "data-nudge-post": "", text: ENGLISH.nudge_post })])]);
  }

  function buildSection(host) {
    var articleId = host.getAttribute("data-moderato-article");
    var section = el("section", { "class": "comments", "data-moderato-section": "", "data-article-id": articleId,
      "data-api-base": scriptBase, "aria-label": "Comments" });
    section.appendChild(el("h2", { text: "Comments" }));
    var policy = el("details", { "class": "policy", open: "" }, [el("summary", { text: "Comment Policy" }),
      el("p", { text: "Be civil and stay on topic. No insults, threats, hate, spam or other people's private details. " +
        "Some comments wait for a moderator. Your e-mail address is never published." })]);
    section.appendChild(policy);
    section.appendChild(el("div", { "class": "outcome", "data-outcome": "", role: "status", "aria-live": "polite", hidden: "" }));
    var uid = "moderato-" + Math.random().toString(36).slice(2, 8);
    function field(name, label, type) {
      var control = type === "textarea"
        ? el("textarea", { id: uid + name, name: name, rows: "6", required: "", "aria-required": "true", dir: "auto",
            "aria-describedby": uid + "counter " + uid + name + "-error" })
        : el("input", { id: uid + name, name: name, type: type, required: "", "aria-required": "true",
            dir: type === "email" ? "ltr" : "auto",
            "aria-describedby": uid + name + "-error" });
      var labelNode = el("label", { "for": uid + name, text: label + " " }, [el("span", { "class": "req", "aria-hidden": "true", text: "*" })]);
      var parts = [labelNode, control];
      if (type === "textarea") {
        var counter = el("p", { "class": "counter", id: uid + "counter", "data-counter": "", "data-limit": String(LIMIT) },
          [el("span", { "data-counter-value": "", dir: "ltr", text: String(LIMIT) })]);
        counter.appendChild(document.createTextNode(" / " + LIMIT));
        parts.push(counter);
      }
      parts.push(el("p", { "class": "field-error", id: uid + name + "-error", "data-error-for": name }));
      return el("div", { "class": "field" }, parts);
    }
    var legend = el("legend", { text: "Leave a comment " }, [el("span", { "class": "legend-note", text: "* Denotes Required Field" })]);
    var hp = el("div", { "class": "hp", "aria-hidden": "true" }, [el("label", { "for": uid + "website", text: "Leave this field empty" }),
      el("input", { id: uid + "website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" })]);
    var form = el("form", { "class": "comment-form", novalidate: "", "data-comment-form": "" }, [el("fieldset", {}, [legend,
      el("p", { "class": "form-error", "data-error-for": "_form" }),
      el("input", { type: "hidden", name: "parent_id", value: "", "data-parent-id": "" }),
      el("input", { type: "hidden", name: "form_token", value: "" }), hp,
      field("author_name", "Name", "text"), field("author_email", "E-mail (never published)", "email"),
      field("body", "Comment", "textarea"), buildNudge(),
      el("button", { type: "submit", "class": "primary", "data-submit": "", text: "Post comment" })])]);
    section.appendChild(form);
    section.appendChild(el("h3", { "class": "comment-count", text: "Comments" }));
    section.appendChild(el("ol", { "class": "comment-list", "data-comment-list": "" }));
    host.appendChild(section);
    return section;
  }

  function enhance(section) {
    var base = section.getAttribute("data-api-base") || "";
    var articleId = section.getAttribute("data-article-id");
    var form = section.querySelector("[data-comment-form]");
    var body = form.querySelector("[name=body]");
    var counter = section.querySelector("[data-counter]");
    var counterValue = section.querySelector("[data-counter-value]");
    var submit = form.querySelector("[data-submit]");
    var outcome = section.querySelector("[data-outcome]");
    var list = section.querySelector("[data-comment-list]");
    var parentInput = form.querySelector("[data-parent-id]");
    var tokenInput = form.querySelector("[name=form_token]");
    var words = wording(section);

    // Each form token counts once: fetch a fresh one for an embedded form and after every post.
    function refreshToken() {
      if (!tokenInput) { return Promise.resolve(); }
      return fetch(base + "/api/v1/form-token", { cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (json) { if (json.form_token) { tokenInput.value = json.form_token; } })
        .catch(function () { /* the post goes to a person instead; nothing to show */ });
    }
    if (tokenInput && !tokenInput.value) { refreshToken(); }

    function updateCounter() {
      var left = LIMIT - countCharacters(body.value);
      counterValue.textContent = String(left);
      var over = left < 0;
      counter.classList.toggle("over", over);
      submit.disabled = over;
      if (over) { body.setAttribute("aria-invalid", "true"); } else if (!body.dataset.serverError) { body.removeAttribute("aria-invalid"); }
      return over;
    }
    body.addEventListener("input", function () { delete body.dataset.serverError; updateCounter(); });
    updateCounter();

    function clearErrors() {
      section.querySelectorAll("[data-error-for]").forEach(function (node) { node.textContent = ""; });
      form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
      form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    }

    function showErrors(fields, message) {
      var first = null;
      Object.keys(fields || {}).forEach(function (name) {
        var messages = [].concat(fields[name]).map(words.translate).join(" ");
        var target = section.querySelector("[data-error-for=" + name + "]") || section.querySelector("[data-error-for=_form]");
        if (target) { target.textContent = messages; }
        var control = form.querySelector("[name=" + name + "]");
        if (control && control.type !== "hidden") {
          control.setAttribute("aria-invalid", "true");
          control.closest(".field").classList.add("has-error");
          if (name === "body") { body.dataset.serverError = "1"; }
          first = first || control;
        }
      });
      if (!Object.keys(fields || {}).length && message) {
        var formError = section.querySelector("[data-error-for=_form]");
        if (formError) { formError.textContent = words.translate(message); }
      }
      if (first) { first.focus(); }
    }

    function showOutcome(result) {
      while (outcome.firstChild) { outcome.removeChild(outcome.firstChild); }
      outcome.className = "outcome outcome-" + result.status;
      outcome.appendChild(el("h3", { text: words.t(result.status) || result.status }));
      outcome.appendChild(el("p", { text: words.translate(result.message) }));
      if (result.reasons && result.reasons.length) {
        outcome.appendChild(el("ul", { "class": "reasons" }, result.reasons.map(function (r) { return el("li", { text: words.translate(r.text) }); })));
      }
      outcome.hidden = false;
      outcome.setAttribute("tabindex", "-1");
      outcome.focus();
    }

    function loadComments() {
      return fetch(base + "/api/v1/articles/" + encodeURI(articleId) + "/comments?limit=100")
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (page) { renderList(list, page.items, section, words); });
    }

    section.addEventListener("click", function (event) {
      var reply = event.target.closest("[data-reply-to]");
      var cancel = event.target.closest("[data-cancel-reply]");
      if (reply) {
        event.preventDefault();
        parentInput.value = reply.getAttribute("data-reply-to");
        setReplying(parentInput.value);
        body.focus();
      } else if (cancel) {
        event.preventDefault();
        parentInput.value = "";
        setReplying("");
      }
    });
    function setReplying(id) {
      var note = section.querySelector("[data-replying]");
      if (!note) { return; }
      note.hidden = !id;
      note.querySelector("[data-replying-to]").textContent = id;
    }

    /* The nudge before posting: the text is checked first (nothing is stored); when it would be held or rejected
       for what it says, the reader sees why and edits, or posts it anyway (recorded as nudged). */
    var nudge = section.querySelector("[data-nudge]");
    var nudgedBody = null;

    function hideNudge() { nudge.hidden = true; }

    function showNudge(check) {
      var reasons = nudge.querySelector("[data-nudge-reasons]");
      while (reasons.firstChild) { reasons.removeChild(reasons.firstChild); }
      check.reasons.forEach(function (r) { reasons.appendChild(el("li", { text: words.translate(r.text) })); });
      var terms = check.words.map(function (w) { return w.term; });
      nudge.querySelector("[data-nudge-words]").textContent = terms.join(", ");
      nudge.querySelector("[data-nudge-words-line]").hidden = !terms.length;
      nudge.hidden = false;
      nudge.querySelector("[data-nudge-edit]").focus();
    }

    function payloadOf() {
      var data = new FormData(form);
      var payload = { article_id: articleId, author_name: data.get("author_name") || "",
        author_email: data.get("author_email") || "", body: data.get("body") || "" };
      if (data.get("parent_id")) { payload.parent_id = parseInt(data.get("parent_id"), 10); }
      if (data.get("website")) { payload.website = data.get("website"); }
      if (data.get("form_token")) { payload.form_token = data.get("form_token"); }
      return payload;
    }

    function postJson(path, payload) {
      return fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload) })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (json) { return { ok: response.ok, json: json }; });
        });
    }

    function send(payload) {
      submit.disabled = true;
      hideNudge();
      postJson("/api/v1/comments", payload)
        .then(function (result) {
          if (result.ok) {
            nudgedBody = null;
            lastPost = result.json.edit_token ? { id: result.json.id, token: result.json.edit_token,
              until: Date.parse(result.json.editable_until), body: payload.body } : null;
            showOutcome(result.json);
            offerEdit();
            form.querySelector("[name=body]").value = "";
            parentInput.value = "";
            setReplying("");
            updateCounter();
            if (result.json.status === "published") { return loadComments(); }
          } else {
            var error = result.json.error || {};
            showErrors(error.fields, error.message || words.t("failed"));
          }
        })
        .catch(function () { showErrors({}, words.t("offline")); })
        .then(function () { updateCounter(); return refreshToken(); });
    }

    /* Editing the comment just posted, within its edit window: the token stays in this page's memory only. */
    var lastPost = null;

    function offerEdit() {
      if (!lastPost || Date.now() > lastPost.until) { return; }
      var button = el("button", { type: "button", "class": "edit-comment", "data-edit-comment": "", text: words.t("edit") });
      button.addEventListener("click", function () { button.remove(); openEditor(); });
      outcome.appendChild(button);
    }

    function openEditor() {
      var area = el("textarea", { rows: "4", dir: "auto", "data-edit-body": "", "aria-label": words.t("edit_label") });
      area.value = lastPost.body;
      var error = el("p", { "class": "form-error", role: "alert", "data-edit-error": "" });
      var save = el("button", { type: "button", "class": "primary", "data-edit-save": "", text: words.t("edit_save") });
      outcome.appendChild(el("div", { "class": "editor", "data-editor": "" }, [area, error, save]));
      area.focus();
      save.addEventListener("click", function () {
        save.disabled = true;
        postJson("/api/v1/comments/" + lastPost.id + "/edit", { edit_token: lastPost.token, body: area.value })
          .then(function (result) {
            if (!result.ok) {
              var failure = result.json.error || {};
              var fields = failure.fields || {};
              error.textContent = words.translate(fields.body ? [].concat(fields.body).join(" ") : failure.message || words.t("failed"));
              save.disabled = false;
              return null;
            }
            lastPost.body = area.value;
            showOutcome(result.json);
            if (result.json.withdrawn) { outcome.appendChild(el("p", { "data-withdrawn": "", text: words.t("withdrawn") })); }
            offerEdit();
            return loadComments();
          })
          .catch(function () { error.textContent = words.t("offline"); save.disabled = false; });
      });
    }

    nudge.querySelector("[data-nudge-edit]").addEventListener("click", function () { hideNudge(); body.focus(); });
    nudge.querySelector("[data-nudge-post]").addEventListener("click", function () {
      var payload = payloadOf();
      payload.nudged = true;
      send(payload);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (updateCounter()) { return; }
      clearErrors();
      var payload = payloadOf();
      // Sent again unchanged after the nudge: the reader chose to post it as it is.
      if (nudgedBody !== null && nudgedBody === payload.body) { payload.nudged = true; send(payload); return; }
      submit.disabled = true;
      // Any failure of the check (a 422, a 429, offline) just posts: the post answers with the real outcome.
      postJson("/api/v1/comments/check", payload)
        .then(function (result) { return result.ok ? result.json : null; }, function () { return null; })
        .then(function (check) {
          if (check && check.nudge) {
            nudgedBody = payload.body;
            showNudge(check);
            updateCounter();
          } else {
            send(payload);
          }
        });
    });

    if (!list.children.length || section.getAttribute("data-api-base")) { loadComments(); }
  }

  function start() {
    document.querySelectorAll("[data-moderato-article]").forEach(function (host) {
      if (!host.querySelector("[data-moderato-section]")) { buildSection(host); }
    });
    document.querySelectorAll("[data-moderato-section]").forEach(enhance);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
