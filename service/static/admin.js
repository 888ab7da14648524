/* Admin page: threshold sliders that re-run the what-if and redraw the SVG chart, recommendations, saving,
   and rule-list previews. Data is only ever set with textContent / setAttribute. */
(function () {
  "use strict";
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var SVG = "http://www.w3.org/2000/svg";
  var panel = document.querySelector("[data-thresholds]");
  var chart = document.querySelector("[data-chart]");
  var flash = document.querySelector("[data-flash]");
  var publish = document.getElementById("publish-below");
  var reject = document.getElementById("reject-at");
  var highBand = document.getElementById("high-band");
  var capacity = document.getElementById("capacity");
  var costRatio = document.getElementById("cost-ratio");
  var useRecommended = document.querySelector("[data-use-recommended]");
  var recommended = null;
  var timer = null;
  var sequence = 0;

  function api(method, url, body) {
    return fetch(url, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) {
            var error = (json && json.error) || {};
            var fields = Object.keys(error.fields || {}).map(function (k) { return k + ": " + [].concat(error.fields[k]).join(" "); });
            throw new Error([error.message || "HTTP " + response.status].concat(fields).join(" "));
          }
          return json;
        });
      });
  }
  function say(text) { flash.textContent = text; }
  function pct(value) { return (100 * value).toFixed(1) + " %"; }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (text) { node.textContent = text; }
    return node;
  }

  function draw(histogram, publishBelow, rejectAt) {
    Array.prototype.slice.call(chart.querySelectorAll("g")).forEach(function (g) { chart.removeChild(g); });
    var approved = histogram.approved || [], rejected = histogram.rejected || [];
    var bins = Math.max(approved.length, rejected.length, 1);
    var max = Math.max.apply(null, [1].concat(approved, rejected));
    var width = 400, height = 180, band = width / bins, group = svg("g", { "class": "plot" });
    for (var i = 0; i < bins; i++) {
      var a = approved[i] || 0, r = rejected[i] || 0, ha = height * a / max, hr = height * r / max;
      var bar = svg("rect", { x: i * band + 1, y: height - ha, width: band / 2 - 1, height: ha, "class": "bar-approved" });
      bar.appendChild(svg("title", {}, (i / bins).toFixed(2) + "–" + ((i + 1) / bins).toFixed(2) + ": " + a + " approved"));
      group.appendChild(bar);
      var bar2 = svg("rect", { x: i * band + band / 2, y: height - hr, width: band / 2 - 1, height: hr, "class": "bar-rejected" });
      bar2.appendChild(svg("title", {}, (i / bins).toFixed(2) + "–" + ((i + 1) / bins).toFixed(2) + ": " + r + " rejected"));
      group.appendChild(bar2);
    }
    group.appendChild(svg("line", { x1: 0, y1: height, x2: width, y2: height, "class": "axis" }));
    [["publish", publishBelow], ["reject", rejectAt]].forEach(function (pair) {
      var x = Math.max(1, Math.min(width - 1, pair[1] * width));
      group.appendChild(svg("line", { x1: x, y1: 0, x2: x, y2: height, "class": "threshold threshold-" + pair[0], "data-threshold": pair[0] }));
      group.appendChild(svg("text", { x: Math.min(x + 3, width - 60), y: pair[0] === "publish" ? 12 : 26, "class": "label" },
        pair[0] + " " + Number(pair[1]).toFixed(2)));
    });
    ["0", "0.5", "1"].forEach(function (tick) {
      group.appendChild(svg("text", { x: Math.min(Number(tick) * width, width - 10), y: 196, "class": "tick" }, tick));
    });
    chart.appendChild(group);
  }

  function show(result) {
    document.querySelector("[data-decided]").textContent = String(result.decided);
    var total = result.decided || 0;
    ["published", "pending", "rejected"].forEach(function (key) {
      document.querySelector("[data-stat=" + key + "]").textContent = result.counts[key] + " (" + pct(result.rates[key] || 0) + ")";
    });
    document.querySelector("[data-stat=queue_per_day]").textContent = result.queue_per_day.toFixed(1);
    document.querySelector("[data-stat=wrongly_published_rate]").textContent = total ? pct(result.wrongly_published_rate) : "no data";
    document.querySelector("[data-stat=wrongly_rejected_rate]").textContent = total ? pct(result.wrongly_rejected_rate) : "no data";
    recommended = result.recommended;
    var out = document.querySelector("[data-recommended]");
    if (recommended) {
      out.textContent = "Publish below " + recommended.publish_below.toFixed(2) + ", reject at " + recommended.reject_at.toFixed(2) +
        ": about " + recommended.queue_per_day.toFixed(1) + " comments a day for people, " +
        pct(recommended.wrongly_published_rate) + " wrongly published, " + pct(recommended.wrongly_rejected_rate) + " wrongly rejected.";
    } else {
      out.textContent = capacity.value === "" ? "Enter a capacity to see a recommendation." : "No thresholds keep the queue within this capacity.";
    }
    useRecommended.disabled = !recommended;
    draw(result.histogram, result.publish_below, result.reject_at);
    showCategoryEffect(result.categories || {});
  }

  function simulate() {
    var p = Number(publish.value), r = Number(reject.value);
    if (r < p) { r = p; reject.value = String(p); }
    document.querySelector("[data-out=publish_below]").textContent = p.toFixed(2);
    document.querySelector("[data-out=reject_at]").textContent = r.toFixed(2);
    var body = { publish_below: p, reject_at: r, high_band: highBand.value, cost_ratio: Number(costRatio.value || 0) };
    if (capacity.value !== "") { body.capacity_per_day = Number(capacity.value); }
    extendSimulation(body);
    var mine = ++sequence;
    panel.setAttribute("aria-busy", "true");
    return api("POST", "/api/v1/policy/simulate", body).then(function (result) {
      if (mine === sequence) { show(result); panel.setAttribute("aria-busy", "false"); }
    }).catch(function (error) { say("Simulation failed: " + error.message); });
  }
  function later() { clearTimeout(timer); timer = setTimeout(simulate, 120); }
  [publish, reject, highBand, capacity, costRatio].forEach(function (control) { control.addEventListener("input", later); });
  publish.addEventListener("input", function () { if (Number(reject.value) < Number(publish.value)) { reject.value = publish.value; } });
  reject.addEventListener("input", function () { if (Number(publish.value) > Number(reject.value)) { publish.value = reject.value; } });

  useRecommended.addEventListener("click", function () {
    if (!recommended) { return; }
    publish.value = String(recommended.publish_below);
    reject.value = String(recommended.reject_at);
    simulate();
  });
  document.querySelector("[data-save-thresholds]").addEventListener("click", function () {
    api("PATCH", "/api/v1/policy", thresholdChanges(Number(publish.value), Number(reject.value), highBand.value))
      .then(function (policy) { remember(policy); say("Saved" + scopeSuffix() + ": policy version " + policy.version + "."); })
      .catch(function (error) { say("Not saved: " + error.message); });
  });

  function terms(name) {
    return document.getElementById(name).value.split("\n").map(function (t) { return t.trim(); }).filter(Boolean);
  }
  document.querySelectorAll("[data-preview]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-preview");
      var out = document.querySelector("[data-preview-out=" + name + "]");
      out.textContent = "Checking…";
      api("POST", "/api/v1/policy/rule-preview", { terms: terms(name) }).then(function (result) {
        out.textContent = "";
        out.appendChild(document.createElement("p")).textContent = result.comments_checked + " comments of the last " + result.days + " days checked.";
        var list = out.appendChild(document.createElement("ul"));
        result.terms.forEach(function (entry) {
          var item = list.appendChild(document.createElement("li"));
          item.appendChild(document.createElement("strong")).textContent = entry.term;
          item.appendChild(document.createTextNode(": " + entry.hits + " hit" + (entry.hits === 1 ? "" : "s")));
          if (entry.examples.length) {
            var examples = item.appendChild(document.createElement("ul"));
            entry.examples.forEach(function (example) {
              examples.appendChild(document.createElement("li")).textContent = "#" + example.id + " (" + example.status + "): " + example.excerpt;
            });
          }
        });
      }).catch(function (error) { out.textContent = "Preview failed: " + error.message; });
    });
  });
  document.querySelector("[data-save-rules]").addEventListener("click", function () {
    api("PATCH", "/api/v1/policy", { banned_terms: terms("banned_terms"), suspect_terms: terms("suspect_terms") })
      .then(function (policy) { say("Rule lists saved: policy version " + policy.version + "."); })
      .catch(function (error) { say("Not saved: " + error.message); });
  });

  /* Languages and category limits: which language the sliders show and save, and one hold/reject pair per
     category with an "off" state. A language's own category limits are stored only where they differ from the
     general ones (the policy merges them category by category). */
  var scope = JSON.parse(document.getElementById("policy-scope").textContent);
  var languageSelect = document.querySelector("[data-policy-language]");
  var categoryRows = Array.prototype.slice.call(document.querySelectorAll("[data-category]"));
  var categoryTimer = null;

  function currentLanguage() { return languageSelect.value; }
  function languageName(code) {
    var found = scope.languages.filter(function (l) { return l.code === code; })[0];
    return found ? found.name : code;
  }
  function scopeSuffix() { return currentLanguage() ? " for " + languageName(currentLanguage()) : ""; }
  function copy(value) { return JSON.parse(JSON.stringify(value)); }
  function sameLimits(a, b) {
    return (a.hold_at === undefined ? null : a.hold_at) === (b.hold_at === undefined ? null : b.hold_at) &&
      (a.reject_at === undefined ? null : a.reject_at) === (b.reject_at === undefined ? null : b.reject_at);
  }
  function remember(policy) {
    scope.general = { publish_below: policy.publish_below, reject_at: policy.reject_at };
    scope.thresholds_by_language = policy.thresholds_by_language || {};
    scope.category_thresholds = policy.category_thresholds || {};
    scope.unsupported_language = policy.unsupported_language;
    document.querySelector("[data-policy-version]").textContent = String(policy.version);
    showScope(false);
  }
  function ownEntry() { return scope.thresholds_by_language[currentLanguage()] || null; }
  function effectiveLimits(name) {
    var own = ownEntry();
    if (own && own.categories && own.categories[name] !== undefined) { return { limits: own.categories[name], own: true }; }
    return { limits: scope.category_thresholds[name] || {}, own: false };
  }

  function thresholdChanges(publishBelow, rejectAt, band) {
    var language = currentLanguage();
    if (!language) { return { publish_below: publishBelow, reject_at: rejectAt, high_band: band }; }
    var all = copy(scope.thresholds_by_language);
    var entry = all[language] || {};
    entry.publish_below = publishBelow;
    entry.reject_at = rejectAt;
    all[language] = entry;
    return { thresholds_by_language: all, high_band: band };
  }

  function rowLimits(row) {
    var limits = {};
    ["hold_at", "reject_at"].forEach(function (key) {
      if (row.querySelector("[data-limit-on=" + key + "]").checked) {
        limits[key] = Number(row.querySelector("[data-limit=" + key + "]").value);
      }
    });
    return limits;
  }
  function shownLimits() {
    var shown = {};
    categoryRows.forEach(function (row) { shown[row.getAttribute("data-category")] = rowLimits(row); });
    return shown;
  }
  function activeLimits() {
    var shown = shownLimits(), active = {};
    Object.keys(shown).forEach(function (name) { if (Object.keys(shown[name]).length) { active[name] = shown[name]; } });
    return active;
  }

  function categoryChanges() {
    var shown = shownLimits(), language = currentLanguage();
    if (!language) {
      var general = {};
      Object.keys(shown).forEach(function (name) { if (Object.keys(shown[name]).length) { general[name] = shown[name]; } });
      return { category_thresholds: general };
    }
    var own = {};
    Object.keys(shown).forEach(function (name) {
      if (!sameLimits(shown[name], scope.category_thresholds[name] || {})) { own[name] = shown[name]; }
    });
    var all = copy(scope.thresholds_by_language);
    // A language's limits live in its own entry, which always holds a threshold pair: a language without one
    // gets the general pair in force (not the unsaved sliders).
    var entry = all[language] || { publish_below: scope.general.publish_below, reject_at: scope.general.reject_at };
    if (Object.keys(own).length) { entry.categories = own; } else { delete entry.categories; }
    all[language] = entry;
    return { thresholds_by_language: all };
  }

  function showLimit(row, key, value) {
    var on = value !== undefined && value !== null;
    var box = row.querySelector("[data-limit-on=" + key + "]"), range = row.querySelector("[data-limit=" + key + "]");
    box.checked = on;
    range.disabled = !on;
    if (on) { range.value = String(value); }
    row.querySelector("[data-limit-out=" + key + "]").textContent = on ? Number(range.value).toFixed(2) : "off";
  }
  function showSource(row) {
    var language = currentLanguage(), name = row.getAttribute("data-category");
    var source = row.querySelector("[data-source]");
    if (!language) { source.textContent = ""; return; }
    var differs = !sameLimits(rowLimits(row), scope.category_thresholds[name] || {});
    source.textContent = differs ? languageName(language) + "'s own limits" : "Same as the general limits";
    row.classList.toggle("own", differs);
  }

  // reload: put the scope's saved values into the sliders (on a language change); else only the labels follow a save.
  function showScope(reload) {
    var language = currentLanguage(), own = ownEntry();
    var pair = own || scope.general;
    if (reload) {
      publish.value = String(pair.publish_below);
      reject.value = String(pair.reject_at);
    }
    document.querySelectorAll("[data-scope-label]").forEach(function (label) {
      label.textContent = language ? languageName(language) + " (" + language + ")" : "all languages";
    });
    var note = document.querySelector("[data-scope-note]");
    if (!language) {
      note.textContent = "The general thresholds and category limits decide every language without its own.";
    } else if (own) {
      note.textContent = languageName(language) + " has its own thresholds; the chart and counts are its comments only.";
    } else {
      note.textContent = languageName(language) + " uses the general thresholds (shown); saving gives it its own. " +
        "The chart and counts are its comments only.";
    }
    document.querySelector("[data-language-reset]").hidden = !own;
    highlightLanguageOption();
    categoryRows.forEach(function (row) {
      if (reload) {
        var limits = effectiveLimits(row.getAttribute("data-category")).limits;
        showLimit(row, "hold_at", limits.hold_at);
        showLimit(row, "reject_at", limits.reject_at);
      }
      showSource(row);
    });
  }
  function highlightLanguageOption() {
    Array.prototype.forEach.call(languageSelect.options, function (option) {
      if (!option.value) { return; }
      var entry = scope.languages.filter(function (l) { return l.code === option.value; })[0] || { code: option.value, name: option.value, scored: true };
      option.textContent = entry.name + " (" + entry.code + ")" + (entry.scored ? "" : ", not scored by the serving model") +
        (scope.thresholds_by_language[entry.code] ? ", own thresholds" : "");
    });
  }

  function extendSimulation(body) {
    if (currentLanguage()) { body.language = currentLanguage(); }
    body.category_thresholds = activeLimits();
  }

  function showCategoryEffect(effects) {
    categoryRows.forEach(function (row) {
      var name = row.getAttribute("data-category"), out = row.querySelector("[data-effect]"), effect = effects[name];
      if (!effect) { out.textContent = "Off: holds nothing."; return; }
      if (!effect.scored) { out.textContent = "No decided comment in the window has a " + name + " score."; return; }
      var parts = [];
      if (rowLimits(row).hold_at !== undefined) {
        parts.push("would hold " + effect.held + " (people rejected " + effect.held_rejected_by_people + ")");
      }
      if (rowLimits(row).reject_at !== undefined) {
        parts.push("would reject " + effect.rejected + " (people rejected " + effect.rejected_rejected_by_people + ")");
      }
      out.textContent = "Of " + effect.scored + " decided comments: " + parts.join(", ") + "." +
        (effect.published_by_score ? " The score alone would have published " + effect.published_by_score + " of them." : "");
    });
  }

  categoryRows.forEach(function (row) {
    ["hold_at", "reject_at"].forEach(function (key) {
      var other = key === "hold_at" ? "reject_at" : "hold_at";
      var box = row.querySelector("[data-limit-on=" + key + "]"), range = row.querySelector("[data-limit=" + key + "]");
      box.addEventListener("change", function () {
        range.disabled = !box.checked;
        row.querySelector("[data-limit-out=" + key + "]").textContent = box.checked ? Number(range.value).toFixed(2) : "off";
        showSource(row);
        clearTimeout(categoryTimer); categoryTimer = setTimeout(simulate, 120);
      });
      range.addEventListener("input", function () {
        var otherRange = row.querySelector("[data-limit=" + other + "]");
        var value = Number(range.value), otherValue = Number(otherRange.value);
        // Reject at must stay at or above hold at; the other slider moves along.
        if ((key === "hold_at" && otherValue < value) || (key === "reject_at" && otherValue > value)) {
          otherRange.value = range.value;
          if (!otherRange.disabled) { row.querySelector("[data-limit-out=" + other + "]").textContent = value.toFixed(2); }
        }
        row.querySelector("[data-limit-out=" + key + "]").textContent = value.toFixed(2);
        showSource(row);
        clearTimeout(categoryTimer); categoryTimer = setTimeout(simulate, 120);
      });
    });
  });

  languageSelect.addEventListener("change", function () { showScope(true); simulate(); });
  document.querySelector("[data-save-categories]").addEventListener("click", function () {
    api("PATCH", "/api/v1/policy", categoryChanges())
      .then(function (policy) { remember(policy); say("Category limits saved" + scopeSuffix() + ": policy version " + policy.version + "."); })
      .catch(function (error) { say("Not saved: " + error.message); });
  });
  document.querySelector("[data-save-unsupported]").addEventListener("click", function () {
    var value = document.querySelector("[data-unsupported-language]").value;
    api("PATCH", "/api/v1/policy", { unsupported_language: value })
      .then(function (policy) { remember(policy); say("Unsupported languages: " + (value === "reject" ? "rejected" : "held for a person") + ", policy version " + policy.version + "."); })
      .catch(function (error) { say("Not saved: " + error.message); });
  });
  document.querySelector("[data-language-reset]").addEventListener("click", function () {
    var language = currentLanguage(), all = copy(scope.thresholds_by_language);
    delete all[language];
    api("PATCH", "/api/v1/policy", { thresholds_by_language: all })
      .then(function (policy) {
        remember(policy);
        showScope(true);
        say(languageName(language) + " now uses the general thresholds and limits: policy version " + policy.version + ".");
        simulate();
      })
      .catch(function (error) { say("Not saved: " + error.message); });
  });
  showScope(true);

  simulate();
})();
