'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { stringify } = require('../src');

test('stringifies scalars and arrays', () => {
  assert.equal(stringify({ a: 1, tag: ['x', 'y'], skip: null }), 'a=1&tag=x&tag=y');
});

test('encodes special characters', () => {
  assert.equal(stringify({ 'a b': 'c&d' }), 'a%20b=c%26d');
});
