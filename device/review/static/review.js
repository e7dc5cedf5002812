/* The review queue: one camera at a time; buttons and keyboard; every decision written at once; undo; live. */
"use strict";
(function (SV) {
  const $ = function (id) { return document.getElementById(id); };

  SV.reviewPage = async function () {
    const walkId = SV.config.walk_id, ro = SV.config.read_only;
    let cameras = [], index = -1, current = null, busy = 0, chain = Promise.resolve();
    const map = SV.makeMap("mini-map", { zoomControl: true });
    map.setView([0, 0], 2);
    const track = L.layerGroup().addTo(map), camLayer = L.layerGroup().addTo(map);
    const marker = L.marker([0, 0], { draggable: !ro, keyboard: false, title: "Drag to correct the position" });

    /* Keys typed ahead are applied in order, one request at a time, never dropped. */
    function enqueue(fn) {
      busy++;
      chain = chain.then(fn).catch(function (e) { SV.toast(e.message, true); }).finally(function () { busy--; });
      return chain;
    }

    const reviewerInput = $("reviewer");
    let trackBounds = null;
    reviewerInput.value = localStorage.getItem("sv-reviewer") || SV.config.reviewer || "";
    reviewerInput.addEventListener("change", function () {
      localStorage.setItem("sv-reviewer", reviewerInput.value.trim());
      reviewerInput.blur();
    });

    map.on("click", function (e) {  /* a camera without a GPS position: tap where it is */
      if (current && current.latitude === null) decide("move", { latitude: e.latlng.lat, longitude: e.latlng.lng });
    });

    marker.on("dragend", function () {
      const p = marker.getLatLng();
      decide("move", { latitude: p.lat, longitude: p.lng });
    });

    function progress() {
      const pending = cameras.filter(function (c) { return c.review_state === "pending"; }).length;
      $("progress").textContent = (index >= 0 ? "Camera " + (index + 1) + " of " + cameras.length + " · " : "") +
        pending + " pending";
      $("review").dataset.pending = pending;
    }

    function render(cam) {
      current = cam;
      $("done").hidden = true;
      $("review").classList.remove("all-done");
      $("review").dataset.camera = cam.id;
      $("review").dataset.state = cam.review_state;
      const img = $("best-crop");
      img.src = cam.crop_url || "data:,";
      img.alt = cam.crop_url ? "Best view of camera " + cam.id : "No crop kept";
      const thumbs = $("thumbs");
      thumbs.innerHTML = "";
      cam.sightings.forEach(function (s) {
        if (!s.crop_url) return;
        const t = document.createElement("img");
        t.src = s.crop_url; t.alt = "sighting " + s.id; t.loading = "lazy";
        t.addEventListener("click", function () { img.src = s.crop_url; });
        thumbs.appendChild(t);
      });
      $("camera-meta").textContent = [
        cam.sightings_count + " sighting" + (cam.sightings_count === 1 ? "" : "s"),
        cam.confidence !== null ? "confidence " + Math.round(cam.confidence * 100) + " %" : null,
        cam.has_position ? "± " + Math.round(cam.uncertainty_m || 0) + " m (" + cam.position_method + ")" : "no GPS position",
        cam.first_seen ? new Date(cam.first_seen).toLocaleTimeString() : null,
      ].filter(Boolean).join(" · ");
      const state = $("state");
      state.textContent = cam.review_state + (cam.reviewer && cam.review_state !== "pending" ? " by " + cam.reviewer : "");
      state.className = "state " + cam.review_state;
      document.querySelectorAll("[data-type]").forEach(function (b) {
        b.classList.toggle("on", b.dataset.type === cam.camera_type);
        b.setAttribute("aria-pressed", b.dataset.type === cam.camera_type);
      });
      document.querySelectorAll("[data-mount]").forEach(function (b) {
        b.classList.toggle("on", b.dataset.mount === cam.mount);
        b.setAttribute("aria-pressed", b.dataset.mount === cam.mount);
      });
      document.querySelectorAll("[data-surveillance]").forEach(function (b) {
        b.classList.toggle("on", b.dataset.surveillance === cam.surveillance);
        b.setAttribute("aria-pressed", b.dataset.surveillance === cam.surveillance);
      });
      $("facing-value").textContent = cam.direction === null ? "unknown" : Math.round(cam.direction) + "°";
      $("facing-select").value = "";
      renderMap(cam);
      renderDupes(cam);
      progress();
    }

    function renderMap(cam) {
      SV.drawCamera(cam, camLayer);
      if (cam.latitude !== null) {
        marker.setLatLng([cam.latitude, cam.longitude]).addTo(map);
        map.setView([cam.latitude, cam.longitude], Math.max(map.getZoom(), 18), { animate: false });
        $("map-hint").textContent = ro ? "" : "Drag the marker to correct the position.";
      } else {
        map.removeLayer(marker);
        if (trackBounds && trackBounds.isValid()) map.fitBounds(trackBounds, { padding: [10, 10] });
        $("map-hint").textContent = ro ? "No GPS position." : "No GPS position: tap the map where the camera is.";
      }
    }

    function renderDupes(cam) {
      const box = $("dupes");
      box.innerHTML = "";
      function row(label, other, action, text) {
        const div = document.createElement("div");
        div.className = "dupe";
        if (other.crop_url) {
          const i = document.createElement("img"); i.src = other.crop_url; i.alt = "camera " + other.id; div.appendChild(i);
        }
        const span = document.createElement("span");
        span.textContent = label;
        div.appendChild(span);
        const b = document.createElement("button");
        b.className = "btn"; b.textContent = text; b.dataset.action = action; b.dataset.other = other.id;
        b.addEventListener("click", function () {
          decide(action, action === "merge" ? { into: other.id } : { member: other.id });
        });
        div.appendChild(b);
        box.appendChild(div);
      }
      if (cam.duplicates.length) {
        const h = document.createElement("h3"); h.textContent = "Same camera as…"; box.appendChild(h);
        cam.duplicates.forEach(function (o, i) {
          row(o.camera_type + ", " + o.distance_m + " m away, " + o.review_state, o, "merge", (i === 0 ? "m · " : "") + "Merge");
        });
      }
      if (cam.members.length) {
        const h = document.createElement("h3"); h.textContent = "Merged here"; box.appendChild(h);
        cam.members.forEach(function (o) { row(o.camera_type + " #" + o.id, o, "split", "Split"); });
      }
    }

    async function show(i) {
      if (!cameras.length) { showDone(); return; }
      index = (i + cameras.length) % cameras.length;
      render(await SV.api("GET", "/api/cameras/" + cameras[index].id));
    }

    function showDone() {
      $("done").hidden = false;
      $("review").classList.add("all-done");
      progress();
    }

    function nextPending(from) {
      for (let k = 1; k <= cameras.length; k++) {
        const j = (from + k) % cameras.length;
        if (cameras[j].review_state === "pending") return j;
      }
      return -1;
    }

    async function refreshList() {
      const data = await SV.api("GET", "/api/walks/" + walkId + "/cameras");
      const before = cameras.length;
      cameras = data.cameras;
      if (current) {
        const j = cameras.findIndex(function (c) { return c.id === current.id; });
        if (j >= 0) index = j;
      }
      if (cameras.length > before && before > 0) SV.toast((cameras.length - before) + " new camera(s)");
      progress();
      return data;
    }

    function decide(action, payload) {
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      enqueue(function () { return doDecide(action, payload); });
    }

    async function doDecide(action, payload) {
      if (!current) return;
      try {
        const body = Object.assign({}, payload || {});
        if (reviewerInput.value.trim()) body.reviewer = reviewerInput.value.trim();
        const res = await SV.api("POST", "/api/cameras/" + current.id + "/" + action, body);
        await refreshList();
        SV.toast(action === "confirm" ? "Confirmed" : action === "reject" ? "Rejected" : "Saved");
        if (action === "confirm" || action === "reject" || action === "merge") {
          const j = nextPending(index);
          if (j < 0) { render(res.camera); showDone(); } else { await show(j); }
        } else {
          render(res.camera);
        }
      } catch (e) {
        SV.toast(e.message, true);
        if (current) render(current);  // e.g. put a dragged marker back
      }
    }

    function undo() {
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      enqueue(async function () {
        const res = await SV.api("POST", "/api/walks/" + walkId + "/undo", {});
        await refreshList();
        const j = cameras.findIndex(function (c) { return c.id === res.camera.id; });
        if (j >= 0) index = j;
        render(res.camera);
        SV.toast("Undone: " + res.decision.action);
      });
    }

    function turn(delta) {  /* computed when its turn comes, so typed-ahead turns add up */
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      enqueue(function () {
        if (!current) return;
        if (delta === "clear") return doDecide("set", { direction: null });
        const base = current.direction === null ? 0 : current.direction;
        return doDecide("set", { direction: ((base + Number(delta)) % 360 + 360) % 360 });
      });
    }

    function mergeNearest() {
      if (ro) return;
      enqueue(function () {
        if (current && current.duplicates.length) return doDecide("merge", { into: current.duplicates[0].id });
        SV.toast("no nearby camera to merge with", true);
      });
    }

    function go(step) { enqueue(function () { return show(index + step); }); }

    document.querySelectorAll("[data-type]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { camera_type: b.dataset.type }); });
    });
    document.querySelectorAll("[data-mount]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { mount: b.dataset.mount }); });
    });
    document.querySelectorAll("[data-surveillance]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { surveillance: b.dataset.surveillance }); });
    });
    document.querySelectorAll("[data-turn]").forEach(function (b) {
      b.addEventListener("click", function () { turn(b.dataset.turn); });
    });
    $("facing-select").addEventListener("change", function (e) {
      if (e.target.value !== "") decide("set", { direction: Number(e.target.value) });
    });
    $("confirm").addEventListener("click", function () { decide("confirm"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("undo").addEventListener("click", undo);
    $("next").addEventListener("click", function () { go(1); });
    $("prev").addEventListener("click", function () { go(-1); });

    const TYPES = { "1": "dome", "2": "fixed", "3": "ptz" }, MOUNTS = { p: "pole", w: "wall", g: "ceiling" };
    document.addEventListener("keydown", function (e) {
      if (e.altKey || e.metaKey || ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
      const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if ((e.ctrlKey && k === "z") || (!e.ctrlKey && k === "u")) { e.preventDefault(); undo(); return; }
      if (e.ctrlKey) return;
      if (k === "Enter" && e.target.tagName === "BUTTON") return;  // the focused button's own click
      if (k === "c" || k === "Enter") decide("confirm");
      else if (k === "x") decide("reject");
      else if (TYPES[k]) decide("set", { camera_type: TYPES[k] });
      else if (MOUNTS[k]) decide("set", { mount: MOUNTS[k] });
      else if (k === "ArrowLeft") turn(e.shiftKey ? -5 : -15);
      else if (k === "ArrowRight") turn(e.shiftKey ? 5 : 15);
      else if (k === "d") turn("clear");
      else if (k === "m") mergeNearest();
      else if (k === "?") $("keys").open = !$("keys").open;
      else if (k === "j" || k === "n" || k === "ArrowDown") go(1);
      else if (k === "k" || k === "b" || k === "ArrowUp") go(-1);
      else return;
      e.preventDefault();
    });

    try {
      const walk = await SV.api("GET", "/api/walks/" + walkId);
      trackBounds = L.latLngBounds([]);
      walk.track.forEach(function (seg) {
        L.polyline(seg, { color: "#2b6cb0", weight: 3, opacity: 0.7, interactive: false }).addTo(track);
        seg.forEach(function (p) { trackBounds.extend(p); });
      });
      await refreshList();
      let start = cameras.findIndex(function (c) { return c.id === SV.config.start_camera; });
      if (start < 0) start = cameras.findIndex(function (c) { return c.review_state === "pending"; });
      if (start < 0 && cameras.length) { await show(0); showDone(); }
      else if (start < 0) showDone();
      else await show(start);
    } catch (e) { SV.toast(e.message, true); }
    $("review").dataset.ready = "1";

    setInterval(function () {
      if (busy) return;
      enqueue(async function () {
        try {
          await refreshList();
          if (!$("done").hidden) {
            const j = nextPending(index < 0 ? -1 : index);
            if (j >= 0) await show(j);
          }
        } catch (e) { /* offline for a moment: the next poll tries again */ }
      });
    }, SV.config.poll_ms || 3000);
  };
})(window.SV);
