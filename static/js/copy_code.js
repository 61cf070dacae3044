// "Copy" buttons next to codes: copy the code named by data-copy-target, then say so for a moment.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy-target]");
  if (!button || !navigator.clipboard) return;
  const code = document.getElementById(button.dataset.copyTarget);
  if (!code) return;
  navigator.clipboard.writeText(code.textContent.trim()).then(() => {
    const label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
