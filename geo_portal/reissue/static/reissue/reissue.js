// Re-issuance case page: fill the installation form's longitude and latitude from the device's position (for a photo
// taken without GPS data). No inline script: the page loads this file; the button shows only where geolocation exists.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_lon").value = position.coords.longitude.toFixed(6);
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(6);
        button.disabled = false;
      },
      function () { button.disabled = false; },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });
})();
