/* The replies' desk: zooming the scan, and the two texts autosaved every few seconds with the
   version they started from (a stale tab is refused, as on the letters' desk) and kept in this
   browser until saved. No inline scripts: pages pass what this needs in data- attributes. */
(function () {
  "use strict";

  function initZoom() {
    var pages = document.getElementById("scan-pages");
    if (!pages) {
      return;
    }
    var zoom = 1;
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var step = Number(button.dataset.zoom);
        zoom = step === 0 ? 1 : Math.min(4, Math.max(0.5, zoom + step * 0.5));
        pages.style.setProperty("--zoom", String(zoom));
      });
    });
  }

  function store(key, value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, JSON.stringify(value));
      }
    } catch (error) {
      /* storage disabled: the server copy is all we have */
    }
  }

  function initEditor(form) {
    var url = form.dataset.autosaveUrl;
    var key = form.dataset.storageKey;
    var transcription = form.querySelector("[name=transcription]");
    var translation = form.querySelector("[name=translation]");
    var version = form.querySelector("input[name=base_version]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var status = document.getElementById("autosave-status");
    if (!url || !transcription || !translation || !version || !csrf || !status) {
      return;
    }
    var saved = [transcription.value, translation.value];
    var busy = false;
    var stopped = false;

    function say(text, kind) {
      status.textContent = text || "";
      status.className = "desk-status" + (kind ? " is-" + kind : "");
    }

    function changed() {
      return transcription.value !== saved[0] || translation.value !== saved[1];
    }

    try {
      var kept = JSON.parse(window.localStorage.getItem(key) || "null");
      if (kept && kept.base === Number(version.value) && (kept.a !== saved[0] || kept.b !== saved[1])) {
        transcription.value = kept.a;
        translation.value = kept.b;
        say(form.dataset.msgRestored, "dirty");
      } else if (kept) {
        store(key, null);
      }
    } catch (error) {
      /* nothing kept */
    }

    [transcription, translation].forEach(function (field) {
      field.addEventListener("input", function () {
        store(key, { a: transcription.value, b: translation.value, base: Number(version.value) });
        say(form.dataset.msgUnsaved, "dirty");
      });
    });

    function save() {
      if (stopped || busy || !changed()) {
        return;
      }
      busy = true;
      var sent = [transcription.value, translation.value];
      var body = new FormData();
      body.append("transcription", sent[0]);
      body.append("translation", sent[1]);
      body.append("base_version", version.value);
      say(form.dataset.msgSaving);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
        })
        .then(function (result) {
          if (result.ok) {
            version.value = String(result.data.version);
            saved = sent;
            if (!changed()) {
              store(key, null);
            }
            say(result.data.message || form.dataset.msgSaved);
          } else {
            if (result.status === 409 || result.status === 403) {
              stopped = true;
            }
            say(result.data.error || form.dataset.msgFailed, "error");
          }
        })
        .catch(function () {
          say(form.dataset.msgFailed, "error");
        })
        .then(function () {
          busy = false;
        });
    }

    form.addEventListener("submit", function () {
      stopped = true;
    });
    var seconds = parseInt(form.dataset.autosaveSeconds, 10) || 5;
    window.setInterval(save, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initZoom();
    var form = document.getElementById("reply-form");
    if (form) {
      initEditor(form);
    }
  });
})();
