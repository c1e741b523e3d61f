// A map of areas with numbered or plain markers: the moderation queue and one report.
// Markers link to their report when a url is given.
(function () {
  "use strict";

  function draw(element) {
    if (typeof L === "undefined") { return; }
    var points = JSON.parse(document.getElementById(element.dataset.points).textContent);
    var map = TryggMap.create(element);
    var layer = TryggMap.areas(map, { fillOpacity: 0.3 });
    var markers = points.map(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.label || "" });
      if (p.url) { marker.on("click", function () { window.location.href = p.url; }); }
      return marker;
    });
    var group = L.featureGroup(markers).addTo(map);
    if (markers.length === 1) { map.setView(markers[0].getLatLng(), 15); }
    else if (markers.length) { map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 15 }); }
    else { TryggMap.fit(map, layer, { zoom: 11 }); }
    element.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-points]").forEach(draw);
  });
})();
