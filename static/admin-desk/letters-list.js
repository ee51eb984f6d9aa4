/* The letters' list has nine columns: beside both sidebars, in a window narrower than 1440 px,
   they do not fit. There the navigation starts folded, as if its « had been pressed, unless the
   person has opened or folded it themselves (Django remembers that choice in this browser, and
   it is left as it was: other pages still open with the navigation, as Django draws them). */
(function () {
  "use strict";
  var KEY = "django.admin.navSidebarIsOpen";

  function chosen() {
    try {
      return window.localStorage.getItem(KEY) !== null;
    } catch (error) {
      return true; /* no storage: leave Django's default */
    }
  }

  window.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("toggle-nav-sidebar");
    var main = document.getElementById("main");
    if (!toggle || !main || !main.classList.contains("shifted")) return;
    if (chosen() || window.innerWidth >= 1440) return;
    toggle.click(); /* Django's own handler folds it and remembers "folded"… */
    try {
      window.localStorage.removeItem(KEY); /* …which was not the person's choice */
    } catch (error) {
      /* nothing to forget */
    }
  });
})();
