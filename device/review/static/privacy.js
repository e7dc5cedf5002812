/* Privacy zones on the walk map (long-press or right-click: add a zone here), cameras inside them marked, and the
   per-camera release on the review page. Zones added here are kept in the walk database: every export and sync of
   this database leaves their cameras out. */
"use strict";
(function (SV) {
  const RADII = [25, 50, 100, 200];

  function zonesUrl(id) { return "/api/privacy/zones" + (id ? "/" + id : ""); }

  function button(text, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "btn " + (cls || ""); b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  /* The walk map: draw the zones, offer "add a zone here", list zones and the cameras inside them. */
  SV.privacyMap = function (map, reload) {
    const layer = L.layerGroup().addTo(map);
    const ro = SV.config.read_only;
    SV.walkMapInstance = map;

    async function draw() {
      const data = await SV.api("GET", zonesUrl());
      layer.clearLayers();
      const list = document.getElementById("zone-list");
      if (list) list.innerHTML = "";
      data.zones.forEach(function (z) {
        const circle = L.circle([z.latitude, z.longitude], { radius: z.radius_m, color: "#6b3fa0", weight: 2,
          dashArray: "6 4", fillOpacity: 0.12, className: "privacy-zone" }).addTo(layer);
        const what = "Privacy zone, " + Math.round(z.radius_m) + " m" + (z.source === "config" ? " (from the config)" : "");
        circle.bindTooltip(what);
        if (!list) return;
        const li = document.createElement("li");
        li.appendChild(document.createTextNode(what));
        if (z.source === "device" && !ro) {
          li.appendChild(button("Remove", "small", async function () {
            try { await SV.api("DELETE", zonesUrl(z.id)); await refresh(); SV.toast("Zone removed"); }
            catch (e) { SV.toast(e.message, true); }
          }));
        }
        list.appendChild(li);
      });
      const note = document.getElementById("zone-none");
      if (note) note.hidden = data.zones.length > 0;
    }

    async function refresh() { await draw(); if (reload) await reload(); }

    if (!ro) {
      map.on("contextmenu", function (e) {  /* long-press on a phone, right-click on a laptop */
        const div = document.createElement("div");
        div.className = "zone-popup";
        const label = document.createElement("label");
        label.textContent = "Radius ";
        const select = document.createElement("select");
        select.id = "zone-radius";
        RADII.forEach(function (r) {
          const o = document.createElement("option"); o.value = r; o.textContent = r + " m"; select.appendChild(o);
        });
        select.value = "50";
        label.appendChild(select);
        div.appendChild(label);
        const popup = L.popup().setLatLng(e.latlng);
        div.appendChild(button("Add a privacy zone here", "primary", async function () {
          try {
            await SV.api("POST", zonesUrl(), { latitude: e.latlng.lat, longitude: e.latlng.lng,
              radius_m: Number(select.value), reviewer: localStorage.getItem("sv-reviewer") || "" });
            map.closePopup(popup);
            await refresh();
            SV.toast("Privacy zone added: its cameras stay on this device");
          } catch (err) { SV.toast(err.message, true); }
        }));
        popup.setContent(div).openOn(map);
      });
    }
    draw().catch(function (e) { SV.toast(e.message, true); });
    return { refresh: refresh };
  };

  /* The walk page's camera list: "inside a privacy zone" next to the cameras that stay on the device. */
  SV.privacyLabel = function (cam) {
    if (cam.privacy === "inside") return " · inside a privacy zone";
    if (cam.privacy === "released") return " · released from its privacy zone";
    return "";
  };

  /* The review page: the current camera's privacy state, and its explicit release (a recorded decision). */
  SV.showPrivacy = function (cam, onChange) {
    const box = document.getElementById("privacy-state");
    if (!box) return;
    box.innerHTML = "";
    box.hidden = !cam.privacy;
    if (!cam.privacy) return;
    const p = document.createElement("span");
    p.textContent = cam.privacy === "inside"
      ? "Inside a privacy zone: never exported or synced."
      : "Released from its privacy zone: exported and synced like any other.";
    box.appendChild(p);
    if (SV.config.read_only) return;
    const action = cam.privacy === "inside" ? "release" : "withhold";
    box.appendChild(button(action === "release" ? "Release this camera" : "Keep it on the device", "small",
      async function () {
        try {
          const reviewer = localStorage.getItem("sv-reviewer") || "";
          const res = await SV.api("POST", "/api/cameras/" + cam.id + "/" + action, reviewer ? { reviewer: reviewer } : {});
          SV.showPrivacy(res.camera, onChange);
          if (onChange) onChange(res.camera);
          SV.toast(action === "release" ? "Released: it will be exported and synced" : "Kept on this device");
        } catch (e) { SV.toast(e.message, true); }
      }));
  };
})(window.SV);
