// Reported crime in an area on an H3 grid, on the shared base map (core/map-kit.js): each
// hexagon filled by the colour the server chose (fill), the area's outline on top. The
// table under the map holds the same counts.
(function () {
  "use strict";

  function draw(element) {
    if (!document.getElementById(element.dataset.cellmap) || typeof L === "undefined") {
      return;
    }
    var map = TryggMap.create(element);
    var withheld = element.dataset.withheldLabel || "";
    var grid = TryggMap.areas(map, {
      source: element.dataset.cellmap,
      style: function (feature) {
        return { color: "#4a5560", weight: 0.5, fillOpacity: 0.8, fillColor: feature.properties.fill };
      },
      onEachFeature: function (feature, shape) {
        var count = feature.properties.count;
        TryggMap.tooltip(shape, count === null ? withheld : String(count), { sticky: true });
      },
    });
    // The map opens on the area's outline, or on the grid when the outline is missing.
    var border = null;
    if (document.getElementById(element.dataset.outline)) {
      border = TryggMap.areas(map, {
        source: element.dataset.outline,
        filter: function (feature) {
          return String(feature.properties.id) === element.dataset.highlight;
        },
        style: { color: "#1d3557", weight: 3, fill: false },
        interactive: false,
      });
    }
    TryggMap.fit(map, border && border.getLayers().length ? border : grid, { padding: [16, 16], zoom: 10 });
    element.dataset.ready = "true";
    element.dataset.cellCount = String(grid.getLayers().length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cellmap]").forEach(draw);
  });
})();
