// The phone report form. Tap the map or use the phone's position; the form keeps its
// content in this browser until the server has confirmed it, and retries by itself when
// the connection drops. The hidden client_key makes a retry harmless: the server answers
// a repeated key with the report it already saved.
(function () {
  "use strict";

  var DRAFT_KEY = "trygg-report-draft";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var status = document.getElementById("report-status");
  var submit = document.getElementById("report-submit");
  var lat = form.elements.lat;
  var lon = form.elements.lon;
  var summary = document.getElementById("where-summary");
  var map = null;
  var point = TryggMap.point(lat, lon);
  var retryTimer = null;
  var retryDelay = 2000;
  var sending = false;

  function show(kind, text, link) {
    status.hidden = false;
    status.className = "report-status " + kind;
    status.textContent = text;
    if (link) {
      status.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link;
      a.textContent = "→";
      status.appendChild(a);
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function localNow() {
    var d = new Date();
    d.setSeconds(0, 0);
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // ------------------------------------------------------------------ draft storage
  function saveDraft() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken") { return; }
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.type === "checkbox") { data[el.name] = el.checked; }
      else { data[el.name] = el.value; }
    });
    try { localStorage.setItem(DRAFT_KEY, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }

  function loadDraft() {
    try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
  }

  function clearDraft() {
    try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* ignore */ }
  }

  function restore(data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.name === "csrfmiddlewaretoken") { return; }
      if (el.type === "radio") { el.checked = el.value === data[el.name]; }
      else if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else { el.value = data[el.name]; }
    });
  }

  // --------------------------------------------------------------------------- map
  function setPoint(latlng, text) {
    point.set(latlng);
    summary.textContent = text || (lat.value + ", " + lon.value);
    saveDraft();
  }

  function initMap() {
    var element = document.getElementById("report-map");
    if (!element || typeof L === "undefined") { return; }
    // Start on the reporter's own groups' areas; the rest of the municipality is a pan away.
    var focus = JSON.parse(document.getElementById("report-focus").textContent);
    map = TryggMap.pickingMap(element, point, setPoint, { focus: focus, padding: [8, 8], zoom: 11 });
  }

  TryggMap.positionButton(document.getElementById("use-position"), point, setPoint, show, form.dataset);

  var places = JSON.parse(document.getElementById("report-places").textContent);
  form.elements.place.addEventListener("change", function () {
    var chosen = places.filter(function (p) { return String(p.id) === form.elements.place.value; })[0];
    if (chosen) {
      lat.value = "";
      lon.value = "";
      if (map) {
        var latlng = L.latLng(chosen.lat, chosen.lon);
        point.mark(latlng);
        point.zoomTo(latlng, 14);
      }
      summary.textContent = chosen.name;
    }
  });

  // ------------------------------------------------------------------------ errors
  function clearErrors() {
    form.querySelectorAll(".field-errors").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  function showErrors(errors) {
    clearErrors();
    var first = null;
    Object.keys(errors).forEach(function (field) {
      var text = errors[field].map(function (e) { return e.message; }).join(" ");
      var slot = form.querySelector('.field-errors[data-for="' + (field === "lon" ? "lat" : field) + '"]');
      if (field === "__all__" || !slot) {
        show("error", text);
        return;
      }
      slot.textContent = text;
      var container = document.getElementById("field-" + field) || slot.parentElement;
      container.classList.add("has-error");
      if (field === "group" || field === "people_count") { form.querySelector(".more-fields").open = true; }
      first = first || container;
    });
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  // -------------------------------------------------------------------------- send
  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  function send() {
    if (sending) { return; }
    sending = true;
    submit.disabled = true;
    show("pending", form.dataset.saving);
    var body = new FormData(form);
    fetch(window.location.pathname, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Trygg-Async": "1", Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // A sign-in page or a proxy error: keep the draft, try again later.
          throw new Error("HTTP " + response.status);
        }
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        sending = false;
        submit.disabled = false;
        if (result.data.saved) {
          clearDraft();
          clearTimeout(retryTimer);
          retryDelay = 2000;
          clearErrors();
          show("ok", result.data.message, result.data.url);
          form.reset();
          form.elements.client_key.value = newKey();
          form.elements.observed_at.value = localNow();
          point.clear();
          window.scrollTo(0, 0);
        } else {
          show("error", form.dataset.invalid);
          showErrors(result.data.errors || {});
        }
      })
      .catch(function () {
        sending = false;
        submit.disabled = false;
        show("pending", navigator.onLine === false ? form.dataset.offline : form.dataset.retrying);
        scheduleRetry();
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    saveDraft();
    retryDelay = 2000;
    send();
  });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  window.addEventListener("online", function () {
    if (loadDraft() && status.classList.contains("pending")) { send(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var draft = loadDraft();
    var serverErrors = form.querySelector(".field-errors li, .errors");
    if (draft && !serverErrors) {
      restore(draft);
      show("pending", form.dataset.restored);
    }
    initMap();
  });
})();
