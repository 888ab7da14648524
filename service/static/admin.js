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
  }

  function simulate() {
    var p = Number(publish.value), r = Number(reject.value);
    if (r < p) { r = p; reject.value = String(p); }
    document.querySelector("[data-out=publish_below]").textContent = p.toFixed(2);
    document.querySelector("[data-out=reject_at]").textContent = r.toFixed(2);
    var body = { publish_below: p, reject_at: r, high_band: highBand.value, cost_ratio: Number(costRatio.value || 0) };
    if (capacity.value !== "") { body.capacity_per_day = Number(capacity.value); }
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
    api("PATCH", "/api/v1/policy", { publish_below: Number(publish.value), reject_at: Number(reject.value), high_band: highBand.value })
      .then(function (policy) { say("Saved: policy version " + policy.version + "."); })
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

  simulate();
})();
