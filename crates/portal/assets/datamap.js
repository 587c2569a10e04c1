// The data map graph (/datamap/graph), enhanced: pointing at or focusing a
// database highlights it, its connections and the databases at their other
// ends; a click pins the highlight and lists the neighbours beside the
// graph (a second click follows the link); platforms can be hidden. Without
// this file the graph is complete: every node and group is a link, and every
// mark has a title. Reads only the data attributes the renderer writes:
// data-node on nodes, data-from/data-to on edges, the platform as a class.
(function () {
  'use strict';
  var fig = document.querySelector('[data-dm-graph]');
  var svg = fig && fig.querySelector('svg');
  if (!svg) return;
  var panel = document.getElementById('dm-panel');
  var toggles = document.getElementById('dm-toggles');
  var hint = document.getElementById('dm-hint');
  var PLATFORMS = ['ndxp', 'lgsp', 'direct', 'other'];

  var nodes = {};
  svg.querySelectorAll('.node[data-node]').forEach(function (n) {
    nodes[n.getAttribute('data-node')] = n;
  });
  var edges = Array.prototype.slice.call(svg.querySelectorAll('.edge[data-from]'));
  var adjacent = {};
  edges.forEach(function (e) {
    [e.getAttribute('data-from'), e.getAttribute('data-to')].forEach(function (i) {
      (adjacent[i] = adjacent[i] || []).push(e);
    });
  });
  var hidden = {};
  var pinned = null;

  function platformOf(e) {
    for (var i = 0; i < PLATFORMS.length; i++) if (e.classList.contains(PLATFORMS[i])) return PLATFORMS[i];
    return 'other';
  }
  function visible(e) {
    return !hidden[platformOf(e)];
  }
  function titleOf(el) {
    var t = el && el.querySelector('title');
    return t ? t.textContent : '';
  }
  function nameOf(i) {
    return titleOf(nodes[i]).split(' · ')[0];
  }
  function linkOf(i) {
    var a = nodes[i] && nodes[i].closest('a');
    return a ? a.getAttribute('href') : null;
  }
  function indexOf(target) {
    var a = target.closest ? target.closest('a') : null;
    var n = target.closest ? target.closest('.node[data-node]') : null;
    if (!n && a) n = a.querySelector('.node[data-node]');
    return n ? n.getAttribute('data-node') : null;
  }

  function clear() {
    svg.classList.remove('dm-hl');
    svg.querySelectorAll('.is-sel,.is-nb,.is-on').forEach(function (el) {
      el.classList.remove('is-sel', 'is-nb', 'is-on');
    });
  }

  // The neighbours of node i through visible edges: [index, arrow, edge].
  function neighbours(i) {
    var out = [];
    (adjacent[i] || []).forEach(function (e) {
      if (!visible(e)) return;
      var from = e.getAttribute('data-from');
      var other = from === i ? e.getAttribute('data-to') : from;
      var arrow = e.classList.contains('two-way') ? '↔' : from === i ? '→' : '←';
      out.push([other, arrow, e]);
    });
    return out;
  }

  function highlight(i) {
    clear();
    if (i === null || !nodes[i]) return;
    svg.classList.add('dm-hl');
    nodes[i].classList.add('is-sel');
    neighbours(i).forEach(function (n) {
      n[2].classList.add('is-on');
      if (nodes[n[0]]) nodes[n[0]].classList.add('is-nb');
    });
  }

  function describe(i) {
    if (!panel) return;
    panel.textContent = '';
    if (i === null || !nodes[i]) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    var h = document.createElement('p');
    var strong = document.createElement('strong');
    strong.textContent = nameOf(i);
    h.appendChild(strong);
    var link = linkOf(i);
    if (link) {
      h.appendChild(document.createTextNode(' · '));
      var a = document.createElement('a');
      a.href = link;
      a.textContent = panel.getAttribute('data-open');
      h.appendChild(a);
    }
    panel.appendChild(h);
    var list = neighbours(i);
    if (!list.length) {
      var none = document.createElement('p');
      none.textContent = panel.getAttribute('data-none');
      panel.appendChild(none);
      return;
    }
    var intro = document.createElement('p');
    intro.textContent = panel.getAttribute('data-neighbours') + ' (' + list.length + ')';
    panel.appendChild(intro);
    var ul = document.createElement('ul');
    list.forEach(function (n) {
      var li = document.createElement('li');
      li.appendChild(document.createTextNode(n[1] + ' '));
      var target = linkOf(n[0]);
      var label = document.createElement(target ? 'a' : 'span');
      if (target) label.href = target;
      label.textContent = nameOf(n[0]);
      li.appendChild(label);
      var edgeWords = titleOf(n[2]).split(' · ').slice(1).join(' · ');
      if (edgeWords) li.appendChild(document.createTextNode(' · ' + edgeWords));
      ul.appendChild(li);
    });
    panel.appendChild(ul);
  }

  function show(i) {
    highlight(i);
  }
  function settle() {
    highlight(pinned);
  }

  svg.addEventListener('mouseover', function (ev) {
    var i = indexOf(ev.target);
    if (i !== null) show(i);
  });
  svg.addEventListener('mouseleave', settle);
  svg.addEventListener('focusin', function (ev) {
    var i = indexOf(ev.target);
    if (i !== null) show(i);
  });
  svg.addEventListener('focusout', settle);
  svg.addEventListener('click', function (ev) {
    var i = indexOf(ev.target);
    if (i === null) return;
    // The first click pins the node; a second follows its link.
    if (pinned !== i) {
      ev.preventDefault();
      pinned = i;
      highlight(i);
      describe(i);
    }
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && pinned !== null) {
      pinned = null;
      settle();
      describe(null);
    }
  });

  if (toggles) {
    toggles.hidden = false;
    toggles.querySelectorAll('input[type=checkbox][data-platform]').forEach(function (box) {
      box.addEventListener('change', function () {
        var p = box.getAttribute('data-platform');
        hidden[p] = !box.checked;
        edges.forEach(function (e) {
          if (platformOf(e) === p) e.classList.toggle('is-off', !box.checked);
        });
        settle();
        if (pinned !== null) describe(pinned);
      });
    });
  }
  if (hint) hint.hidden = false;
  fig.classList.add('dm-live');
})();
