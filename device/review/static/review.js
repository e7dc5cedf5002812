/* The review queue: one camera at a time; one-tap profiles, chips and keyboard; every decision written at once;
   undo; live. After each decision the page scrolls back to the next camera's picture. */
"use strict";
(function (SV) {
  const $ = function (id) { return document.getElementById(id); };

  SV.reviewPage = async function () {
    const walkId = SV.config.walk_id, ro = SV.config.read_only, profiles = SV.config.profiles || [];
    let all = [], cameras = [], index = -1, current = null, busy = 0, chain = Promise.resolve();
    const map = SV.makeMap("mini-map", { zoomControl: true });
    map.setView([0, 0], 2);
    const track = L.layerGroup().addTo(map), mapped = L.layerGroup().addTo(map), camLayer = L.layerGroup().addTo(map);
    const marker = L.marker([0, 0], { draggable: !ro, keyboard: false, title: "Drag to correct the position",
      alt: "Camera position" });
    const queue = SV.reviewQueue({
      onOpen: function (id) { enqueue(function () { return showId(id); }); },
      onBatch: function (ids) { enqueue(function () { return batchConfirm(ids); }); },
      onChange: function () { cameras = queue.view(all); progress(); },
    });

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
      const pending = all.filter(function (c) { return c.review_state === "pending"; }).length;
      const done = all.length - pending;
      $("progress").textContent = all.length ? done + " of " + all.length + " reviewed" : "No cameras yet";
      const bar = $("progress-bar");
      bar.setAttribute("aria-valuemax", all.length);
      bar.setAttribute("aria-valuenow", done);
      bar.firstElementChild.style.width = (all.length ? 100 * done / all.length : 0) + "%";
      $("review").dataset.pending = pending;
    }

    function press(selector, key, value) {
      document.querySelectorAll(selector).forEach(function (b) {
        b.classList.toggle("on", b.dataset[key] === value);
        b.setAttribute("aria-pressed", b.dataset[key] === value);
      });
    }

    function thumb(s, img, label) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "thumb" + (s.flag ? " flagged" : "");
      b.setAttribute("aria-label", label);
      if (s.flag) b.title = s.flag;
      const t = document.createElement("img");
      t.src = s.crop_url; t.alt = ""; t.loading = "lazy";
      b.appendChild(t);
      b.addEventListener("click", function () { img.src = s.crop_url; });
      return b;
    }

    function renderThumbs(cam, img) {
      const thumbs = $("thumbs");
      thumbs.innerHTML = "";
      const own = cam.sightings.filter(function (s) { return s.crop_url && s.camera_id === cam.id; });
      own.filter(function (s) { return !s.flag; }).forEach(function (s) {
        thumbs.appendChild(thumb(s, img, "sighting at " + (s.utc || "").slice(11, 19)));
      });
      const flagged = own.filter(function (s) { return s.flag; });
      if (flagged.length) {
        const g = document.createElement("span"); g.className = "thumb-group"; g.textContent = "maybe another object:";
        thumbs.appendChild(g);
        flagged.forEach(function (s) { thumbs.appendChild(thumb(s, img, "flagged sighting: " + s.flag)); });
      }
      cam.members.forEach(function (m) {
        const theirs = cam.sightings.filter(function (s) { return s.crop_url && s.camera_id === m.id; });
        if (!theirs.length) return;
        const g = document.createElement("span"); g.className = "thumb-group"; g.textContent = "merged " + m.camera_type + ":";
        thumbs.appendChild(g);
        theirs.forEach(function (s) { thumbs.appendChild(thumb(s, img, "sighting of merged camera " + m.id)); });
      });
    }

    function render(cam) {
      current = cam;
      $("done").hidden = true;
      $("review").classList.remove("all-done");
      $("review").dataset.camera = cam.id;
      $("review").dataset.state = cam.review_state;
      const img = $("best-crop");
      img.src = cam.crop_url || "data:,";
      renderThumbs(cam, img);
      $("camera-meta").textContent = [
        cam.sightings_count + " sighting" + (cam.sightings_count === 1 ? "" : "s"),
        cam.confidence !== null ? "confidence " + Math.round(cam.confidence * 100) + " %" : null,
        cam.has_position ? "± " + Math.round(cam.uncertainty_m || 0) + " m" : "no GPS position",
        cam.first_seen ? new Date(cam.first_seen).toLocaleTimeString() : null,
      ].filter(Boolean).join(" · ");
      const state = $("state");
      state.textContent = cam.review_state.charAt(0).toUpperCase() + cam.review_state.slice(1) +
        (cam.reviewer && cam.review_state !== "pending" ? " by " + cam.reviewer : "") +
        (cam.check_date ? " · seen again " + cam.check_date : "");
      state.className = "state " + cam.review_state;
      SV.showPrivacy(cam, function (changed) { current = changed; });
      press("[data-type]", "type", cam.camera_type);
      press("[data-mount]", "mount", cam.mount);
      press("[data-surveillance]", "surveillance", cam.surveillance);
      document.querySelectorAll("[data-profile]").forEach(function (b) {
        const p = profiles[Number(b.dataset.profile)];
        const on = cam.review_state === "confirmed" && p.camera_type === cam.camera_type && p.mount === cam.mount &&
          p.surveillance === cam.surveillance;
        b.classList.toggle("on", on);
      });
      $("osm-badge").hidden = !cam.osm_node;
      $("seen-again").hidden = !cam.osm_node;
      if (cam.osm_node) {
        $("seen-again-text").textContent = "Already in OpenStreetMap (node " + cam.osm_node.id + ", " +
          Math.round(cam.osm_node.distance_m) + " m away).";
      }
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
        b.type = "button"; b.className = "btn"; b.textContent = text; b.dataset.action = action; b.dataset.other = other.id;
        b.addEventListener("click", function () {
          decide(action, action === "merge" ? { into: other.id } : { member: other.id });
        });
        div.appendChild(b);
        box.appendChild(div);
      }
      if (cam.duplicates.length) {
        const h = document.createElement("h2"); h.textContent = "Same camera as…"; box.appendChild(h);
        cam.duplicates.forEach(function (o, i) {
          row(o.camera_type + ", " + o.distance_m + " m away, " + o.review_state, o, "merge", (i === 0 ? "m · " : "") + "Merge");
        });
      }
      if (cam.members.length) {
        const h = document.createElement("h2"); h.textContent = "Merged here"; box.appendChild(h);
        cam.members.forEach(function (o) { row(o.camera_type + " #" + o.id, o, "split", "Split"); });
      }
    }

    function toTop() { window.scrollTo({ top: 0, left: 0, behavior: "instant" }); }

    async function show(i) {
      if (!cameras.length) { showDone(); return; }
      index = (i + cameras.length) % cameras.length;
      render(await SV.api("GET", "/api/cameras/" + cameras[index].id));
    }

    async function showId(id) {
      const j = cameras.findIndex(function (c) { return c.id === id; });
      if (j >= 0) { await show(j); toTop(); }
    }

    function showDone() {
      $("done").hidden = false;
      $("review").classList.add("all-done");
      progress();
      toTop();
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
      const before = all.length;
      all = data.cameras;
      cameras = queue.view(all);
      queue.render(all);
      if (current) {
        const j = cameras.findIndex(function (c) { return c.id === current.id; });
        index = j >= 0 ? j : Math.min(index, cameras.length) - 1;  /* gone from the view: the next one is next */
      }
      if (all.length > before && before > 0) SV.toast((all.length - before) + " new camera(s)");
      progress();
      return data;
    }

    async function advance(fallback) {
      const j = nextPending(index);
      if (j < 0) { if (fallback) render(fallback); showDone(); } else { await show(j); toTop(); }
    }

    function decide(action, payload) {
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      enqueue(function () { return doDecide(action, payload); });
    }

    const SAID = { confirm: "Confirmed", reject: "Rejected", merge: "Merged", "seen-again": "Seen again: confirmed" };

    async function doDecide(action, payload) {
      if (!current) return;
      const body = Object.assign({}, payload || {});
      if (reviewerInput.value.trim()) body.reviewer = reviewerInput.value.trim();
      let res;
      try {
        res = await SV.api("POST", "/api/cameras/" + current.id + "/" + action, body);
      } catch (e) {
        if (e.status === 409 && e.data && e.data.ask && await SV.ask(e.message, "Merge anyway")) {
          return doDecide(action, Object.assign({}, payload, { force: true }));
        }
        if (e.status !== 409) SV.toast(e.message, true);
        if (current) render(current);  // e.g. put a dragged marker back
        return;
      }
      await refreshList();
      const profile = payload && payload.profile !== undefined ? profiles[payload.profile] : null;
      SV.toast(profile ? "Confirmed: " + profile.camera_type + " · " + profile.mount + " · " + profile.surveillance
        : SAID[action] || "Saved");
      if (action in SAID) await advance(res.camera);
      else render(res.camera);
    }

    async function batchConfirm(ids) {
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      const body = { action: "confirm", camera_ids: ids };
      if (reviewerInput.value.trim()) body.reviewer = reviewerInput.value.trim();
      const res = await SV.api("POST", "/api/walks/" + walkId + "/batch", body);
      await refreshList();
      queue.clear();
      SV.toast("Confirmed " + res.count + " camera" + (res.count === 1 ? "" : "s") + " · Undo takes them all back");
      await advance(null);
    }

    function undo() {
      if (ro) { SV.toast("read-only mode: changes are refused", true); return; }
      enqueue(async function () {
        const res = await SV.api("POST", "/api/walks/" + walkId + "/undo", {});
        await refreshList();
        const j = cameras.findIndex(function (c) { return c.id === res.camera.id; });
        if (j >= 0) index = j;
        render(res.camera);
        toTop();
        const n = Object.keys(res.decision.before).length;
        SV.toast("Undone: " + res.decision.action + (n > 1 ? " of " + n + " cameras" : ""));
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

    function useProfile(i) {
      const p = profiles[i];
      if (p) decide("confirm", { camera_type: p.camera_type, mount: p.mount, surveillance: p.surveillance, profile: i });
    }

    function seenAgain() {
      enqueue(function () {
        if (current && current.osm_node) return doDecide("seen-again", {});
        SV.toast("this camera is not near one already in OpenStreetMap", true);
      });
    }

    function go(step) { enqueue(function () { return show(index + step); }); }

    function openDialog(id) { const d = $(id); if (!d.open) d.showModal(); }

    document.querySelectorAll("[data-type]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { camera_type: b.dataset.type }); });
    });
    document.querySelectorAll("[data-mount]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { mount: b.dataset.mount }); });
    });
    document.querySelectorAll("[data-surveillance]").forEach(function (b) {
      b.addEventListener("click", function () { decide("set", { surveillance: b.dataset.surveillance }); });
    });
    document.querySelectorAll("[data-profile]").forEach(function (b) {
      b.addEventListener("click", function () { useProfile(Number(b.dataset.profile)); });
    });
    document.querySelectorAll("[data-turn]").forEach(function (b) {
      b.addEventListener("click", function () { turn(b.dataset.turn); });
    });
    $("facing-select").addEventListener("change", function (e) {
      if (e.target.value !== "") decide("set", { direction: Number(e.target.value) });
    });
    $("confirm").addEventListener("click", function () { decide("confirm"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("confirm-seen").addEventListener("click", seenAgain);
    $("undo").addEventListener("click", undo);
    $("done-undo").addEventListener("click", undo);
    $("next").addEventListener("click", function () { go(1); });
    $("prev").addEventListener("click", function () { go(-1); });
    $("open-help").addEventListener("click", function () { openDialog("help"); });
    $("open-queue").addEventListener("click", function () { openDialog("queue"); });
    $("zoom-open").addEventListener("click", function () {
      if (!current) return;
      $("zoom-img").src = current.context_url || current.crop_url || "data:,";
      $("zoom-note").textContent = current.context_url ? "The camera in its surroundings: people, faces and number " +
        "plates blurred, and the ground below the camera blurred." : "Only the close-up was kept for this camera.";
      openDialog("zoom");
    });

    const TYPES = { "1": "dome", "2": "fixed", "3": "ptz" }, MOUNTS = { p: "pole", w: "wall", g: "ceiling" };
    document.addEventListener("keydown", function (e) {
      if (e.altKey || e.metaKey || ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
      if (document.querySelector("dialog[open]")) return;  /* a sheet is open: its own buttons and Escape */
      const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if ((e.ctrlKey && k === "z") || (!e.ctrlKey && k === "u")) { e.preventDefault(); undo(); return; }
      if (e.ctrlKey) return;
      if (k === "Enter" && e.target.tagName === "BUTTON") return;  // the focused button's own click
      const digit = /^Digit([1-9])$/.exec(e.code || "");
      if (e.shiftKey && digit) useProfile(Number(digit[1]) - 1);
      else if (k === "c" || k === "Enter") decide("confirm");
      else if (k === "x") decide("reject");
      else if (TYPES[k]) decide("set", { camera_type: TYPES[k] });
      else if (MOUNTS[k]) decide("set", { mount: MOUNTS[k] });
      else if (k === "ArrowLeft") turn(e.shiftKey ? -5 : -15);
      else if (k === "ArrowRight") turn(e.shiftKey ? 5 : 15);
      else if (k === "d") turn("clear");
      else if (k === "m") mergeNearest();
      else if (k === "s") seenAgain();
      else if (k === "?") openDialog("help");
      else if (k === "q") openDialog("queue");
      else if (k === "j" || k === "n" || k === "ArrowDown") go(1);
      else if (k === "k" || k === "b" || k === "ArrowUp") go(-1);
      else return;
      e.preventDefault();
    });

    try {
      const walk = await SV.api("GET", "/api/walks/" + walkId);
      trackBounds = L.latLngBounds([]);
      walk.track.forEach(function (seg) {
        L.polyline(seg, { color: "#1f5fa3", weight: 3, opacity: 0.7, interactive: false }).addTo(track);
        seg.forEach(function (p) { trackBounds.extend(p); });
      });
      if (walk.mapped) SV.drawMapped(walk.mapped, mapped);
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
