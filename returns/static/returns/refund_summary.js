// The refund the chosen items make, shown before the customer confirms: each line's charged unit
// amount (discount shared out, from the server, in the currency's smallest unit) times the quantity,
// minus the return fee (none for items kept, never more than the items). Whole numbers only: exact.
// The form works without this script; the return's page then shows the same amounts.
(function () {
  "use strict";
  var summary = document.querySelector(".return-summary");
  var form = summary && summary.closest("form");
  if (!form) return;
  var digits = Number(summary.dataset.digits);
  var format = new Intl.NumberFormat(summary.dataset.locale, {
    style: "currency",
    currency: summary.dataset.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  function money(minor) {
    return format.format(minor / Math.pow(10, digits));
  }
  function update() {
    var items = 0;
    form.querySelectorAll("select[data-unit-minor]").forEach(function (select) {
      items += Number(select.dataset.unitMinor) * Number(select.value || 0);
    });
    var method = form.querySelector("input[name=method]:checked");
    var fee = method && method.value === "keep_it" ? 0 : Math.min(Number(summary.dataset.feeMinor), items);
    summary.hidden = items === 0;
    summary.querySelector("[data-summary=items]").textContent = money(items);
    summary.querySelector("[data-summary=fee]").textContent = fee ? "− " + money(fee) : "—";
    summary.querySelector("[data-summary=refund]").textContent = money(items - fee);
  }
  form.addEventListener("change", update);
  update();
})();
