'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { parse } = require('../src');

test('parses simple pairs', () => {
  assert.deepEqual(parse('a=1&b=two'), { a: '1', b: 'two' });
});

test('accepts a leading question mark and empty parts', () => {
  assert.deepEqual(parse('?a=1&&b='), { a: '1', b: '' });
});

test('percent-decodes keys and values', () => {
  assert.deepEqual(parse('na%20me=J%C3%BCrgen&x=%2B1'), { 'na me': 'Jürgen', x: '+1' });
});

test('keys without a value', () => {
  assert.deepEqual(parse('flag&a=1'), { flag: '', a: '1' });
});

test('malformed escapes are kept', () => {
  assert.deepEqual(parse('a=%E0%A4%A'), { a: '%E0%A4%A' });
});

test('rejects non-strings', () => {
  assert.throws(() => parse(null), TypeError);
});
