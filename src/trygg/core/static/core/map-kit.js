// The map pieces that the page scripts share (the report forms, the safety walk, the maps of
// residents' reports, the areas pages, the priority dashboard, the hexagon map and the
// weekly picture): the base map, the area outlines, the first view, the link from an area
// to its page, one position from the phone and the marker of a picked place. Loaded after
// Leaflet and before the page script, as its own file so the pages keep their strict CSP;
// it draws nothing by itself. (core/map.js, the areas pages' script, is the one that draws
// every [data-geojson] it finds.)
(function () {
  "use strict";

  // Sundsvall: where a map without any areas opens.
  var HOME = [62.39, 17.31];

  // Leaflet finds its marker images through leaflet.css, by a file name that production's
  // hashed static files no longer have: point it at the images beside this script's own
  // static folder instead (the unhashed copies are served too).
  var script = document.currentScript;
  if (script && script.src && window.L && L.Icon && L.Icon.Default) {
    L.Icon.Default.prototype.options.imagePath =
      script.src.replace(/core\/map-kit[^\/]*$/, "") + "vendor/leaflet/images/";
  }

  // The map in `element`. A tile layer is added only when the install configures one,
  // because many municipal networks cannot reach a tile server. element.trygg.map is how
  // the browser tests reach the map.
  function create(element) {
    var map = L.map(element, { zoomSnap: 0.25 });
    element.trygg = { map: map };
    var root = document.documentElement.dataset;
    if (root.tileUrl) {
      L.tileLayer(root.tileUrl, {
        attribution: root.tileAttribution || "",
        maxZoom: parseInt(root.tileMaxZoom, 10) || 18,
      }).addTo(map);
    } else if (root.noTilesNote) {
      noTilesNote(map, root);
    }
    return map;
  }

  // The demo runs without a base map: say so on the map, with where to read how to set one,
  // so nobody takes the plain background for a fault.
  function noTilesNote(map, root) {
    var Note = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "map-no-tiles");
        box.appendChild(text(root.noTilesNote + ". "));
        if (root.noTilesHelp) {
          var link = document.createElement("a");
          link.href = root.noTilesHelp;
          link.textContent = root.noTilesLink || root.noTilesHelp;
          box.appendChild(link);
        }
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Note().addTo(map);
  }

  // The features of a json_script tag, in the common outline. The tag is the one named by
  // the map element's data-geojson unless `options.source` names another (the dashboard's
  // and the hexagon map's data). `options` gives fillOpacity for the common outline, or a
  // `style` of the page's own, and any other L.geoJSON option (interactive, filter,
  // onEachFeature); only the keys given are passed on, since an option set to undefined
  // would still override Leaflet's default.
  function areas(map, options) {
    var source = document.getElementById(options.source || map.getContainer().dataset.geojson);
    var settings = {
      style: { color: "#457b9d", weight: 1, fillColor: "#a8dadc", fillOpacity: options.fillOpacity },
    };
    Object.keys(options).forEach(function (key) {
      if (key !== "fillOpacity" && key !== "source" && key !== "labels") {
        settings[key] = options[key];
      }
    });
    var layer = L.geoJSON(JSON.parse(source.textContent), settings).addTo(map);
    // Every map says where it is: the areas' names on it, unless the page asks for none.
    if (options.labels !== false) { labels(map, layer); }
    return layer;
  }

  // The names of the areas in `layer` written on the map (permanent, not on hover), with
  // collision sense: after every zoom and move the larger areas are labelled first, and a
  // name that would overlap one already shown, or is wider than its area, is hidden until
  // the reader zooms in. The names sit in their own pane above the areas and let every
  // tap through, so clicking an area still opens it or picks the place.
  function labels(map, layer) {
    if (!map.getPane("trygg-labels")) {
      var pane = map.createPane("trygg-labels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
    }
    var entries = [];
    layer.eachLayer(function (shape) {
      var name = shape.feature && shape.feature.properties && shape.feature.properties.name;
      if (!name || !shape.getBounds) { return; }
      var props = shape.feature.properties;
      var at = props.label_lat !== undefined && props.label_lon !== undefined
        ? L.latLng(props.label_lat, props.label_lon) : shape.getBounds().getCenter();
      // A standalone permanent tooltip, not a marker: the pages count their markers (the
      // picked place, the reports), and a name is none of them.
      var marker = L.tooltip({
        pane: "trygg-labels",
        permanent: true,
        direction: "center",
        interactive: false,
        className: "area-label",
        opacity: 1,
      }).setLatLng(at).setContent(text(name));
      entries.push({ shape: shape, marker: marker });
    });
    if (!entries.length) { return null; }
    var group = L.layerGroup(entries.map(function (entry) { return entry.marker; })).addTo(map);
    function declutter() {
      var placed = [];
      var sized = entries.map(function (entry) {
        var bounds = entry.shape.getBounds();
        var a = map.latLngToContainerPoint(bounds.getNorthWest());
        var b = map.latLngToContainerPoint(bounds.getSouthEast());
        return { entry: entry, width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) };
      });
      sized.sort(function (p, q) { return q.width * q.height - p.width * p.height; });
      sized.forEach(function (item) {
        var element = item.entry.marker.getElement();
        if (!element) { return; }
        element.style.visibility = "hidden";
        var box = element.getBoundingClientRect();
        var fits = box.width <= item.width * 1.1 && box.height <= item.height;
        var free = placed.every(function (other) {
          return box.right + 2 < other.left || other.right + 2 < box.left ||
            box.bottom + 2 < other.top || other.bottom + 2 < box.top;
        });
        if (fits && free) {
          element.style.visibility = "";
          placed.push(box);
        }
      });
    }
    map.on("zoomend moveend resize", declutter);
    map.whenReady(declutter);
    return group;
  }

  // The first view when there is nothing else to show: the areas whose ids are in `focus`
  // (the user's own), else all areas (with `padding`, if given), else the town at `zoom`.
  function fit(map, layer, options) {
    var focus = options.focus || [];
    var mine = layer.getLayers().filter(function (shape) {
      return focus.indexOf(shape.feature.properties.id) !== -1;
    });
    if (mine.length) { map.fitBounds(L.featureGroup(mine).getBounds(), { padding: [8, 8] }); }
    else if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), options.padding ? { padding: options.padding } : {});
    }
    else { map.setView(HOME, options.zoom); }
  }

  // Text for a tooltip, popup or marker: Leaflet writes a string into innerHTML, and area
  // names, categories and labels come from imported files and from users, so every one is
  // handed over as a node whose text is never read as HTML.
  function text(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  // `shape.bindTooltip(value, options)` with `value` shown as text.
  function tooltip(shape, value, options) {
    return shape.bindTooltip(text(value), options);
  }

  // An area (an L.geoJSON onEachFeature) that shows its name on hover and opens its page
  // on a click: the areas pages and the priority dashboard.
  function areaLink(feature, shape) {
    tooltip(shape, feature.properties.name, { sticky: true });
    shape.on("click", function () {
      window.location.href = "/areas/" + feature.properties.id + "/";
    });
  }

  // One position from the phone, as a LatLng; `failed` when there is none (no GPS, no
  // permission, no fix within ten seconds). `maximumAge` says how old a cached one may be.
  function locate(maximumAge, found, failed) {
    if (!navigator.geolocation) { failed(); return; }
    navigator.geolocation.getCurrentPosition(
      function (position) { found(L.latLng(position.coords.latitude, position.coords.longitude)); },
      function () { failed(); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: maximumAge }
    );
  }

  // The report forms' "Use my position" button: the phone's position is picked as a tap on
  // the map would be (`pick`), and the map zooms in to street level on it. `say(kind, text)`
  // tells the user, with the form's texts `located` and `noGps`.
  function positionButton(button, place, pick, say, texts) {
    button.addEventListener("click", function () {
      locate(60000, function (latlng) {
        pick(latlng);
        place.zoomTo(latlng, 15);
        say("ok", texts.located);
      }, function () { say("error", texts.noGps); });
    });
  }

  // The report forms' map, where a tap picks the place: `pick(latlng, areaName)` is called
  // by a tap on an area and then by the map's own click (so the map's, without a name, has
  // the last word), `place` (a point()) gets the map and marks what the fields hold, and
  // `view` is fit()'s options.
  function pickingMap(element, place, pick, view) {
    var map = create(element);
    place.attach(map);
    var layer = areas(map, {
      fillOpacity: 0.35,
      onEachFeature: function (feature, shape) {
        tooltip(shape, feature.properties.name, { sticky: true });
        shape.on("click", function (event) { pick(event.latlng, feature.properties.name); });
      },
    });
    fit(map, layer, view);
    map.on("click", function (event) { pick(event.latlng); });
    place.markFields();
    element.dataset.ready = "true";
    return map;
  }

  // The place a form is about: its lat/lon fields (six decimals, about 0.1 m) and the one
  // marker that shows it. The map comes later (it is drawn on DOMContentLoaded, or never
  // when Leaflet did not load), so it is handed over with attach(); until then only the
  // fields change.
  function point(lat, lon) {
    var map = null;
    var marker = null;
    function mark(latlng) {
      if (marker) { marker.setLatLng(latlng); } else if (map) { marker = L.marker(latlng).addTo(map); }
    }
    return {
      attach: function (drawn) { map = drawn; },
      // Mark what the fields already hold: a restored draft, or a form sent back with errors.
      markFields: function () {
        if (lat.value && lon.value) { mark([parseFloat(lat.value), parseFloat(lon.value)]); }
      },
      set: function (latlng) {
        lat.value = latlng.lat.toFixed(6);
        lon.value = latlng.lng.toFixed(6);
        mark(latlng);
      },
      // The marker only: a named place is sent by its id, not by the fields.
      mark: mark,
      // Centre the map on `latlng`, zooming in to `zoom` unless it is closer already.
      zoomTo: function (latlng, zoom) {
        if (map) { map.setView(latlng, Math.max(map.getZoom(), zoom)); }
      },
      clear: function () {
        lat.value = "";
        lon.value = "";
        if (marker) { marker.remove(); marker = null; }
      },
    };
  }

  window.TryggMap = {
    create: create,
    areas: areas,
    fit: fit,
    areaLink: areaLink,
    locate: locate,
    pickingMap: pickingMap,
    positionButton: positionButton,
    point: point,
    text: text,
    tooltip: tooltip,
    labels: labels,
  };
})();
