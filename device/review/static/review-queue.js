/* Triage of the review queue: filter (type, confidence, already in OSM), sort, and a selection confirmed at once. */
"use strict";
window.SV = window.SV || {};
(function (SV) {
  const $ = function (id) { return document.getElementById(id); };

  SV.reviewQueue = function (hooks) {
    const selected = new Set();
    let shown = [];

    function keep(cam) {
      const f = $("q-filter").value, conf = Number($("q-conf").value);
      if ((cam.confidence || 0) < conf) return false;
      if (f === "pending") return cam.review_state === "pending";
      if (f === "osm") return Boolean(cam.osm_node);
      if (f === "new") return !cam.osm_node;
      if (f === "dome" || f === "fixed" || f === "ptz") return cam.camera_type === f;
      return true;
    }

    const SORTS = {
      time: null,
      confidence: function (a, b) { return (b.confidence || 0) - (a.confidence || 0); },
      "confidence-asc": function (a, b) { return (a.confidence || 0) - (b.confidence || 0); },
      type: function (a, b) { return a.camera_type.localeCompare(b.camera_type); },
    };

    /* The cameras the review steps through, in order: "all" keeps every camera, so confirmed ones stay reachable. */
    function view(all) {
      const f = $("q-filter").value;
      let out = all.filter(function (c) { return f === "pending" ? (c.confidence || 0) >= Number($("q-conf").value) : keep(c); });
      const sort = SORTS[$("q-sort").value];
      if (sort) out = out.slice().sort(function (a, b) { return sort(a, b) || a.id - b.id; });
      return out;
    }

    function updateButton() {
      const b = $("q-confirm");
      b.disabled = selected.size === 0;
      b.textContent = "Confirm " + selected.size + " selected";
    }

    function render(all) {
      const list = $("queue-list");
      shown = all.filter(keep);
      const sort = SORTS[$("q-sort").value];
      if (sort) shown.sort(function (a, b) { return sort(a, b) || a.id - b.id; });
      list.innerHTML = "";
      shown.forEach(function (cam) {
        const li = document.createElement("li");
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox"; box.value = cam.id; box.checked = selected.has(cam.id);
        box.disabled = cam.review_state !== "pending";
        box.addEventListener("change", function () {
          if (box.checked) selected.add(cam.id); else selected.delete(cam.id);
          updateButton();
        });
        label.appendChild(box);
        if (cam.crop_url) { const img = document.createElement("img"); img.src = cam.crop_url; img.alt = ""; label.appendChild(img); }
        label.appendChild(document.createTextNode(cam.camera_type + " · " + cam.mount + " · " +
          (cam.confidence !== null ? Math.round(cam.confidence * 100) + " %" : "?") + " · " + cam.review_state +
          (cam.osm_node ? " · in OSM" : "")));
        li.appendChild(label);
        const open = document.createElement("a");
        open.href = "#"; open.textContent = "Open"; open.setAttribute("aria-label", "Open camera " + cam.id);
        open.addEventListener("click", function (e) { e.preventDefault(); $("queue").close(); hooks.onOpen(cam.id); });
        li.appendChild(open);
        list.appendChild(li);
      });
      for (const id of Array.from(selected)) {
        if (!shown.some(function (c) { return c.id === id && c.review_state === "pending"; })) selected.delete(id);
      }
      updateButton();
    }

    let lastAll = [];
    ["q-filter", "q-conf", "q-sort"].forEach(function (id) {
      $(id).addEventListener("change", function () { render(lastAll); hooks.onChange(); });
    });
    $("q-all").addEventListener("click", function () {
      shown.forEach(function (c) { if (c.review_state === "pending") selected.add(c.id); });
      render(lastAll);
    });
    $("q-confirm").addEventListener("click", function () {
      if (!selected.size) return;
      const ids = Array.from(selected);
      $("queue").close();
      hooks.onBatch(ids);
    });

    return {
      view: view,
      render: function (all) { lastAll = all; render(all); },
      clear: function () { selected.clear(); updateButton(); },
    };
  };

  /* A question in a bottom sheet; resolves true for yes. */
  SV.ask = function (text, yesLabel) {
    const d = $("ask");
    $("ask-text").textContent = text;
    $("ask-yes").textContent = yesLabel || "Yes";
    return new Promise(function (resolve) {
      function done(answer) {
        $("ask-yes").onclick = $("ask-no").onclick = d.oncancel = null;
        if (d.open) d.close();
        resolve(answer);
      }
      $("ask-yes").onclick = function () { done(true); };
      $("ask-no").onclick = function () { done(false); };
      d.oncancel = function () { done(false); };
      d.showModal();
    });
  };
})(window.SV);
