// Evidence upload with a progress bar and a verdict per file. Each file goes in its own
// request, so one refused or failed file never holds up the others. Without JavaScript
// the form posts all files at once and the page shows the verdicts as messages.
(function () {
  "use strict";
  var form = document.getElementById("evidence-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = document.getElementById("evidence-files");
  var list = document.getElementById("evidence-progress");
  var drop = document.getElementById("evidence-drop");
  var submit = document.getElementById("evidence-submit");
  var text = {
    waiting: form.dataset.textWaiting || "…",
  };
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function row(file) {
    var li = document.createElement("li");
    li.className = "mb-2";
    var name = document.createElement("div");
    name.className = "small text-break";
    name.textContent = file.name;
    var bar = document.createElement("div");
    bar.className = "progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", file.name);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    var fill = document.createElement("div");
    fill.className = "progress-bar";
    fill.style.width = "0%";
    bar.appendChild(fill);
    var verdict = document.createElement("div");
    verdict.className = "small";
    verdict.textContent = text.waiting;
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(verdict);
    list.appendChild(li);
    return { bar: bar, fill: fill, verdict: verdict };
  }

  function setProgress(r, percent) {
    r.fill.style.width = percent + "%";
    r.bar.setAttribute("aria-valuenow", String(percent));
  }

  function finish(r, ok, message) {
    setProgress(r, 100);
    r.fill.classList.add(ok ? "bg-success" : "bg-danger");
    r.verdict.className = "small " + (ok ? "text-success" : "text-danger");
    r.verdict.textContent = message;
  }

  function send(file, r) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("files", file, file.name);
      ["incident", "caption"].forEach(function (field) {
        var el = form.elements[field];
        if (el) data.append(field, el.value);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.uploadUrl);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) setProgress(r, Math.round((e.loaded / e.total) * 95));
      });
      xhr.addEventListener("load", function () {
        var result = null;
        try { result = JSON.parse(xhr.responseText).files[0]; } catch (err) { result = null; }
        if (result && result.accepted) {
          finish(r, true, form.dataset.textAccepted + " SHA-256 " + result.sha256.slice(0, 12) + "…");
          resolve(true);
        } else {
          finish(r, false, (result && result.error) || form.dataset.textFailed);
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () { finish(r, false, form.dataset.textFailed); resolve(false); });
      xhr.send(data);
    });
  }

  function uploadAll(files) {
    if (!files.length) return;
    submit.disabled = true;
    var rows = Array.prototype.map.call(files, row);
    var accepted = 0;
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file, i) {
      chain = chain.then(function () { return send(file, rows[i]); }).then(function (ok) { if (ok) accepted += 1; });
    });
    chain.then(function () {
      submit.disabled = false;
      input.value = "";
      if (accepted) refreshSection();
    });
  }

  // The list of files and the counts come from the server again, so that what the page
  // says ("Evidence 0", "No evidence yet") agrees with the verdicts above. The form stays
  // the same element, with its verdicts and its listeners; only what is around it changes.
  function refreshSection() {
    var fallback = function () {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = window.location.pathname + "#evidence";
      link.className = "btn btn-sm btn-outline-primary";
      link.textContent = form.dataset.textShow;
      link.addEventListener("click", function (e) { e.preventDefault(); window.location.reload(); });
      li.appendChild(link);
      list.appendChild(li);
    };
    if (!window.fetch || !window.DOMParser) { fallback(); return; }
    window.fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var parsed = doc.getElementById("evidence");
        var section = document.getElementById("evidence");
        if (!parsed || !section) throw new Error("no section");
        var fresh = document.importNode(parsed, true);
        var freshForm = fresh.querySelector("#evidence-upload");
        if (freshForm) freshForm.replaceWith(form);
        section.replaceWith(fresh);
        // The page's other mentions of the count: the jump links to the section.
        var links = document.querySelectorAll('a[href="#evidence"]');
        var freshLinks = doc.querySelectorAll('a[href="#evidence"]');
        Array.prototype.forEach.call(links, function (link, i) {
          if (freshLinks[i]) link.textContent = freshLinks[i].textContent;
        });
        document.dispatchEvent(new CustomEvent("evidence:refreshed"));
      })
      .catch(fallback);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    uploadAll(input.files);
  });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("bg-light"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("bg-light"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(e.dataTransfer.files);
  });
})();
