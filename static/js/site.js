/* Letterbridge: small enhancements for the public pages. Everything works without this file;
   it adds the live character counter, shows the currency only for "post it for me", a
   "copy link" button, moves focus to a form's error summary, and sends a form once. Texts come from data-*
   attributes, translated by the server. */
(function () {
  "use strict";

  function characters(text) {
    // Count what the server counts: code points (an emoji is one), line breaks as one.
    return Array.from(text).length;
  }

  function format(template, count) {
    return template.replace("%(count)s", count.toLocaleString(document.documentElement.lang || undefined));
  }

  function setUpCounter(textarea) {
    var counter = document.getElementById(textarea.getAttribute("data-counter"));
    if (!counter) { return; }
    var max = parseInt(counter.getAttribute("data-max"), 10);
    var used = counter.getAttribute("data-used");
    var over = counter.getAttribute("data-over");
    function update() {
      var count = characters(textarea.value.trim());
      var remainingText = used.replace("%(max)s", max.toLocaleString(document.documentElement.lang || undefined));
      counter.textContent = format(remainingText, count);
      counter.classList.toggle("counter--near", count > max * 0.9 && count <= max);
      counter.classList.toggle("counter--over", count > max);
      if (count > max) {
        counter.textContent += " — " + format(over, count - max);
      }
    }
    textarea.addEventListener("input", update);
    update();
  }

  function setUpDelivery(form) {
    var currency = form.querySelector("[data-currency]");
    if (!currency) { return; }
    var radios = form.querySelectorAll("input[name='delivery']");
    function update() {
      var chosen = form.querySelector("input[name='delivery']:checked");
      currency.hidden = Boolean(chosen) && chosen.value !== "post_for_me";
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function setUpCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { button.hidden = true; return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  }

  function setUpErrorSummary(summary) {
    // Screen readers read the summary and keyboards start from it, as on GOV.UK.
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      // Show the field's question too, not only its input at the very top of the window.
      event.preventDefault();
      var fieldset = input.closest("fieldset");
      var question = (fieldset && fieldset.querySelector("legend")) ||
        document.querySelector("label[for='" + input.id + "']") || input;
      question.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  function setUpSendOnce(form) {
    // A double click (or an impatient second tap on a slow phone) sent the letter twice: two
    // letters, two references, two e-mails asking for postage. The first submit goes; any other
    // is ignored until the page is left. Coming back to it (the back button) allows sending again.
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
      form.setAttribute("aria-busy", "true");
    });
    window.addEventListener("pageshow", function () {
      sending = false;
      form.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[method='post']").forEach(setUpSendOnce);
    document.querySelectorAll("textarea[data-counter]").forEach(setUpCounter);
    document.querySelectorAll("form[data-letter-form]").forEach(setUpDelivery);
    document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { setUpErrorSummary(summary); }
  });
})();
