// Reported crime in an area on an H3 grid: each hexagon filled by the colour the server
// chose (fill), the area's outline on top. The table under the map holds the same counts.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.dataset.cellmap);
    var outline = document.getElementById(element.dataset.outline);
    if (!source || typeof L === "undefined") {
      return;
    }
    var cells = JSON.parse(source.textContent);
    var map = L.map(element, { zoomSnap: 0.25 });
    var root = document.documentElement.dataset;
    if (root.tileUrl) {
      L.tileLayer(root.tileUrl, { attribution: root.tileAttribution || "" }).addTo(map);
    }
    var withheld = element.dataset.withheldLabel || "";
    var grid = L.geoJSON(cells, {
      style: function (feature) {
        return { color: "#4a5560", weight: 0.5, fillOpacity: 0.8, fillColor: feature.properties.fill };
      },
      onEachFeature: function (feature, shape) {
        var count = feature.properties.count;
        shape.bindTooltip(count === null ? withheld : String(count), { sticky: true });
      },
    }).addTo(map);
    var bounds = grid.getBounds();
    if (outline) {
      var collection = JSON.parse(outline.textContent);
      var focus = collection.features.filter(function (feature) {
        return String(feature.properties.id) === element.dataset.highlight;
      });
      var border = L.geoJSON({ type: "FeatureCollection", features: focus }, {
        style: { color: "#1d3557", weight: 3, fill: false },
        interactive: false,
      }).addTo(map);
      if (border.getLayers().length) {
        bounds = border.getBounds();
      }
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16] });
    } else {
      map.setView([62.39, 17.31], 10);
    }
    element.dataset.ready = "true";
    element.dataset.cellCount = String(cells.features.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cellmap]").forEach(draw);
  });
})();
