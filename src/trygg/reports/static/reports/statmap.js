// The priority dashboard's map: areas coloured by the layer chosen in the switch
// (problem index, crime rate, hot spots, rank), on the shared base map (core/map-kit.js).
// Colours and legends come from the server in the GeoJSON properties (fill_<layer>); the
// table below the map holds the same values.
(function () {
  "use strict";

  // The style of an area under the layer `name`.
  function styleFor(name) {
    return function (feature) {
      return {
        color: "#1d3557",
        weight: 1,
        fillOpacity: 0.8,
        fillColor: feature.properties["fill_" + name] || "#ececec",
      };
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
    function show(name) {
      element.dataset.layer = name;
      geo.setStyle(styleFor(name));
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
