// "Which of these is on your contract?" as soon as the brand is typed: asks the server for
// the brand's known funders and offers them as choices. Without JavaScript the question
// appears once the draft is saved with the brand.
(function () {
  "use strict";
  var box = document.getElementById("funder-choice");
  var options = document.getElementById("funder-choice-options");
  var brand = document.getElementById("id_lender_name");
  if (!box || !options || !brand || !window.fetch) return;
  var asked = brand.value;
  var timer = null;

  function render(choices) {
    var checked = options.querySelector("input:checked");
    var keep = checked ? checked.value : "";
    while (options.firstChild) options.removeChild(options.firstChild);
    choices.forEach(function (choice, i) {
      var div = document.createElement("div");
      div.className = "form-check";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "funder_choice";
      input.id = "id_funder_choice_" + i;
      input.value = choice[0];
      input.className = "form-check-input";
      input.checked = choice[0] === keep;
      var label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = input.id;
      label.textContent = choice[1]; // names come from the registry: text, never markup
      div.appendChild(input);
      div.appendChild(label);
      options.appendChild(div);
    });
    box.hidden = choices.length === 0;
  }

  function ask() {
    var typed = brand.value.trim();
    if (typed === asked) return;
    asked = typed;
    if (!typed) { render([]); return; }
    fetch(box.dataset.url + "?brand=" + encodeURIComponent(typed), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) { return r.ok ? r.json() : { choices: [] }; })
      .then(function (data) { if (brand.value.trim() === typed) render(data.choices || []); })
      .catch(function () {});
  }

  brand.addEventListener("change", ask);
  brand.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
})();
