'use strict';

function encodePair(key, value) {
  return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
}

/** Build a query string; arrays become repeated keys, null/undefined are skipped. */
function stringify(object) {
  const parts = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) parts.push(encodePair(key, item));
    } else {
      parts.push(encodePair(key, value));
    }
  }
  return parts.join('&');
}

module.exports = { stringify };
