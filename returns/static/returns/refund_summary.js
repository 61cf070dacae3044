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
      exchange: data.exchange === "1",
      feeMinor: Number(data.feeMinor !== undefined ? data.feeMinor : summary.dataset.feeMinor),
      bonusMinor: Number(data.bonusMinor || 0),
      bonusBasisPoints: Number(data.bonusBasisPoints || 0),
    };
  }
  // What cheaper new items leave as store credit (per line, the charged unit less the new one's price) and
  // what dearer ones cost (the server's difference per unit); one offsets the other, as the server does.
  function exchangeDifference() {
    var credit = 0;
    var due = 0;
    form.querySelectorAll("select[data-unit-minor]").forEach(function (select) {
      var line = select.closest("li");
      var chosen = line && line.querySelector("select[name^=exchange-] option:checked");
      if (!chosen || !chosen.dataset.priceMinor) return;
      var quantity = Number(select.value || 0);
      if (chosen.dataset.toPayMinor) {
        due += quantity * Number(chosen.dataset.toPayMinor);
      } else {
        credit += quantity * Math.max(Number(select.dataset.unitMinor) - Number(chosen.dataset.priceMinor), 0);
      }
    });
    return { credit: Math.max(credit - due, 0), due: Math.max(due - credit, 0) };
  }
  function value(items, option, keepIt) {
    if (option.exchange) {
      var difference = items ? exchangeDifference() : { credit: 0, due: 0 };
      return { fee: 0, bonus: 0, total: difference.due || difference.credit, due: difference.due > 0, worth: items };
    }
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
      var worth = value(items, option, keepIt);
      var total = option.exchange ? worth.worth : worth.total; // an exchange is worth the items it replaces
      input.closest("label").querySelector("[data-resolution-value]").textContent = items ? money(total) : "";
      var word = option.exchange
        ? summary.dataset.exchangeWord
        : option.credit
          ? summary.dataset.creditWord
          : summary.dataset.refundWord;
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
    var label = field("total-label");
    var kind = option.exchange ? "exchange" : option.credit ? "credit" : "refund";
    title.textContent = title.dataset[kind + "Title"];
    label.textContent = chosen.due ? label.dataset.exchangeDueLabel : label.dataset[kind + "Label"];
    form.querySelectorAll("[data-exchange-only]").forEach(function (part) {
      part.hidden = !option.exchange;
    });
    field("items").textContent = money(items);
    field("fee").textContent = chosen.fee ? "− " + money(chosen.fee) : "—";
    field("bonus").textContent = "+ " + money(chosen.bonus);
    field("bonus").hidden = field("bonus-label").hidden = !chosen.bonus;
    field("refund").textContent = money(chosen.total);
  }
  form.addEventListener("change", update);
  update();
})();
