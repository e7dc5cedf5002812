/* The offline street map: a small GeoJSON cut from an OpenStreetMap extract (`sousveillance basemap build`),
   drawn as vector lines and shapes by the vendored Leaflet. Loaded once from this device; nothing else is asked. */
"use strict";
window.SV = window.SV || {};
(function (SV) {
  const STYLES = {
    building: { color: "#a89f94", weight: 1, fillColor: "#d9d0c7", fillOpacity: 0.9 },
    street: { color: "#ffffff", weight: 7, opacity: 1 },
    major: { color: "#f3d49b", weight: 9, opacity: 1 },
    footway: { color: "#b4561f", weight: 2, dashArray: "4 4", opacity: 0.9 },
  };
  let data = null;

  SV.loadBasemap = function () {
    if (!data) data = SV.api("GET", SV.config.basemap.url);
    return data;
  };

  /* Adds the street map to a Leaflet map (under everything else); returns the layer group. */
  SV.addBasemap = function (map) {
    const pane = map.createPane("basemap");
    pane.style.zIndex = 250;
    const group = L.layerGroup().addTo(map);
    SV.loadBasemap().then(function (fc) {
      const shapes = { type: "FeatureCollection", features: fc.features.filter(function (f) {
        return f.properties.kind !== "surveillance";
      }) };
      const roads = { type: "FeatureCollection", features: shapes.features.filter(function (f) {
        return f.properties.kind === "street" || f.properties.kind === "major";
      }) };
      L.geoJSON(roads, {  /* a darker edge under each street, so that white streets stand out */
        pane: "basemap", interactive: false,
        style: function (f) {
          return { color: "#b9b2a6", weight: STYLES[f.properties.kind].weight + 3, className: "basemap-casing" };
        },
      }).addTo(group);
      map.getContainer().classList.add("has-basemap");
      L.geoJSON(shapes, {
        pane: "basemap", interactive: false,
        style: function (f) {
          const s = STYLES[f.properties.kind] || STYLES.street;
          return Object.assign({ className: "basemap-" + f.properties.kind }, s);
        },
      }).addTo(group);
      map.getContainer().dataset.basemap = String(shapes.features.length);
    }).catch(function (e) { SV.toast("street map: " + e.message, true); });
    return group;
  };
})(window.SV);
