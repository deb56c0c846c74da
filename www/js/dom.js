// dom.js - a tiny element builder. Text always goes in as text nodes and
// attributes through setAttribute, so nothing from the API is ever parsed
// as HTML (no HTML-string APIs anywhere) and the page stays within a strict CSP.

/**
 * h('a', {href: '#/flows', class: 'btn'}, 'Flows', childNode, [more])
 * Attribute values null/undefined/false are skipped; true sets "".
 * Keys starting with "on" attach listeners: {onclick: fn}.
 * `dataset` takes an object; `style` is refused (use el.style from JS).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k === 'style') {
        throw new Error('h(): set element.style from code, not a style attribute');
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

/** SVG element in the SVG namespace, same attribute rules as h(). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/** Replaces the children of el (any of the forms h() accepts). */
export function setChildren(el, ...children) {
  const frag = document.createDocumentFragment();
  append(frag, children);
  el.replaceChildren(frag);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
