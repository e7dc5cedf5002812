// Public campaign map: one marker per merged map feature, loaded from /api/v1/features.
(function () {
  "use strict";
  var colors = { dome: "#b00", fixed: "#d70", panning: "#718" };
  var el = document.getElementById("map");
  var map = L.map(el).setView([48.8566, 2.3522], 13);
  var tiles = JSON.parse(el.dataset.tiles);
  map.attributionControl.setPrefix(false);  // Leaflet's prefix links to leafletjs.com: no outbound link by default
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  if (tiles && tiles !== "none") {  // "none": a blank background, markers and scale bar only (fully offline)
    L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  }

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

  fetch("/api/v1/features")
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var kind = feature.properties.tags["camera:type"];
          return L.circleMarker(latlng, { radius: 7, color: colors[kind] || "#c00", weight: 2, fillOpacity: 0.6 });
        },
        onEachFeature: function (feature, marker) { marker.bindPopup(popup(feature.properties)); },
      }).addTo(map);
      document.getElementById("count").textContent = data.features.length + " cameras";
      if (data.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 18, padding: [20, 20] });
    })
    .catch(function () { document.getElementById("count").textContent = "map data unavailable"; });
})();
