// The copy button of the guided-sending page. Without JavaScript the letter stays a
// selectable text box; no inline script, the pages have a strict CSP.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-letter");
  var box = document.getElementById("letter-text");
  var status = document.getElementById("copy-status");
  if (!button || !box) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    box.focus();
    box.select();
    var done = function () {
      if (status) {
        status.textContent = button.getAttribute("data-copied");
      }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(box.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
