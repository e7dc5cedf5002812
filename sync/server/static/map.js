// Public campaign map: the merged map features in view, loaded by box from the OGC API items as the map moves,
// with field-of-view cones drawn by the review page's own code (map-draw.js: SV.cone) for fixed cameras whose
// facing is known, as the review map draws them.
(function () {
  "use strict";
  var colors = { dome: "#b00", fixed: "#d70", panning: "#718" };
  var PAGE = 1000, MAX_SHOWN = 5000, CONE_M = 25, CONE_DEG = 30;  // the review map's default cone
  var el = document.getElementById("map");
  var count = document.getElementById("count");
  var map = window.campaignMap = L.map(el);  // named for scripts driving the page (and its browser test)
  var tiles = JSON.parse(el.dataset.tiles);
  map.attributionControl.setPrefix(false);  // Leaflet's prefix links to leafletjs.com: no outbound link by default
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  if (tiles && tiles !== "none") {  // "none": a blank background, markers and scale bar only (fully offline)
    L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  }
  var cones = L.layerGroup().addTo(map);
  var markers = L.layerGroup().addTo(map);
  var loading = null, timer = null;

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function popup(p) {
    var rows = Object.keys(p.tags).sort().map(function (k) {
      return escape(k) + "=" + escape(p.tags[k]);
    });
    rows.push(escape(p.contributors) + " walker(s), ±" + escape(p.uncertainty_m) + " m");
    if (p.conflicts) rows.push("<em>" + escape(p.conflicts) + " disagreement(s) for an admin</em>");
    return '<div class="popup">' + rows.join("<br>") +
      '<img alt="" loading="lazy" src="/api/v1/crops/' + encodeURIComponent(p.uuid) + '" onerror="this.remove()"></div>';
  }

  function draw(features) {
    markers.clearLayers();
    cones.clearLayers();
    features.forEach(function (f) {
      var p = f.properties, lon = f.geometry.coordinates[0], lat = f.geometry.coordinates[1];
      var color = colors[p.tags["camera:type"]] || "#c00";
      if (p.camera_type === "fixed" && p.direction !== null && p.direction !== undefined) {  // as drawCamera
        L.polygon(SV.cone({ latitude: lat, longitude: lon, direction: p.direction }, CONE_M, CONE_DEG),
          { color: color, weight: 1, fillOpacity: 0.25, interactive: false, className: "view-cone" }).addTo(cones);
      }
      L.circleMarker([lat, lon], { radius: 7, color: color, weight: 2, fillOpacity: 0.6 })
        .bindPopup(popup(p)).addTo(markers);
    });
  }

  function box() {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    return [west, south, east, north].map(function (n) { return n.toFixed(6); }).join(",");
  }

  // Every page of the box (following the next links) up to MAX_SHOWN; a newer move cancels an older load.
  function load() {
    if (loading) loading.abort();
    var ctrl = loading = new AbortController();
    var got = [], matched = 0;
    function page(url) {
      return fetch(url, { signal: ctrl.signal, headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          got = got.concat(data.features);
          matched = data.numberMatched;
          var next = (data.links || []).filter(function (l) { return l.rel === "next"; })[0];
          if (next && got.length < MAX_SHOWN) return page(next.href);
        });
    }
    page("/collections/cameras/items?limit=" + PAGE + "&bbox=" + box())
      .then(function () {
        draw(got);
        count.textContent = got.length < matched
          ? "showing " + got.length + " of " + matched + " cameras here: zoom in"
          : matched + " cameras";
        el.dataset.loaded = String(got.length);
      })
      .catch(function (e) { if (e.name !== "AbortError") count.textContent = "map data unavailable"; });
  }

  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });

  // Start on the campaign's extent (the collection's bbox), or on Paris while the map is empty.
  fetch("/collections/cameras", { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      var ext = c.extent && c.extent.spatial && c.extent.spatial.bbox[0];
      var empty = !ext || (ext[0] === -180 && ext[2] === 180);
      if (empty) map.setView([48.8566, 2.3522], 13);
      else map.fitBounds([[ext[1], ext[0]], [ext[3], ext[2]]], { maxZoom: 18, padding: [20, 20] });
    })
    .catch(function () { map.setView([48.8566, 2.3522], 13); });
})();
