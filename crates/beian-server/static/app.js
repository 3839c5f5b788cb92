// 复制按钮：把 data-copy 指向的元素的文本复制到剪贴板。
document.addEventListener("click", function (e) {
  var btn = e.target.closest("[data-copy]");
  if (!btn) return;
  var src = document.getElementById(btn.getAttribute("data-copy"));
  if (!src) return;
  var text = src.value !== undefined && src.tagName === "TEXTAREA" ? src.value : src.textContent;
  var done = function () { var old = btn.textContent; btn.textContent = "已复制"; setTimeout(function () { btn.textContent = old; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    var ta = document.createElement("textarea"); ta.value = text; document.body.appendChild(ta);
    ta.select(); try { document.execCommand("copy"); done(); } finally { document.body.removeChild(ta); }
  }
});
// 确认：带 data-confirm 的表单提交前先确认。
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// 文件选择：在中文按钮旁列出已选文件的名称。
document.addEventListener("change", function (e) {
  var input = e.target;
  if (!input.matches || !input.matches("input[type=file]")) return;
  var out = document.querySelector('[data-files-for="' + input.id + '"]');
  if (!out) return;
  var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
  out.textContent = names.length ? "已选 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
});
