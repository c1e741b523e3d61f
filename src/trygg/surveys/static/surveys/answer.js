// The QR code on the letter opens /svar/#K7XM4QPR: the code travels in the fragment, which
// the browser never sends to the server, and is put into the code field here.
(function () {
  "use strict";
  var field = document.getElementById("id_code");
  if (field && window.location.hash.length > 1 && !field.value) {
    var code = decodeURIComponent(window.location.hash.slice(1)).replace(/[^0-9A-Za-z-]/g, "");
    field.value = code.slice(0, 20);
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }
  var error = document.getElementById("code-error");
  if (error) {
    error.focus();
  }
})();
