// Draws the areas handed to the page (a GeoJSON FeatureCollection in a json_script tag) on
// the shared base map (core/map-kit.js): districts as borders, areas filled, the area of
// the page highlighted; a click opens an area's page.
(function () {
  "use strict";

  var LEVEL_STYLE = {
    district: { color: "#1d3557", weight: 3, fill: false },
    area: { color: "#457b9d", weight: 1, fillColor: "#a8dadc", fillOpacity: 0.45 },
  };

  var HIGHLIGHT_STYLE = { color: "#1d3557", weight: 3, fillColor: "#e76f51", fillOpacity: 0.55 };

  function drawMap(element) {
    if (!document.getElementById(element.dataset.geojson) || typeof L === "undefined") {
      return;
    }
    var map = TryggMap.create(element);
    var layer = TryggMap.areas(map, {
      style: function (feature) {
        if (String(feature.properties.id) === element.dataset.highlight) {
          return HIGHLIGHT_STYLE;
        }
        return LEVEL_STYLE[feature.properties.level] || LEVEL_STYLE.area;
      },
      onEachFeature: function (feature, shape) {
        TryggMap.areaLink(feature, shape);
        shape.on("mouseover", function () {
          if (feature.properties.level === "area") {
            shape.setStyle({ fillOpacity: 0.75 });
          }
        });
        shape.on("mouseout", function () {
          layer.resetStyle(shape);
        });
      },
    });
    var focus = layer.getLayers().filter(function (shape) {
      return String(shape.feature.properties.id) === element.dataset.highlight;
    });
    if (focus.length) {
      map.fitBounds(focus[0].getBounds(), { padding: [40, 40] });
    } else {
      TryggMap.fit(map, layer, { padding: [12, 12], zoom: 10 });
    }
    // Districts on top, so district borders are never hidden under fills. The shapes are
    // drawn only once the map has a view, so this comes after the fit.
    layer.eachLayer(function (shape) {
      if (shape.feature.properties.level !== "area") { shape.bringToFront(); }
    });
    element.dataset.ready = "true";
    element.dataset.areaCount = String(layer.getLayers().length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-geojson]").forEach(drawMap);
  });
})();
