// Progressive enhancement only: every screen works without this file.
// Copy buttons appear next to values a user copies (references, client secrets, keys).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = "value" in target ? target.value : target.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
});
