// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("[data-autosubmit]")) target.form.requestSubmit();
});

// Autocomplete: a text box searches the server (htmx), a hidden input keeps the chosen id.
document.addEventListener("click", (event) => {
  const choice = event.target.closest("[data-autocomplete-choice]");
  if (!choice) return;
  const box = choice.closest(".autocomplete");
  box.querySelector("input[type=hidden]").value = choice.dataset.value;
  box.querySelector("input[type=search]").value = choice.dataset.label;
  box.querySelector("ul").replaceChildren();
  box.querySelector("input[type=search]").focus(); // keep keyboard users where they were
});
