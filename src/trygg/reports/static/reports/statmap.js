// The priority dashboard's map: areas coloured by the layer chosen in the switch
// (problem index, crime rate, hot spots, rank, emerging hot spots), on the shared base map
// (core/map-kit.js). The H3 layers (h3_*) draw the run's hot, cold and patterned hexagons
// over the areas' outlines. Colours and legends come from the server in the GeoJSON
// properties (fill_<layer>, label_<layer>); the tables below the map hold the same values.
(function () {
  "use strict";

  function isGrid(name) {
    return name.indexOf("h3_") === 0;
  }

  // The style of an area under the layer `name`; under a grid layer only the outlines.
  function styleFor(name) {
    return function (feature) {
      if (isGrid(name)) {
        return { color: "#1d3557", weight: 1, fillOpacity: 0.1, fillColor: "#ececec" };
      }
      return {
        color: "#1d3557",
        weight: 1,
        fillOpacity: 0.8,
        fillColor: feature.properties["fill_" + name] || "#ececec",
      };
    };
  }

  // A hexagon under the grid layer `name`: invisible when it has nothing to show there.
  function cellStyle(name) {
    return function (feature) {
      var fill = feature.properties["fill_" + name];
      if (!fill) {
        return { stroke: false, fill: false };
      }
      // stroke and fill set again: setStyle merges, and a hidden hexagon has them off.
      return { stroke: true, fill: true, color: "#4a5560", weight: 0.5, fillOpacity: 0.85, fillColor: fill };
    };
  }

  function draw(element) {
    if (!document.getElementById(element.dataset.statmap) || typeof L === "undefined") {
      return;
    }
    var map = TryggMap.create(element);
    var geo = TryggMap.areas(map, {
      source: element.dataset.statmap,
      style: styleFor(element.dataset.layer || "problem_index"),
      onEachFeature: TryggMap.areaLink,
    });
    TryggMap.fit(map, geo, { padding: [12, 12], zoom: 10 });
    var cells = null;
    var layerName = element.dataset.layer || "problem_index";
    if (element.dataset.cells && document.getElementById(element.dataset.cells)) {
      cells = TryggMap.areas(map, {
        source: element.dataset.cells,
        style: cellStyle(layerName),
        onEachFeature: function (feature, shape) {
          // The label of the layer shown at the time, as text (never read as HTML).
          shape.bindTooltip(function () {
            var span = document.createElement("span");
            span.textContent = feature.properties["label_" + layerName] || "";
            return span;
          }, { sticky: true });
        },
      });
      map.removeLayer(cells);
    }
    function show(name) {
      layerName = name;
      element.dataset.layer = name;
      geo.setStyle(styleFor(name));
      if (cells) {
        if (isGrid(name)) {
          cells.setStyle(cellStyle(name));
          cells.addTo(map);
        } else {
          map.removeLayer(cells);
        }
      }
      document.querySelectorAll("[data-legend]").forEach(function (legend) {
        legend.hidden = legend.dataset.legend !== name;
      });
    }
    var select = document.getElementById(element.dataset.switch);
    if (select) {
      select.addEventListener("change", function () {
        show(select.value);
      });
      show(select.value);
    }
    element.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-statmap]").forEach(draw);
  });
})();
