/* Drawing cameras on a Leaflet map: marker, uncertainty circle, field-of-view cone. Kept apart from the pages so
   that the review map and the campaign's public map can share one drawing of a camera. */
"use strict";
window.SV = window.SV || {};
(function (SV) {
  SV.COLORS = { pending: "#e67e00", confirmed: "#17803f", rejected: "#8c8c8c" };
  const TAP_RADIUS_PX = 22;  /* an invisible ring around each marker: a 44 px tap target */

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
    if (cam.osm_node) {  /* already in OpenStreetMap: a purple ring around it */
      L.circleMarker([cam.latitude, cam.longitude], { radius: 12, color: "#6a3fa0", weight: 3, fill: false,
        interactive: false, className: "cam-in-osm" }).addTo(group);
    }
    const m = L.circleMarker([cam.latitude, cam.longitude], { radius: 8, color: "#fff", weight: 2,
      fillColor: color, fillOpacity: 1, className: "cam cam-" + cam.review_state, interactive: !onClick }).addTo(group);
    if (onClick) {
      const hit = L.circleMarker([cam.latitude, cam.longitude], { radius: TAP_RADIUS_PX, stroke: false,
        fillOpacity: 0, className: "cam-hit" }).addTo(group);
      hit.on("click", function () { onClick(cam); });
      m.on("click", function () { onClick(cam); });
    }
    return group;
  };

  /* Cameras already mapped in OpenStreetMap (from the offline basemap): hollow purple markers. */
  SV.drawMapped = function (nodes, group) {
    group.clearLayers();
    nodes.forEach(function (n) {
      L.circleMarker([n.latitude, n.longitude], { radius: 7, color: "#6a3fa0", weight: 3, fillColor: "#fff",
        fillOpacity: 1, interactive: false, className: "osm-camera" }).addTo(group);
    });
    return group;
  };
})(window.SV);
