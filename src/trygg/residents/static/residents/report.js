// The public report form. Works without JavaScript (pick the area from the list and
// send); with it, the resident taps the map or uses the phone's position, and the form is
// kept on the phone until the server has answered, with retries while offline. The hidden
// client_key makes a retry harmless: the server answers a repeated key with the receipt it
// already gave.
(function () {
  "use strict";

  var DRAFT_KEY = "trygg-resident-draft";
  var form = document.getElementById("resident-form");
  if (!form) { return; }
  var status = document.getElementById("resident-status");
  var submit = document.getElementById("resident-submit");
  var lat = form.elements.lat;
  var lon = form.elements.lon;
  var summary = document.getElementById("where-summary");
  var point = TryggMap.point(lat, lon);
  var retryTimer = null;
  var retryDelay = 2000;
  var sending = false;

  function show(kind, text) {
    status.hidden = false;
    status.className = "report-status " + kind;
    status.textContent = text;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  var SKIP = { csrfmiddlewaretoken: true, started: true, website: true, challenge: true, answer: true };

  function saveDraft() {
    var data = { reasons: [] };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name]) { return; }
      if (el.type === "checkbox") { if (el.checked) { data[el.name].push(el.value); } }
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
      if (!el.name || SKIP[el.name] || !(el.name in data)) { return; }
      if (el.type === "checkbox") { el.checked = data[el.name].indexOf(el.value) !== -1; }
      else { el.value = data[el.name]; }
    });
  }

  // ----------------------------------------------------------------- nearby reports
  // While the resident marks a place, approved open reports of the same kind nearby are
  // offered ("is it one of these?"); choosing one sends this report as an addition to it.
  var nearbyBox = document.getElementById("nearby");
  var nearbyList = document.getElementById("nearby-list");
  var nearbyNone = document.getElementById("nearby-none");
  var nearbyLayer = null;
  var nearbyAsked = 0;

  function checkedReasons() {
    return Array.prototype.filter.call(form.elements.reasons || [], function (box) {
      return box.checked;
    }).map(function (box) { return box.value; });
  }

  function chooseSame(id) {
    form.elements.same_as.value = id || "";
    nearbyList.querySelectorAll("li").forEach(function (li) {
      var chosen = li.dataset.id === id;
      li.classList.toggle("chosen", chosen);
      li.querySelector("button").setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    nearbyNone.hidden = !id;
    if (id) { show("ok", form.dataset.nearbyChosen); }
    saveDraft();
  }

  function clearNearby() {
    nearbyBox.hidden = true;
    nearbyList.textContent = "";
    form.elements.same_as.value = "";
    if (nearbyLayer) { nearbyLayer.clearLayers(); }
  }

  function askNearby() {
    var reasons = checkedReasons();
    if (!lat.value || !lon.value || !reasons.length || !nearbyBox) { clearNearby(); return; }
    var query = new URLSearchParams({ lat: lat.value, lon: lon.value });
    reasons.forEach(function (r) { query.append("reasons", r); });
    var asked = ++nearbyAsked;
    fetch(form.dataset.nearbyUrl + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
      .then(function (data) {
        if (asked !== nearbyAsked) { return; }
        var keep = form.elements.same_as.value;
        nearbyList.textContent = "";
        if (nearbyLayer) { nearbyLayer.clearLayers(); }
        (data.reports || []).forEach(function (r) {
          var li = document.createElement("li");
          li.dataset.id = r.id;
          var head = document.createElement("strong");
          head.textContent = r.reasons.join(", ");
          var facts = document.createElement("span");
          facts.className = "small";
          facts.textContent = " – " + r.status_label + ", " + (r.place || "") + ", " + r.month +
            (r.agree ? ", +" + r.agree : "");
          li.appendChild(head);
          li.appendChild(facts);
          if (r.text) {
            var words = document.createElement("p");
            words.className = "small";
            words.textContent = r.text;
            li.appendChild(words);
          }
          var button = document.createElement("button");
          button.type = "button";
          button.className = "nearby-same";
          button.textContent = form.dataset.nearbySame;
          button.setAttribute("aria-pressed", "false");
          button.addEventListener("click", function () { chooseSame(r.id); });
          li.appendChild(button);
          nearbyList.appendChild(li);
          if (nearbyLayer) {
            L.circleMarker([r.lat, r.lon], {
              radius: 8, color: "#fff", weight: 2, fillColor: "#a15c00", fillOpacity: 0.9,
              bubblingMouseEvents: false,
            })
              .bindTooltip(r.reasons.join(", "))
              .on("click", function () { chooseSame(r.id); })
              .addTo(nearbyLayer);
          }
        });
        var found = (data.reports || []).some(function (r) { return r.id === keep; });
        nearbyBox.hidden = !(data.reports || []).length;
        chooseSame(found ? keep : "");
      })
      .catch(function () { /* offline: nothing to offer */ });
  }

  // --------------------------------------------------------------------------- map
  function setPoint(latlng, text) {
    point.set(latlng);
    form.elements.area.value = "";
    summary.textContent = (text ? text + " – " : "") + form.dataset.marked;
    saveDraft();
    askNearby();
  }

  function initMap() {
    var element = document.getElementById("resident-map");
    if (!element || typeof L === "undefined") { return; }
    TryggMap.pickingMap(element, point, setPoint, { padding: [8, 8], zoom: 11 });
    if (element.trygg && element.trygg.map) { nearbyLayer = L.layerGroup().addTo(element.trygg.map); }
  }

  Array.prototype.forEach.call(form.elements.reasons || [], function (box) {
    box.addEventListener("change", askNearby);
  });
  if (nearbyNone) { nearbyNone.addEventListener("click", function () { chooseSame(""); }); }

  TryggMap.positionButton(document.getElementById("use-position"), point, setPoint, show, form.dataset);

  // Picking an area from the list replaces a marked point (the keyboard way to say where).
  form.elements.area.addEventListener("change", function () {
    if (!form.elements.area.value) { return; }
    point.clear();
    clearNearby();
    summary.textContent = form.elements.area.options[form.elements.area.selectedIndex].text;
  });

  // ------------------------------------------------------------------------ errors
  function clearErrors() {
    form.querySelectorAll(".field-errors").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  function showErrors(errors) {
    clearErrors();
    var first = null;
    var general = [];
    Object.keys(errors).forEach(function (field) {
      var text = errors[field].map(function (e) { return e.message; }).join(" ");
      var slot = form.querySelector('.field-errors[data-for="' + (field === "lon" ? "lat" : field) + '"]');
      if (field === "__all__" || !slot) { general.push(text); return; }
      slot.textContent = text;
      var container = document.getElementById("field-" + (field === "lat" || field === "lon" ? "where" : field)) || slot.parentElement;
      container.classList.add("has-error");
      first = first || container;
    });
    show("error", general.length ? general.join(" ") : form.dataset.invalid);
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  function showChallenge(challenge) {
    if (!challenge) { return; }
    var box = document.getElementById("field-answer");
    box.hidden = false;
    form.elements.challenge.value = challenge.token;
    document.getElementById("challenge-question").textContent = challenge.question;
    form.elements.answer.value = "";
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
    fetch(window.location.pathname, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Trygg-Async": "1", Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        sending = false;
        submit.disabled = false;
        if (data.saved) {
          clearDraft();
          clearTimeout(retryTimer);
          window.location.assign(data.receipt);
          return;
        }
        showChallenge(data.challenge);
        showErrors(data.errors || {});
        if (data.challenge) { form.elements.answer.focus(); }
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
    if (!form.elements.client_key.value) { form.elements.client_key.value = newKey(); }
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
    var serverErrors = form.querySelector(".field-errors li");
    if (draft && !serverErrors) {
      restore(draft);
      show("pending", form.dataset.restored);
    }
    if (!form.elements.client_key.value) { form.elements.client_key.value = newKey(); }
    initMap();
    askNearby();
  });
})();
