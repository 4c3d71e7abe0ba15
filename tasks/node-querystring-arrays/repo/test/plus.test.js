'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { parse } = require('../src');

test('plus decodes to a space', () => {
  assert.deepEqual(parse('q=hello+world&my+key=1'), { q: 'hello world', 'my key': '1' });
});

test('encoded plus stays a plus', () => {
  assert.deepEqual(parse('expr=1%2B1+%3D+2'), { expr: '1+1 = 2' });
});
