// What the chosen items give back, shown before the customer confirms: each line's charged unit
// amount (discount shared out, from the server, in the currency's smallest unit) times the quantity;
// a refund pays the return fee (none for items kept, never more than the items), store credit pays
// none and adds the shop's bonus (flat, or a percentage rounded half up as the server rounds it).
// Each resolution offered shows its value next to it ("€54.00 store credit, €49.00 refund").
// Whole numbers only: exact. The form works without this script; the return's page shows the amounts.
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
  function field(name) {
    return summary.querySelector("[data-summary=" + name + "]");
  }
  // A resolution as the server describes it: the hidden input of a shop offering refunds only has no data.
  function terms(input) {
    var data = (input && input.dataset) || {};
    return {
      credit: data.credit === "1",
      feeMinor: Number(data.feeMinor !== undefined ? data.feeMinor : summary.dataset.feeMinor),
      bonusMinor: Number(data.bonusMinor || 0),
      bonusBasisPoints: Number(data.bonusBasisPoints || 0),
    };
  }
  function value(items, option, keepIt) {
    if (option.credit) {
      var bonus = option.bonusBasisPoints ? Math.round((items * option.bonusBasisPoints) / 10000) : option.bonusMinor;
      return { fee: 0, bonus: items ? bonus : 0, total: items ? items + bonus : 0 };
    }
    var fee = keepIt ? 0 : Math.min(option.feeMinor, items);
    return { fee: fee, bonus: 0, total: items - fee };
  }
  function update() {
    var items = 0;
    form.querySelectorAll("select[data-unit-minor]").forEach(function (select) {
      items += Number(select.dataset.unitMinor) * Number(select.value || 0);
    });
    var method = form.querySelector("input[name=method]:checked");
    var keepIt = Boolean(method && method.value === "keep_it");
    var compared = [];
    form.querySelectorAll("input[name=resolution][type=radio]").forEach(function (input) {
      var option = terms(input);
      var total = value(items, option, keepIt).total;
      input.closest("label").querySelector("[data-resolution-value]").textContent = items ? money(total) : "";
      var word = option.credit ? summary.dataset.creditWord : summary.dataset.refundWord;
      var said = money(total) + " " + word;
      if (compared.indexOf(said) < 0) compared.push(said); // store credit and shop now give the same credit
    });
    var compare = form.querySelector("[data-summary=compare]");
    if (compare) {
      compare.hidden = items === 0;
      compare.textContent = compared.join(", ");
    }
    var option = terms(form.querySelector("input[name=resolution]:checked, input[name=resolution][type=hidden]"));
    var chosen = value(items, option, keepIt);
    summary.hidden = items === 0;
    var title = field("title");
    title.textContent = option.credit ? title.dataset.creditTitle : title.dataset.refundTitle;
    var label = field("total-label");
    label.textContent = option.credit ? label.dataset.creditLabel : label.dataset.refundLabel;
    field("items").textContent = money(items);
    field("fee").textContent = chosen.fee ? "− " + money(chosen.fee) : "—";
    field("bonus").textContent = "+ " + money(chosen.bonus);
    field("bonus").hidden = field("bonus-label").hidden = !chosen.bonus;
    field("refund").textContent = money(chosen.total);
  }
  form.addEventListener("change", update);
  update();
})();
