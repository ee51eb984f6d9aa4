/* The translation desk: autosave of drafts, drafts kept in this browser (a closed tab or a lost
   connection loses nothing), character counts. No inline scripts: pages pass what this needs
   in data- attributes. */
(function () {
  "use strict";

  function readStore(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeStore(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* storage disabled or full: the server copy is all we have */
    }
  }

  function dropStore(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* nothing to drop */
    }
  }

  function initCounts() {
    document.querySelectorAll("[data-char-count-for]").forEach(function (output) {
      var field = document.getElementById(output.dataset.charCountFor);
      if (!field) {
        return;
      }
      var update = function () {
        output.textContent = String(field.value.length);
      };
      field.addEventListener("input", update);
      update();
    });
  }

  /* Pages that list every letter someone holds forget the drafts of letters no longer theirs
     (handed in, released, expired), so old texts do not linger in the browser. */
  function initPrune() {
    document.querySelectorAll("[data-keep-drafts]").forEach(function (element) {
      if (element.dataset.partial) {
        return;
      }
      var prefix = element.dataset.draftPrefix;
      var keep = element.dataset.keepDrafts ? element.dataset.keepDrafts.split(",") : [];
      var doomed = [];
      try {
        for (var i = 0; i < window.localStorage.length; i += 1) {
          var key = window.localStorage.key(i);
          if (key && key.indexOf(prefix) === 0 && keep.indexOf(key.slice(prefix.length)) === -1) {
            doomed.push(key);
          }
        }
      } catch (error) {
        return;
      }
      doomed.forEach(dropStore);
    });
  }

  function initEditor(form) {
    var url = form.dataset.autosaveUrl;
    var key = form.dataset.storageKey;
    var textarea = form.querySelector("textarea[name=translation]");
    var version = form.querySelector("input[name=base_version]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var status = document.getElementById("autosave-status");
    if (!url || !key || !textarea || !version || !csrf || !status) {
      return;
    }
    var conflictBox = document.getElementById("autosave-conflict");
    var restoreBox = document.getElementById("draft-restore");
    var seconds = parseInt(form.dataset.autosaveSeconds, 10) || 5;
    var savedText = textarea.value; /* what the server holds at version.value */
    var stopped = false;
    var inFlight = null;
    var submitting = false;

    function say(text, kind) {
      status.textContent = text || "";
      status.className = "desk-status" + (kind ? " is-" + kind : "");
    }

    function keepLocal() {
      if (textarea.value === savedText) {
        dropStore(key);
        return;
      }
      writeStore(key, { text: textarea.value, base: Number(version.value), at: Date.now() });
    }

    var stored = readStore(key);
    if (stored && typeof stored.text === "string") {
      if (stored.text === textarea.value) {
        dropStore(key);
      } else if (stored.base === Number(version.value)) {
        textarea.value = stored.text;
        say(form.dataset.msgRestored, "dirty");
      } else if (restoreBox) {
        /* The saved text changed elsewhere since this copy was kept: never overwrite it
           silently; let the person choose. */
        document.getElementById("draft-restore-text").textContent = form.dataset.msgOlder;
        restoreBox.hidden = false;
        document.getElementById("draft-restore-use").addEventListener("click", function () {
          textarea.value = stored.text;
          restoreBox.hidden = true;
          textarea.dispatchEvent(new Event("input"));
        });
        document.getElementById("draft-restore-discard").addEventListener("click", function () {
          dropStore(key);
          restoreBox.hidden = true;
        });
      }
    }

    textarea.addEventListener("input", function () {
      keepLocal();
      if (!stopped && textarea.value !== savedText) {
        say(form.dataset.msgUnsaved, "dirty");
      }
    });

    function save() {
      if (stopped || inFlight || submitting || textarea.value === savedText) {
        return inFlight;
      }
      var sent = textarea.value;
      var body = new FormData();
      body.append("translation", sent);
      body.append("base_version", version.value);
      say(form.dataset.msgSaving);
      inFlight = fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (data) {
              return { status: response.status, data: data };
            });
        })
        .then(function (result) {
          if (result.status === 200) {
            version.value = String(result.data.version);
            savedText = sent;
            keepLocal();
            say(textarea.value === sent ? result.data.message : form.dataset.msgUnsaved,
                textarea.value === sent ? "" : "dirty");
          } else if (result.status === 409 || result.status === 403 || result.status === 404) {
            /* A newer draft was saved elsewhere (or the letter is no longer ours): stop, keep
               this text in the browser, and say so plainly. */
            stopped = true;
            keepLocal();
            if (conflictBox) {
              conflictBox.textContent = result.data.error || form.dataset.msgFailed;
              conflictBox.hidden = false;
            }
            say(result.data.error || form.dataset.msgFailed, "error");
          } else {
            keepLocal();
            say(result.data.error || form.dataset.msgFailed, "error");
          }
        })
        .catch(function () {
          keepLocal();
          say(form.dataset.msgOffline, "error");
        })
        .finally(function () {
          inFlight = null;
        });
      return inFlight;
    }

    window.setInterval(save, seconds * 1000);
    window.addEventListener("online", save);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        save();
      }
    });
    form.addEventListener("submit", function (event) {
      if (inFlight) {
        /* Let the running autosave finish first, so the form carries the new version. */
        event.preventDefault();
        var submitter = event.submitter;
        inFlight.then(function () {
          form.requestSubmit(submitter);
        });
        return;
      }
      submitting = true;
      keepLocal();
    });
  }

  function init() {
    initCounts();
    initPrune();
    document.querySelectorAll("form.desk-editor").forEach(initEditor);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
