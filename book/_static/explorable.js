/* Explorable figures and self-check questions (mlxday2.explorable), without a kernel.
 * An explorable carries all its precomputed frames as JSON; moving a control shows the
 * frame of the new state and its numbers. A self-check compares the reader's reply with
 * the value the build computed, kept in a data attribute, and says why. */
(function () {
  "use strict";

  function setupExplorable(root) {
    const data = JSON.parse(root.querySelector("script.explorable-data").textContent);
    const image = root.querySelector("img.explorable-figure");
    const first = data.frames[data.default.join("-")];
    if (!first.image) first.image = image.getAttribute("src");
    const state = data.default.slice();
    const show = function () {
      const key = state.join("-");
      const frame = data.frames[key];
      image.src = frame.image;
      image.alt = frame.alt;
      data.controls.forEach(function (control, i) {
        const box = root.querySelector('[data-control="' + control.name + '"]');
        const text = control.texts[state[i]];
        box.querySelector("output").textContent = text;
        const range = box.querySelector('input[type="range"]');
        if (range) range.setAttribute("aria-valuetext", text);
      });
      root.querySelectorAll("[data-number]").forEach(function (cell) {
        cell.textContent = frame.numbers[data.numbers[Number(cell.dataset.number)]].text;
      });
      root.dataset.state = key;
    };
    data.controls.forEach(function (control, i) {
      const box = root.querySelector('[data-control="' + control.name + '"]');
      box.querySelectorAll("input").forEach(function (input) {
        const event = input.type === "range" ? "input" : "change";
        input.addEventListener(event, function () {
          if (input.type === "radio" && !input.checked) return;
          state[i] = Number(input.value);
          show();
        });
      });
    });
    root.querySelector(".explorable-controls").hidden = false;
    root.dataset.state = data.default.join("-");
  }

  function setupSelfCheck(form) {
    const feedback = form.querySelector(".self-check-feedback");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const d = form.dataset;
      let right;
      if (d.kind === "number") {
        const text = form.querySelector("input").value.trim().replace(",", ".");
        const reply = Number(text);
        if (text === "" || !Number.isFinite(reply)) {
          feedback.textContent = "Type a number first, e.g. 0.5.";
          form.dataset.result = "empty";
          return;
        }
        right = Math.abs(reply - Number(d.answer)) <= Number(d.tolerance);
      } else {
        const chosen = form.querySelector("input:checked");
        if (!chosen) {
          feedback.textContent = "Choose one option first.";
          form.dataset.result = "empty";
          return;
        }
        right = chosen.value === d.answer;
      }
      feedback.textContent = (right ? "Right. " + d.right : "Not quite. " + d.wrong) +
        " (The build computed: " + d.answerText + ".)";
      form.dataset.result = right ? "right" : "wrong";
    });
    form.hidden = false;
  }

  function setup() {
    document.querySelectorAll("[data-explorable]").forEach(setupExplorable);
    document.querySelectorAll("form[data-self-check]").forEach(setupSelfCheck);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
