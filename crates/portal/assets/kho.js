// Progressive enhancement only: every page works without this file.
// "Copy" buttons for code snippets; facet selects submit on change.
(function () {
  document.querySelectorAll('pre[data-copy]').forEach(function (pre) {
    if (!navigator.clipboard) return;
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary small';
    b.textContent = pre.getAttribute('data-copy');
    b.addEventListener('click', function () {
      navigator.clipboard.writeText(pre.innerText).then(function () {
        b.textContent = pre.getAttribute('data-copied') || b.textContent;
      });
    });
    pre.parentNode.insertBefore(b, pre.nextSibling);
  });
  document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
})();
