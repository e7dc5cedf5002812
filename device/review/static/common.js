/* Shared helpers of the review pages: config, API calls with the CSRF token, status line, map layers. */
"use strict";
window.SV = window.SV || {};
(function (SV) {
  SV.config = JSON.parse(document.getElementById("config").textContent || "{}");
  SV.COLORS = { pending: "#e67e00", confirmed: "#1a9850", rejected: "#8c8c8c" };

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
    if (!res.ok) throw new Error(data.error || (res.status + " " + res.statusText));
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

  /* A map with no external requests: plain background + scale bar; offline tiles or OSM only when configured. */
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
    if (Object.keys(layers).length) L.control.layers(layers, {}, { collapsed: true }).addTo(map);
    return map;
  };

  /* Point at distance (m) and bearing (deg) from lat/lon; small distances, equirectangular. */
  SV.offset = function (lat, lon, bearing, dist) {
    const r = bearing * Math.PI / 180, dn = dist * Math.cos(r), de = dist * Math.sin(r);
    return [lat + dn / 111320, lon + de / (111320 * Math.cos(lat * Math.PI / 180))];
  };

  SV.cone = function (cam, length, halfAngle) {
    const pts = [[cam.latitude, cam.longitude]];
    for (let a = -halfAngle; a <= halfAngle; a += 5) pts.push(SV.offset(cam.latitude, cam.longitude, cam.direction + a, length));
    return pts;
  };

  /* Draws one camera (marker, uncertainty circle, view cone) into a layer group; returns the group. */
  SV.drawCamera = function (cam, group, onClick) {
    group.clearLayers();
    if (cam.latitude === null || cam.longitude === null) return group;
    const color = SV.COLORS[cam.review_state] || SV.COLORS.pending;
    if (cam.uncertainty_m) L.circle([cam.latitude, cam.longitude], { radius: cam.uncertainty_m, color: color,
      weight: 1, opacity: 0.6, fillOpacity: 0.08, interactive: false }).addTo(group);
    if (cam.camera_type === "fixed" && cam.direction !== null && cam.direction !== undefined) {
      L.polygon(SV.cone(cam, SV.config.view_cone_m || 25, 30), { color: color, weight: 1, fillOpacity: 0.25,
        interactive: false, className: "view-cone" }).addTo(group);
    }
    const m = L.circleMarker([cam.latitude, cam.longitude], { radius: 8, color: "#fff", weight: 2,
      fillColor: color, fillOpacity: 1, className: "cam cam-" + cam.review_state }).addTo(group);
    if (onClick) m.on("click", function () { onClick(cam); });
    return group;
  };

  if (document.getElementById("status-line")) {
    SV.pollStatus();
    setInterval(SV.pollStatus, (SV.config.poll_ms || 3000) * 3);
  }
})(window.SV);
