// The safety-walk page. Draws the route and the numbered places; while the group leader
// records, it follows the phone's position (watchPosition) and sends the route in batches,
// and sends each place as soon as it is added. Anything not yet sent waits in this
// browser (localStorage) and is retried, so a walk through a dead spot loses nothing. No
// GPS? Tap the map to draw the route, or add route points by hand.
(function () {
  "use strict";

  var mapElement = document.getElementById("walk-map");
  if (!mapElement) { return; }
  var data = JSON.parse(document.getElementById(mapElement.dataset.walk).textContent);
  var recorder = document.getElementById("walk-recorder");
  var statusBox = document.getElementById("walk-status");
  var map = null;
  var routeLine = null;

  function show(kind, text) {
    statusBox.hidden = false;
    statusBox.className = "report-status " + kind;
    statusBox.textContent = text;
  }

  function numbered(p) {
    return L.marker([p.lat, p.lon], {
      title: p.label || "",
      icon: L.divIcon({ className: "resident-marker", html: TryggMap.text(p.number), iconSize: [24, 24] }),
    });
  }

  function initMap() {
    if (typeof L === "undefined") { return; }
    map = TryggMap.create(mapElement);
    var layer = TryggMap.areas(map, { fillOpacity: 0.25, interactive: false });
    // The view first: Leaflet cannot draw a line on a map that has none yet.
    var seen = data.route.map(function (c) { return [c[1], c[0]]; })
      .concat(data.points.map(function (p) { return [p.lat, p.lon]; }));
    if (seen.length > 1) { map.fitBounds(L.latLngBounds(seen), { padding: [20, 20], maxZoom: 17 }); }
    else if (seen.length === 1) { map.setView(seen[0], 16); }
    else {
      // A new walk opens on its areas; the rest of the municipality is a pan away.
      TryggMap.fit(map, layer, { focus: data.focus, zoom: 12 });
    }
    routeLine = L.polyline(data.route.map(function (c) { return [c[1], c[0]]; }), {
      color: "#1d5c96", weight: 4,
    }).addTo(map);
    var markers = L.featureGroup(data.points.map(numbered)).addTo(map);
    mapElement.dataset.ready = "true";
    return markers;
  }

  var markers = null;
  document.addEventListener("DOMContentLoaded", function () {
    markers = initMap();
    if (recorder) { startRecorder(); }
  });

  function startRecorder() {
    var walkKey = "trygg-walk-" + recorder.dataset.routeUrl;
    var csrf = recorder.querySelector("[name=csrfmiddlewaretoken]").value;
    var form = document.getElementById("walk-point-form");
    var counts = document.getElementById("walk-counts");
    var list = document.getElementById("walk-points");
    var place = TryggMap.point(form.elements.lat, form.elements.lon);
    place.attach(map);
    var watchId = null;
    var flushing = false;
    var lastSent = 0;

    function load() {
      try { return JSON.parse(localStorage.getItem(walkKey) || "null") || { route: [], points: [] }; }
      catch (e) { return { route: [], points: [] }; }
    }
    var outbox = load();
    function keep() {
      try { localStorage.setItem(walkKey, JSON.stringify(outbox)); } catch (e) { /* private mode */ }
      counts.textContent = outbox.route.length || outbox.points.length
        ? outbox.route.length + outbox.points.length + " " + recorder.dataset.pendingLabel : "";
    }

    function newKey() {
      if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
      return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
    }

    // ------------------------------------------------------------------ the route
    function addRoutePoint(latlng) {
      var c = [Number(latlng.lng.toFixed(6)), Number(latlng.lat.toFixed(6))];
      outbox.route.push(c);
      if (routeLine) { routeLine.addLatLng([c[1], c[0]]); }
      keep();
      if (outbox.route.length >= 20 || Date.now() - lastSent > 15000) { flush(); }
    }

    function sendRoute() {
      if (!outbox.route.length) { return Promise.resolve(); }
      var batch = outbox.route.slice(0, 200);
      return fetch(recorder.dataset.routeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ coordinates: batch }),
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        outbox.route = outbox.route.slice(batch.length);
        lastSent = Date.now();
        keep();
      });
    }

    // ------------------------------------------------------------------ the places
    function sendPoint(item) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      Object.keys(item).forEach(function (name) {
        if (name === "reasons") { item.reasons.forEach(function (r) { body.append("reasons", r); }); }
        else if (item[name] !== null && item[name] !== undefined) { body.append(name, item[name]); }
      });
      return fetch(recorder.dataset.pointUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-Trygg-Async": "1", Accept: "application/json" },
        body: body,
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) { throw new Error("HTTP " + response.status); }
        return response.json().then(function (result) { return { ok: response.ok, result: result }; });
      }).then(function (answer) {
        outbox.points = outbox.points.filter(function (p) { return p.client_key !== item.client_key; });
        keep();
        var pending = list.querySelector('[data-key="' + item.client_key + '"]');
        if (!answer.ok) {
          if (pending) { pending.remove(); }
          throw { invalid: answer.result.errors || {} };
        }
        var r = answer.result;
        var li = pending || document.createElement("li");
        li.className = "";
        li.removeAttribute("data-key");
        li.value = r.number;
        li.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = r.reasons.join(", ");
        li.appendChild(strong);
        if (r.area) { li.appendChild(document.createTextNode(" · " + r.area)); }
        if (!pending) { list.appendChild(li); }
        if (markers) { numbered({ number: r.number, lat: r.lat, lon: r.lon, label: r.reasons.join(", ") }).addTo(markers); }
        var none = document.getElementById("no-points");
        if (none) { none.remove(); }
        show("ok", recorder.dataset.saved);
      });
    }

    function flush() {
      if (flushing) { return Promise.resolve(); }
      flushing = true;
      var chain = sendRoute();
      outbox.points.slice().forEach(function (item) {
        chain = chain.then(function () { return sendPoint(item); });
      });
      return chain.then(function () { flushing = false; }, function (error) {
        flushing = false;
        if (error && error.invalid) { showErrors(error.invalid); return; }
        show("pending", navigator.onLine === false ? recorder.dataset.offline : recorder.dataset.offline);
        setTimeout(flush, 10000);
      });
    }

    function showErrors(errors) {
      form.querySelectorAll(".field-errors").forEach(function (el) { el.textContent = ""; });
      Object.keys(errors).forEach(function (field) {
        var slot = form.querySelector('.field-errors[data-for="' + (field === "lon" ? "lat" : field) + '"]');
        var text = errors[field].map(function (e) { return e.message; }).join(" ");
        if (slot) { slot.textContent = text; } else { show("error", text); }
      });
      show("error", recorder.dataset.invalid);
    }

    function setPointPlace(latlng) {
      place.set(latlng);
      document.getElementById("point-where").textContent = form.elements.lat.value + ", " + form.elements.lon.value;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.elements.lat.value) { show("error", recorder.dataset.placeFirst); return; }
      var reasons = Array.prototype.filter.call(form.elements.reasons, function (el) { return el.checked; })
        .map(function (el) { return el.value; });
      var item = {
        client_key: newKey(),
        lat: form.elements.lat.value,
        lon: form.elements.lon.value,
        reasons: reasons,
        text: form.elements.text.value,
        severity: form.elements.severity.value,
        recorded_at: new Date().toISOString(),
      };
      outbox.points.push(item);
      keep();
      var li = document.createElement("li");
      li.className = "pending";
      li.dataset.key = item.client_key;
      li.textContent = recorder.dataset.pendingLabel;
      list.appendChild(li);
      form.reset();
      place.clear();
      flush();
    });

    function noGps() { show("error", recorder.dataset.noGps); }

    document.getElementById("point-here").addEventListener("click", function () {
      TryggMap.locate(30000, setPointPlace, noGps);
    });

    var track = document.getElementById("walk-track");
    track.addEventListener("click", function () {
      if (watchId !== null) {
        navigator.geolocation.clearWatch(watchId);
        watchId = null;
        track.setAttribute("aria-pressed", "false");
        show("ok", recorder.dataset.paused);
        flush();
        return;
      }
      if (!navigator.geolocation) { noGps(); return; }
      watchId = navigator.geolocation.watchPosition(
        function (pos) {
          // Positions worse than 50 m would draw zigzags; the next one will be better.
          if (pos.coords.accuracy && pos.coords.accuracy > 50) { return; }
          addRoutePoint(L.latLng(pos.coords.latitude, pos.coords.longitude));
        },
        noGps,
        { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 }
      );
      track.setAttribute("aria-pressed", "true");
      show("ok", recorder.dataset.tracking);
    });

    document.getElementById("walk-route-here").addEventListener("click", function () {
      TryggMap.locate(10000, function (latlng) { addRoutePoint(latlng); flush(); }, noGps);
    });

    var draw = document.getElementById("walk-draw");
    if (map) {
      map.on("click", function (event) {
        if (draw.checked) { addRoutePoint(event.latlng); } else { setPointPlace(event.latlng); }
      });
    }

    document.getElementById("walk-finish-form").addEventListener("submit", function (event) {
      var finishForm = event.target;
      if (!outbox.route.length && !outbox.points.length) { return; }
      event.preventDefault();
      flush().then(function () {
        if (!outbox.route.length && !outbox.points.length) { finishForm.submit(); }
      });
    });

    window.addEventListener("online", flush);
    setInterval(function () { if (outbox.route.length || outbox.points.length) { flush(); } }, 15000);
    keep();
    if (outbox.route.length || outbox.points.length) { flush(); }
  }
})();
