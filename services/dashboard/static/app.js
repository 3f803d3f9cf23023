// The dashboard's only script (no CDN): live refresh of the leaderboards, a progress bar while a page waits on a
// service, and the council vote form's check of quorum and threshold before submitting.
(function () {
  "use strict";
  var bar = document.getElementById("progress");
  function busy(on) { if (bar) { bar.hidden = !on; } }
  window.addEventListener("pageshow", function () { busy(false); });

  // A followed link or a submitted form: show the bar until the next page arrives.
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[href]") : null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target || a.hasAttribute("download") || a.origin !== location.origin) return;
    busy(true);
  });
  document.addEventListener("submit", function (e) { if (!e.defaultPrevented) busy(true); });

  // The leaderboards refresh themselves from their fragment.
  var box = document.getElementById("boards");
  if (box) {
    var src = box.getAttribute("data-src");
    var every = parseInt(box.getAttribute("data-every"), 10) * 1000;
    setInterval(function () {
      box.classList.add("loading");
      fetch(src, { cache: "no-store", credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (t) { if (t !== null) { box.innerHTML = t; } })
        .catch(function () {})
        .then(function () { box.classList.remove("loading"); });
    }, every);
  }

  // The vote form says, before submitting, whether the session has a quorum and what the votes decide.
  var form = document.getElementById("vote-form");
  if (form && form.hasAttribute("data-quorum")) {  // no rule published with the nomination: nothing to explain
    var quorum = parseFloat(form.getAttribute("data-quorum"));
    var threshold = parseFloat(form.getAttribute("data-threshold"));
    var out = document.getElementById("vote-preview");
    var need = function (share, total) { return Math.ceil(share * total - 1e-9); };
    var update = function () {
      var total = parseInt(form.members_total.value, 10);
      var present = parseInt(form.members_present.value, 10);
      var yes = parseInt(form.votes_for.value, 10);
      if (!(total > 0)) { out.textContent = "Nhập số thành viên để xem túc số và số phiếu cần thiết."; return; }
      var text = "Cần ít nhất " + need(quorum, total) + "/" + total + " thành viên có mặt và " +
        need(threshold, total) + "/" + total + " thành viên tán thành.";
      if (present >= 0 && yes >= 0) {
        if (present > total || yes > present) text += " Số liệu không hợp lệ: có mặt ≤ tổng số, tán thành ≤ có mặt.";
        else if (present < need(quorum, total)) text += " Không đủ túc số: phiên họp không quyết định được.";
        else if (yes >= need(threshold, total)) text += " Kết quả: được duyệt.";
        else text += " Kết quả: không duyệt.";
      }
      out.textContent = text;
    };
    form.addEventListener("input", update);
    update();
  }
})();
