'use strict';

const { decodeComponent } = require('./decode');

/**
 * Parse a query string ("?a=1&b=2" or "a=1&b=2") into an object.
 * Keys without "=" get the empty string.
 */
function parse(query) {
  const result = {};
  if (typeof query !== 'string') {
    throw new TypeError('query must be a string');
  }
  const text = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    result[key] = decodeComponent(rawValue);
  }
  return result;
}

module.exports = { parse };
