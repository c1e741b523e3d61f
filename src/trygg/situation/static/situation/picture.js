// The weekly picture's map: areas shaded by this week's observations (a red border where
// the rise is real) and the points of the reports the user may read, on the shared base map
// (core/map-kit.js). Data come from json_script tags; nothing inline, so the page keeps its
// strict CSP.
(function () {
  "use strict";

  function fill(count) {
    if (count >= 6) { return "#d9534f"; }
    if (count >= 3) { return "#f8a972"; }
    if (count >= 1) { return "#fde0c5"; }
    return "#f1f4f6";
  }

  var SEVERITY_RADIUS = { 1: 5, 2: 7, 3: 9 };

  function draw(element) {
    if (typeof L === "undefined") { return; }
    var points = JSON.parse(document.getElementById(element.dataset.points).textContent);
    var labelsNode = document.getElementById(element.dataset.labels || "");
    var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
    var map = TryggMap.create(element);
    var label = element.dataset.countLabel || "";
    var layer = TryggMap.areas(map, {
      style: function (feature) {
        var p = feature.properties;
        return {
          color: p.rise ? "#9b1c1c" : "#457b9d",
          weight: p.rise ? 3 : 1,
          fillColor: fill(p.count || 0),
          fillOpacity: 0.7,
        };
      },
      onEachFeature: function (feature, shape) {
        TryggMap.tooltip(shape, feature.properties.name + ": " + (feature.properties.count || 0) + " " + label, { sticky: true });
      },
    });
    // The view must exist before circle markers are added.
    TryggMap.fit(map, layer, { padding: [10, 10], zoom: 10 });
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: SEVERITY_RADIUS[p.severity] || 6,
        color: "#1d3557",
        weight: 1,
        fillColor: "#1d3557",
        fillOpacity: 0.75,
      });
      TryggMap.tooltip(marker, (labels[p.category] || p.category) + " (" + p.severity + ")");
      marker.addTo(map);
    });
    element.dataset.ready = "true";
    element.dataset.pointCount = String(points.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("picture-map");
    if (element) { draw(element); }
  });
})();
