// Draws the areas handed to the page (a GeoJSON FeatureCollection in a json_script tag)
// on a plain background. A tile layer is added only when the install configures one,
// because many municipal networks cannot reach a tile server.
(function () {
  "use strict";

  var LEVEL_STYLE = {
    district: { color: "#1d3557", weight: 3, fill: false },
    area: { color: "#457b9d", weight: 1, fillColor: "#a8dadc", fillOpacity: 0.45 },
  };

  var HIGHLIGHT_STYLE = { color: "#1d3557", weight: 3, fillColor: "#e76f51", fillOpacity: 0.55 };

  function drawMap(element) {
    var source = document.getElementById(element.dataset.geojson);
    if (!source || typeof L === "undefined") {
      return;
    }
    var collection = JSON.parse(source.textContent);
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    element.trygg = { map: map };
    var root = document.documentElement.dataset;
    if (root.tileUrl) {
      L.tileLayer(root.tileUrl, { attribution: root.tileAttribution || "" }).addTo(map);
    }
    // Areas first, districts on top, so district borders are never hidden under fills.
    var features = collection.features.slice().sort(function (a, b) {
      return a.properties.level === b.properties.level ? 0 : a.properties.level === "area" ? -1 : 1;
    });
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (feature) {
        if (String(feature.properties.id) === element.dataset.highlight) {
          return HIGHLIGHT_STYLE;
        }
        return LEVEL_STYLE[feature.properties.level] || LEVEL_STYLE.area;
      },
      onEachFeature: function (feature, shape) {
        var props = feature.properties;
        shape.bindTooltip(props.name, { sticky: true });
        shape.on("click", function () {
          window.location.href = "/areas/" + props.id + "/";
        });
        shape.on("mouseover", function () {
          if (props.level === "area") {
            shape.setStyle({ fillOpacity: 0.75 });
          }
        });
        shape.on("mouseout", function () {
          layer.resetStyle(shape);
        });
      },
    }).addTo(map);
    var focus = layer.getLayers().filter(function (shape) {
      return String(shape.feature.properties.id) === element.dataset.highlight;
    });
    if (focus.length) {
      map.fitBounds(focus[0].getBounds(), { padding: [40, 40] });
    } else if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    } else {
      map.setView([62.39, 17.31], 10);
    }
    element.dataset.ready = "true";
    element.dataset.areaCount = String(collection.features.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-geojson]").forEach(drawMap);
  });
})();
