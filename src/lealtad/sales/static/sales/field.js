// Field check-in: "Use my position" fills the form's hidden latitude and longitude from the
// phone when the seller allows it. Without it (or without JavaScript) the place typed is enough.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("form.checkin button.locate").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var form = button.closest("form");
      navigator.geolocation.getCurrentPosition(function (where) {
        form.querySelector("[name=latitude]").value = where.coords.latitude.toFixed(5);
        form.querySelector("[name=longitude]").value = where.coords.longitude.toFixed(5);
        button.textContent = button.textContent + " ✓";
      });
    });
  });
})();
