/* The walk map: track, cameras coloured by review state, uncertainty circles, view cones; live updates. */
"use strict";
(function (SV) {
  SV.walkMap = async function () {
    const walkId = SV.config.walk_id;
    const map = SV.makeMap("map");
    map.setView([0, 0], 2);
    const trackLayer = L.layerGroup().addTo(map);
    const groups = {};
    let fitted = false;

    function popup(cam) {
      const div = document.createElement("div");
      div.className = "cam-popup";
      if (cam.crop_url) { const img = document.createElement("img"); img.src = cam.crop_url; img.alt = "crop"; div.appendChild(img); }
      const p = document.createElement("p");
      p.textContent = cam.camera_type + " · " + cam.mount + " · " + cam.review_state +
        (cam.direction !== null ? " · facing " + Math.round(cam.direction) + "°" : "");
      div.appendChild(p);
      const a = document.createElement("a");
      a.href = "/walks/" + walkId + "/review?camera=" + cam.id; a.textContent = "Review"; a.className = "btn primary";
      div.appendChild(a);
      return div;
    }

    function updateCounts(walk) {
      document.querySelectorAll("[data-count]").forEach(function (el) { el.textContent = walk[el.dataset.count]; });
    }

    async function loadTrack() {
      const data = await SV.api("GET", "/api/walks/" + walkId);
      trackLayer.clearLayers();
      const bounds = L.latLngBounds([]);
      data.track.forEach(function (seg) {
        L.polyline(seg, { color: "#2b6cb0", weight: 4, opacity: 0.8, className: "track" }).addTo(trackLayer);
        seg.forEach(function (p) { bounds.extend(p); });
      });
      return bounds;
    }

    async function loadCameras() {
      const data = await SV.api("GET", "/api/walks/" + walkId + "/cameras");
      updateCounts(data.walk);
      const seen = {};
      const bounds = L.latLngBounds([]);
      data.cameras.forEach(function (cam) {
        seen[cam.id] = true;
        if (!groups[cam.id]) groups[cam.id] = L.layerGroup().addTo(map);
        SV.drawCamera(cam, groups[cam.id], function () {
          L.popup().setLatLng([cam.latitude, cam.longitude]).setContent(popup(cam)).openOn(map);
        });
        if (cam.latitude !== null) bounds.extend([cam.latitude, cam.longitude]);
      });
      Object.keys(groups).forEach(function (id) { if (!seen[id]) { map.removeLayer(groups[id]); delete groups[id]; } });
      document.getElementById("map").dataset.cameras = data.cameras.length;
      return bounds;
    }

    try {
      const b1 = await loadTrack(), b2 = await loadCameras();
      b1.extend(b2);
      if (b1.isValid()) { map.fitBounds(b1, { padding: [30, 30], maxZoom: 19 }); fitted = true; }
    } catch (e) { SV.toast(e.message, true); }
    document.getElementById("map").dataset.ready = "1";
    setInterval(async function () {
      try {
        const b = await loadCameras();
        if (!fitted && b.isValid()) { map.fitBounds(b, { padding: [30, 30], maxZoom: 19 }); fitted = true; }
        loadTrack();
      } catch (e) { /* try again */ }
    }, SV.config.poll_ms || 3000);
  };
})(window.SV);
