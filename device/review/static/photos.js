/* Photo walks (sousveillance label): confirm or reject each proposed box, fix a box, draw a missed camera. */
"use strict";
(function (SV) {
  const $ = function (id) { return document.getElementById(id); };

  SV.photosPage = async function () {
    const walkId = SV.config.walk_id, ro = SV.config.read_only;
    let photos = [], index = 0, selected = null, mode = "select", drawType = "fixed", drag = null;
    const layout = $("photos"), stage = $("stage"), img = $("photo"), draft = $("draft");

    const reviewerInput = $("reviewer");
    reviewerInput.value = localStorage.getItem("sv-reviewer") || SV.config.reviewer || "";
    reviewerInput.addEventListener("change", function () { localStorage.setItem("sv-reviewer", reviewerInput.value.trim()); });
    function reviewer() { return reviewerInput.value.trim() || undefined; }

    function photo() { return photos[index]; }
    function box() { return photo() && photo().boxes.find(function (b) { return b.sighting_id === selected; }); }

    function setMode(m) {
      mode = ro ? "select" : m;
      layout.dataset.mode = mode;
      $("mode-hint").textContent = mode === "draw" ? "Drag a box around the camera the model missed (Esc: cancel)."
        : mode === "fix" ? "Drag the right box for this camera (Esc: cancel)."
        : "Confirm or reject every box; drag a box around each camera the model missed. Boxes mark cameras only.";
    }

    async function load(keepSelection) {
      const data = await SV.api("GET", "/api/walks/" + walkId + "/photos");
      photos = data.photos;
      if (!keepSelection) {
        const open = photos.findIndex(function (p) { return p.state !== "done"; });
        index = open >= 0 ? open : 0;
      }
      render();
    }

    function render() {
      const p = photo();
      const pending = photos.reduce(function (n, q) {
        return n + q.boxes.filter(function (b) { return b.review_state === "pending"; }).length;
      }, 0);
      $("progress").textContent = photos.length ? "Photo " + (index + 1) + " of " + photos.length + " · " + pending +
        " boxes pending" : "No photo";
      layout.dataset.pending = pending;
      const list = $("photo-list");
      list.innerHTML = "";
      photos.forEach(function (q, i) {
        const li = document.createElement("li"), b = document.createElement("button");
        b.textContent = (i + 1) + " · " + q.boxes.length;
        b.title = q.file + " (" + q.state + ")";
        b.className = q.state + (i === index ? " current" : "");
        b.addEventListener("click", function () { show(i); });
        li.appendChild(b);
        list.appendChild(li);
      });
      if (!p) return;
      layout.dataset.photo = p.id;
      if (img.dataset.src !== p.url) { img.src = p.url; img.dataset.src = p.url; img.alt = p.file; }
      $("photo-meta").textContent = p.file + " · " + p.width + "×" + p.height + " px · " + p.boxes.length +
        " boxes (" + p.proposals + " proposed by the model)";
      const boxes = $("boxes");
      boxes.innerHTML = "";
      p.boxes.forEach(function (b) {
        const el = document.createElement("button");
        el.className = "pbox " + b.review_state + (b.sighting_id === selected ? " selected" : "");
        el.dataset.box = b.sighting_id;
        el.style.left = (100 * b.x1 / p.width) + "%";
        el.style.top = (100 * b.y1 / p.height) + "%";
        el.style.width = (100 * (b.x2 - b.x1) / p.width) + "%";
        el.style.height = (100 * (b.y2 - b.y1) / p.height) + "%";
        el.title = b.camera_type + (b.confidence === null ? " (drawn)" : " " + b.confidence.toFixed(2)) + " · " + b.review_state;
        el.setAttribute("aria-label", "box " + b.sighting_id + ": " + el.title);
        el.addEventListener("click", function (e) { e.stopPropagation(); selected = b.sighting_id; render(); });
        boxes.appendChild(el);
      });
      const b = box();
      $("box-state").textContent = b ? b.camera_type + " · " + b.review_state : "Pick a box on the photo";
      $("box-state").className = "state " + (b ? b.review_state : "");
      $("box-crop").src = b && b.crop_url ? b.crop_url : "data:,";
      document.querySelectorAll("[data-type]").forEach(function (c) {
        c.classList.toggle("on", b ? c.dataset.type === b.camera_type : mode === "draw" && c.dataset.type === drawType);
      });
      ["confirm", "reject", "fix"].forEach(function (id) { $(id).disabled = ro || !b; });
      ["draw", "undo"].forEach(function (id) { $(id).disabled = ro; });
    }

    function show(i) {
      if (i < 0 || i >= photos.length) return;
      index = i; selected = null; setMode("select"); render();
    }

    async function decide(action, extra) {
      const b = box();
      if (!b || ro) return;
      await SV.api("POST", "/api/cameras/" + b.camera_id + "/" + action,
        Object.assign({ camera_type: b.camera_type, reviewer: reviewer() }, extra || {}));
      await load(true);
      if (action !== "set") {  /* on to the next box still pending on this photo */
        const next = photo().boxes.find(function (x) { return x.review_state === "pending"; });
        selected = next ? next.sighting_id : selected;
        render();
      }
    }

    function pointAt(e) {
      const r = img.getBoundingClientRect(), p = photo();
      return { x: Math.max(0, Math.min(p.width, (e.clientX - r.left) * p.width / r.width)),
               y: Math.max(0, Math.min(p.height, (e.clientY - r.top) * p.height / r.height)) };
    }

    function showDraft(a, b) {
      const p = photo();
      draft.hidden = false;
      draft.style.left = (100 * Math.min(a.x, b.x) / p.width) + "%";
      draft.style.top = (100 * Math.min(a.y, b.y) / p.height) + "%";
      draft.style.width = (100 * Math.abs(b.x - a.x) / p.width) + "%";
      draft.style.height = (100 * Math.abs(b.y - a.y) / p.height) + "%";
    }

    stage.addEventListener("pointerdown", function (e) {
      if (mode === "select" || !photo()) return;
      e.preventDefault();
      stage.setPointerCapture(e.pointerId);
      drag = { from: pointAt(e), to: pointAt(e) };
      showDraft(drag.from, drag.to);
    });
    stage.addEventListener("pointermove", function (e) {
      if (!drag) return;
      drag.to = pointAt(e);
      showDraft(drag.from, drag.to);
    });
    stage.addEventListener("pointerup", async function (e) {
      if (!drag) return;
      const d = drag;
      drag = null;
      draft.hidden = true;
      d.to = pointAt(e);
      const corners = { x1: Math.min(d.from.x, d.to.x), y1: Math.min(d.from.y, d.to.y),
                        x2: Math.max(d.from.x, d.to.x), y2: Math.max(d.from.y, d.to.y) };
      try {
        if (mode === "draw") {
          const r = await SV.api("POST", "/api/photos/" + photo().id + "/boxes",
            Object.assign({ camera_type: drawType, reviewer: reviewer() }, corners));
          selected = r.photo.boxes[r.photo.boxes.length - 1].sighting_id;
          SV.toast("Camera added");
        } else if (mode === "fix" && box()) {
          await SV.api("POST", "/api/boxes/" + box().sighting_id, corners);
          SV.toast("Box fixed");
        }
      } catch (err) { SV.toast(err.message, true); }
      setMode("select");
      await load(true);
    });
    stage.addEventListener("click", function (e) {
      if (mode === "select" && e.target === img) { selected = null; render(); }
    });

    document.querySelectorAll("[data-type]").forEach(function (c) {
      c.addEventListener("click", function () {
        if (mode === "draw" || !box()) { drawType = c.dataset.type; render(); return; }
        if (box().camera_type !== c.dataset.type) decide("set", { camera_type: c.dataset.type }).catch(fail);
      });
    });
    function fail(e) { SV.toast(e.message, true); }
    $("confirm").addEventListener("click", function () { decide("confirm").catch(fail); });
    $("reject").addEventListener("click", function () { decide("reject").catch(fail); });
    $("fix").addEventListener("click", function () { if (box()) { setMode("fix"); render(); } });
    $("draw").addEventListener("click", function () { selected = null; setMode("draw"); render(); });
    $("undo").addEventListener("click", async function () {
      try { await SV.api("POST", "/api/walks/" + walkId + "/undo", {}); SV.toast("Undone"); await load(true); }
      catch (e) { fail(e); }
    });
    $("prev").addEventListener("click", function () { show(index - 1); });
    $("next").addEventListener("click", function () { show(index + 1); });
    document.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.ctrlKey || e.metaKey || e.altKey) return;
      const keys = { c: function () { $("confirm").click(); }, x: function () { $("reject").click(); },
        f: function () { $("fix").click(); }, a: function () { $("draw").click(); }, u: function () { $("undo").click(); },
        j: function () { show(index + 1); }, k: function () { show(index - 1); },
        Escape: function () { setMode("select"); render(); } };
      ["dome", "fixed", "ptz"].forEach(function (t, i) { keys[String(i + 1)] = function () {
        document.querySelector('[data-type="' + t + '"]').click(); }; });
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });

    setMode("select");
    try { await load(false); } catch (e) { fail(e); }
    layout.dataset.ready = "1";
  };
})(window.SV);
