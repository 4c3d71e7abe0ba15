'use strict';

/** Percent-decode one key or value; malformed escapes are kept as they are. */
function decodeComponent(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

module.exports = { decodeComponent };
