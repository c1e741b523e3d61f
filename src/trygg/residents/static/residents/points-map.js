// A map of areas with numbered or plain markers: the moderation queue and one report.
// Markers link to their report when a url is given.
(function () {
  "use strict";

  function draw(element) {
    if (typeof L === "undefined") { return; }
    var areas = JSON.parse(document.getElementById(element.dataset.geojson).textContent);
    var points = JSON.parse(document.getElementById(element.dataset.points).textContent);
    var map = L.map(element, { zoomSnap: 0.25 });
    element.trygg = { map: map };
    var root = document.documentElement.dataset;
    if (root.tileUrl) {
      L.tileLayer(root.tileUrl, { attribution: root.tileAttribution || "" }).addTo(map);
    }
    var layer = L.geoJSON(areas, {
      style: { color: "#457b9d", weight: 1, fillColor: "#a8dadc", fillOpacity: 0.3 },
    }).addTo(map);
    var markers = points.map(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.label || "" });
      if (p.url) { marker.on("click", function () { window.location.href = p.url; }); }
      return marker;
    });
    var group = L.featureGroup(markers).addTo(map);
    if (markers.length === 1) { map.setView(markers[0].getLatLng(), 15); }
    else if (markers.length) { map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 15 }); }
    else if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
    else { map.setView([62.39, 17.31], 11); }
    element.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-points]").forEach(draw);
  });
})();
