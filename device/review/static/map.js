/* The walk map: track, cameras coloured by review state, uncertainty circles, view cones; live updates. */
"use strict";
(function (SV) {
  SV.walkMap = async function () {
    const walkId = SV.config.walk_id;
    const map = SV.makeMap("map");
    map.setView([0, 0], 2);
    const trackLayer = L.layerGroup().addTo(map), mappedLayer = L.layerGroup().addTo(map);
    const groups = {};
    let fitted = false, filter = "all", latest = [], walkRunning = false;

    function openPopup(cam) {
      L.popup().setLatLng([cam.latitude, cam.longitude]).setContent(popup(cam)).openOn(map);
    }

    function renderList() {
      const list = document.getElementById("cam-list");
      list.innerHTML = "";
      latest.filter(function (c) { return filter === "all" || c.review_state === filter; }).forEach(function (cam) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = "/walks/" + walkId + "/review?camera=" + cam.id;
        if (cam.crop_url) { const img = document.createElement("img"); img.src = cam.crop_url; img.alt = ""; a.appendChild(img); }
        const dot = document.createElement("i"); dot.className = "dot " + cam.review_state; a.appendChild(dot);
        a.appendChild(document.createTextNode(cam.camera_type + " · " + cam.mount +
          (cam.latitude === null ? " · no position" : "") + SV.privacyLabel(cam)));
        if (cam.latitude !== null) {
          a.addEventListener("click", function (e) {
            e.preventDefault();
            map.setView([cam.latitude, cam.longitude], Math.max(map.getZoom(), 18));
            openPopup(cam);
          });
        }
        li.appendChild(a);
        list.appendChild(li);
      });
    }

    document.querySelectorAll("[data-filter]").forEach(function (b) {
      b.addEventListener("click", function () {
        filter = b.dataset.filter;
        document.querySelectorAll("[data-filter]").forEach(function (o) { o.classList.toggle("on", o === b); });
        Object.keys(groups).forEach(function (id) {
          const cam = latest.find(function (c) { return String(c.id) === id; });
          const show = filter === "all" || (cam && cam.review_state === filter);
          if (show && !map.hasLayer(groups[id])) groups[id].addTo(map);
          if (!show && map.hasLayer(groups[id])) map.removeLayer(groups[id]);
        });
        renderList();
      });
    });

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
      SV.drawMapped(data.mapped || [], mappedLayer);
      const bounds = L.latLngBounds([]);
      data.track.forEach(function (seg) {
        L.polyline(seg, { color: "#1f5fa3", weight: 4, opacity: 0.8, className: "track" }).addTo(trackLayer);
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
        SV.drawCamera(cam, groups[cam.id], openPopup);
        const show = filter === "all" || cam.review_state === filter;
        if (show && !map.hasLayer(groups[cam.id])) groups[cam.id].addTo(map);
        if (!show && map.hasLayer(groups[cam.id])) map.removeLayer(groups[cam.id]);
        if (cam.latitude !== null) bounds.extend([cam.latitude, cam.longitude]);
      });
      Object.keys(groups).forEach(function (id) { if (!seen[id]) { map.removeLayer(groups[id]); delete groups[id]; } });
      document.getElementById("map").dataset.cameras = data.cameras.length;
      latest = data.cameras;
      walkRunning = data.walk.status === "running";
      renderList();
      return bounds;
    }

    SV.privacyMap(map, async function () { await loadCameras(); await loadTrack(); });
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
        if (walkRunning) await loadTrack();  /* the track only grows while the walk is recorded */
      } catch (e) { /* try again */ }
    }, SV.config.poll_ms || 3000);
  };
})(window.SV);
