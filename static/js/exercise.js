// The exercise page's editor: Ace (served by this site) on top of the plain textarea, which
// stays the form field, so the page still works without JavaScript. Drafts live in
// localStorage under a key per user and exercise, and survive a reload.
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  var textarea = document.getElementById("code");
  var holder = document.getElementById("editor");
  if (!form || !textarea || !holder || !window.ace) { return; }

  var draftKey = form.dataset.draftKey;
  var restored = form.dataset.restored === "1";
  var draft = null;
  try { draft = window.localStorage.getItem(draftKey); } catch (e) { /* storage may be disabled */ }
  if (draft !== null && !restored && draft !== textarea.value) {
    textarea.value = draft;
    var note = document.createElement("p");
    note.className = "alert info";
    note.setAttribute("role", "status");
    note.textContent = "Restored your unsubmitted draft from this browser.";
    form.parentNode.insertBefore(note, form);
  }

  // Modes and themes load lazily from beside ace.js.
  window.ace.config.set("basePath", document.querySelector("script[src*='ace.js']").src.replace(/ace\.js.*$/, ""));
  holder.hidden = false;
  textarea.hidden = true;
  var editor = window.ace.edit(holder, {
    mode: "ace/mode/python",
    theme: "ace/theme/github",
    value: textarea.value,
    minLines: 16,
    maxLines: 40,
    fontSize: 14,
    tabSize: 4,
    useSoftTabs: true,
    showPrintMargin: false,
  });
  editor.clearSelection();
  editor.textInput.getElement().setAttribute("aria-label", "Your code");
  document.querySelector("label[for=code]").addEventListener("click", function () { editor.focus(); });
  // Keyboard users must be able to leave the editor: Esc then Tab moves on.
  editor.commands.bindKey("Esc", function (ed) { ed.blur(); form.querySelector("button[type=submit]").focus(); });

  editor.session.on("change", function () {
    textarea.value = editor.getValue();
    try { window.localStorage.setItem(draftKey, textarea.value); } catch (e) { /* ignore */ }
  });
  if (restored) {
    try { window.localStorage.setItem(draftKey, textarea.value); } catch (e) { /* ignore */ }
  }

  var reset = document.getElementById("reset-starter");
  reset.hidden = false;
  reset.addEventListener("click", function () {
    if (window.confirm("Replace your code with the starter code?")) { editor.setValue(reset.dataset.starter, -1); }
  });
  window.torchgradeEditor = editor;
})();
