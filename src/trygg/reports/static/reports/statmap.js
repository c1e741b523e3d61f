// The priority dashboard's map: areas coloured by the layer chosen in the switch
// (problem index, crime rate, hot spots, rank). Colours and legends come from the server
// in the GeoJSON properties (fill_<layer>); the table below the map holds the same values.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.dataset.statmap);
    if (!source || typeof L === "undefined") {
      return;
    }
    var collection = JSON.parse(source.textContent);
    var map = L.map(element, { zoomSnap: 0.25 });
    var root = document.documentElement.dataset;
    if (root.tileUrl) {
      L.tileLayer(root.tileUrl, { attribution: root.tileAttribution || "" }).addTo(map);
    }
    var layerName = element.dataset.layer || "problem_index";
    var geo = L.geoJSON(collection, {
      style: function (feature) {
        return {
          color: "#1d3557",
          weight: 1,
          fillOpacity: 0.8,
          fillColor: feature.properties["fill_" + layerName] || "#ececec",
        };
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, { sticky: true });
        shape.on("click", function () {
          window.location.href = "/areas/" + feature.properties.id + "/";
        });
      },
    }).addTo(map);
    if (geo.getLayers().length) {
      map.fitBounds(geo.getBounds(), { padding: [12, 12] });
    } else {
      map.setView([62.39, 17.31], 10);
    }
    function show(name) {
      layerName = name;
      element.dataset.layer = name;
      geo.setStyle(function (feature) {
        return {
          color: "#1d3557",
          weight: 1,
          fillOpacity: 0.8,
          fillColor: feature.properties["fill_" + name] || "#ececec",
        };
      });
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
