/* Shared helpers of the review pages: config, API calls with the CSRF token, status line, map layers. */
"use strict";
window.SV = window.SV || {};
(function (SV) {
  SV.config = JSON.parse(document.getElementById("config").textContent || "{}");

  SV.api = async function (method, url, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      opts.headers["X-CSRF-Token"] = SV.config.csrf;
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    const res = await fetch(url, opts);
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (!res.ok) {
      const err = new Error(data.error || (res.status + " " + res.statusText));
      err.status = res.status; err.data = data;
      throw err;
    }
    return data;
  };

  SV.duration = function (s) {
    if (s === null || s === undefined || s === "") return "?";
    s = Math.round(Number(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? h + " h " + m + " min" : m + " min " + (s % 60) + " s";
  };

  SV.formatWalkList = function () {
    document.querySelectorAll("[data-duration]").forEach(function (el) {
      el.textContent = SV.duration(el.dataset.duration);
    });
    document.querySelectorAll("[data-utc]").forEach(function (el) {
      const d = new Date(el.dataset.utc);
      if (!isNaN(d)) el.textContent = d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  };

  SV.pollWalkList = function () {
    let known = document.querySelectorAll("[data-walk]").length;
    setInterval(async function () {
      try {
        const data = await SV.api("GET", "/api/walks");
        const changed = data.walks.length !== known || data.walks.some(function (w) {
          const li = document.querySelector('[data-walk="' + w.id + '"] .count.found');
          return !li || li.textContent !== w.cameras + " found";
        });
        if (changed) location.reload();
      } catch (e) { /* offline for a moment: try again later */ }
    }, SV.config.poll_ms || 3000);
  };

  SV.pollStatus = async function () {
    const el = document.getElementById("status-line");
    try {
      const data = await SV.api("GET", "/api/status");
      if (data.available && data.line) { el.textContent = data.line; el.hidden = false; }
    } catch (e) { /* no status */ }
  };

  SV.toast = function (text, isError) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.className = "toast show" + (isError ? " error" : "");
    clearTimeout(SV._toastTimer);
    SV._toastTimer = setTimeout(function () { el.className = "toast"; }, isError ? 5000 : 1800);
  };

  /* A map with no external requests: plain background + scale bar; the offline street map (basemap.js), offline
     tiles or OSM only when configured. */
  SV.makeMap = function (id, options) {
    const map = L.map(id, Object.assign({ zoomSnap: 0.5, maxZoom: 22, attributionControl: true }, options || {}));
    map.attributionControl.setPrefix(false);
    L.control.scale({ metric: true, imperial: false }).addTo(map);
    const layers = {};
    if (SV.config.tiles) {
      const t = SV.config.tiles;
      /* no minNativeZoom: scaling high-zoom tiles down to a world view would ask for millions of tiles */
      layers["Offline map"] = L.tileLayer(t.url, { minZoom: 0, maxZoom: 22, maxNativeZoom: t.maxzoom,
        attribution: t.attribution || "" }).addTo(map);
    }
    if (SV.config.osm) {
      layers["OpenStreetMap (online)"] = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        { maxNativeZoom: 19, maxZoom: 22, attribution: "© OpenStreetMap contributors" });
    }
    const overlays = {};
    if (SV.config.basemap && SV.addBasemap) overlays["Streets (offline)"] = SV.addBasemap(map);
    if (Object.keys(layers).length) L.control.layers(layers, overlays, { collapsed: true }).addTo(map);
    return map;
  };

  if (document.getElementById("status-line")) {
    SV.pollStatus();
    setInterval(SV.pollStatus, (SV.config.poll_ms || 3000) * 3);
  }
})(window.SV);
