// The main menu folds behind a button on narrow screens (see .menu-button in trygg.css).
// Without this script the menu simply stays open: nothing is hidden that cannot be reached.
(function () {
  "use strict";
  var nav = document.querySelector(".main-nav");
  if (!nav) return;
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
