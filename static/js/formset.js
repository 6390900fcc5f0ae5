// "Add another incident": clones the formset's empty form. Without JavaScript the page
// still works: saving the draft shows a fresh empty entry.
(function () {
  "use strict";
  var button = document.getElementById("add-incident");
  var template = document.getElementById("incident-template");
  var container = document.getElementById("incident-forms");
  if (!button || !template || !container) return;
  var prefix = button.dataset.formsetPrefix;
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
  button.classList.remove("d-none");
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var wrapper = document.createElement("div");
    wrapper.innerHTML = html.trim();
    var form = wrapper.firstElementChild;
    container.appendChild(form);
    total.value = String(index + 1);
    var first = form.querySelector("input, select, textarea");
    if (first) first.focus();
  });
})();

// After a failed submit the first wrong answer may be far down a long form on a phone:
// bring it into view and put the cursor there.
(function () {
  "use strict";
  var invalid = document.querySelector("main .is-invalid, main .invalid-feedback, main .alert-block.alert-danger");
  if (!invalid) return;
  invalid.scrollIntoView({ block: "center" });
  var field = invalid.matches("input, select, textarea") ? invalid : null;
  if (field) field.focus();
})();
