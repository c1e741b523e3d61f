// The public map of residents' reports: one circle per report at its coarsened position,
// coloured by status; a click shows the report in the list below (which holds the same
// reports for those who do not use the map).
(function () {
  "use strict";

  var COLOURS = { assessed: "#b3261e", in_progress: "#a15c00", action_taken: "#1e6b34" };

  function draw(element) {
    if (typeof L === "undefined") { return; }
    var points = JSON.parse(document.getElementById(element.dataset.points).textContent);
    var map = TryggMap.create(element);
    var layer = TryggMap.areas(map, { fillOpacity: 0.15, interactive: false });
    var markers = points.map(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 9, weight: 2, color: "#fff", fillOpacity: 0.9,
        fillColor: COLOURS[p.status] || "#555",
      });
      marker.bindTooltip(p.label);
      marker.on("click", function () {
        var item = document.getElementById("r-" + p.id);
        if (!item) { return; }
        item.scrollIntoView({ block: "center" });
        item.classList.add("highlight");
        item.setAttribute("tabindex", "-1");
        item.focus();
        setTimeout(function () { item.classList.remove("highlight"); }, 2000);
      });
      return marker;
    });
    var group = L.featureGroup(markers).addTo(map);
    if (markers.length) { map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 15 }); }
    else { TryggMap.fit(map, layer, { zoom: 11 }); }
    element.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#public-map[data-points]").forEach(draw);
  });
})();
