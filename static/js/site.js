/* Letterbridge: small enhancements for the public pages. Everything works without this file;
   it adds the live character counter, shows the currency only for "post it for me", and a
   "copy link" button. Texts come from data-* attributes, translated by the server. */
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-counter]").forEach(setUpCounter);
    document.querySelectorAll("form[data-letter-form]").forEach(setUpDelivery);
    document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
  });
})();
