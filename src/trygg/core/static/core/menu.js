// The main menu folds behind a button on narrow screens (see .menu-button in trygg.css).
// Without this script the menu simply stays open: nothing is hidden that cannot be reached.
(function () {
  "use strict";
  var nav = document.querySelector(".main-nav");
  if (!nav) return;
  // The menu's sections: one open at a time; Escape or a click elsewhere closes it.
  var sections = nav.querySelectorAll(".menu-section details");
  function closeSections(except) {
    sections.forEach(function (section) {
      if (section !== except) { section.removeAttribute("open"); }
    });
  }
  sections.forEach(function (section) {
    section.addEventListener("toggle", function () {
      if (section.open) { closeSections(section); }
    });
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) { closeSections(null); }
  });
  document.addEventListener("keydown", function (event) {
    var open = nav.querySelector(".menu-section details[open]");
    if (event.key === "Escape" && open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
  var button = nav.querySelector(".menu-button");
  if (!button) return;
  nav.classList.add("foldable");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
})();
