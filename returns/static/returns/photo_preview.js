// Small previews of the photos chosen for a returned item. The form works without this script.
// Data URLs, not blob: URLs, because the Content-Security-Policy allows only those for images.
(function () {
  "use strict";
  function preview(input) {
    var box = document.getElementById(input.id.replace("photos-", "photos-preview-"));
    if (!box) return;
    box.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    box.hidden = files.length === 0;
    files.forEach(function (file) {
      var figure = document.createElement("figure");
      var caption = document.createElement("figcaption");
      caption.textContent = file.name;
      box.appendChild(figure);
      // Browsers cannot draw HEIC: its name alone is shown, the shop still receives the photo.
      if (/^image\/(jpeg|png|webp)$/.test(file.type) && file.size < 15 * 1024 * 1024) {
        var reader = new FileReader();
        reader.onload = function () {
          var img = document.createElement("img");
          img.src = reader.result;
          img.alt = "";
          figure.insertBefore(img, caption);
        };
        reader.readAsDataURL(file);
      }
      figure.appendChild(caption);
    });
  }
  document.querySelectorAll("input[data-photo-preview]").forEach(function (input) {
    input.addEventListener("change", function () { preview(input); });
  });
})();
