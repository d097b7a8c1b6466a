// Small progressive enhancements; every page works fully without this file.
(function () {
  "use strict";

  // Show or hide a block depending on a radio answer on the same page:
  // data-show-when="name=a,b" / data-hide-when="name=a". Hidden fields keep their values;
  // the server ignores answers that do not apply.
  function conditionMet(spec) {
    var parts = spec.split("=");
    var chosen = document.querySelector('input[name="' + parts[0] + '"]:checked');
    return chosen !== null && parts[1].split(",").indexOf(chosen.value) !== -1;
  }
  function updateConditional() {
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.hidden = !conditionMet(el.getAttribute("data-show-when"));
    });
    document.querySelectorAll("[data-hide-when]").forEach(function (el) {
      el.hidden = conditionMet(el.getAttribute("data-hide-when"));
    });
  }

  // Symptom details only when the symptom is ticked.
  function updateSymptoms() {
    document.querySelectorAll("input[data-details]").forEach(function (box) {
      var details = document.getElementById(box.getAttribute("data-details"));
      if (details) { details.hidden = !box.checked; }
    });
  }

  // Lab rows: offer only the units of the chosen analyte; positive/negative for antibody tests.
  function updateLabRow(row) {
    var analyte = row.querySelector('select[name$="-analyte"]');
    var unit = row.querySelector("select[data-unit-select]");
    if (!analyte || !unit) { return; }
    var code = analyte.value;
    var qualitative = code !== "" && !unit.querySelector('optgroup[data-analyte="' + code + '"]');
    unit.querySelectorAll("optgroup").forEach(function (group) {
      var match = code === "" || group.getAttribute("data-analyte") === code;
      group.hidden = !match;
      group.disabled = !match;
    });
    var selected = unit.options[unit.selectedIndex];
    if (selected && selected.parentElement.tagName === "OPTGROUP" && selected.parentElement.disabled) {
      var group = unit.querySelector('optgroup[data-analyte="' + code + '"]');
      var same = group ? Array.prototype.find.call(group.children, function (o) { return o.value === selected.value; }) : null;
      if (same) { same.selected = true; } else { unit.value = ""; }
    }
    row.querySelectorAll(".js-quantitative").forEach(function (el) { el.hidden = qualitative; });
    row.querySelectorAll(".js-qualitative").forEach(function (el) { el.hidden = !qualitative; });
  }

  // A printed result shows every folded section (a closed <details> would print as a title).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    updateConditional();
    updateSymptoms();
    document.querySelectorAll("[data-lab-row]").forEach(updateLabRow);
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="radio"]')) { updateConditional(); }
      if (target.matches("input[data-details]")) { updateSymptoms(); }
      var row = target.closest("[data-lab-row]");
      if (row) { updateLabRow(row); }
    });
    // Switching language in the middle of a step keeps what was typed on it: the step's form
    // is sent (as "lang:xx") and the server shows the same step in the other language.
    var qform = document.getElementById("qform");
    document.querySelectorAll("a[data-lang]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!qform) { return; }
        event.preventDefault();
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "action";
        field.value = "lang:" + link.getAttribute("data-lang");
        qform.appendChild(field);
        qform.submit();
      });
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    var card = document.getElementById("action-card");
    if (card && !summary) { card.focus(); }
  });
})();
