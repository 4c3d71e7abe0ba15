'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { parse, stringify } = require('../src');

test('repeated keys collect into an array', () => {
  assert.deepEqual(parse('tag=js&tag=node&page=2'), { tag: ['js', 'node'], page: '2' });
  assert.deepEqual(parse('t=a&t=b&t=c'), { t: ['a', 'b', 'c'] });
});

test('single keys stay strings', () => {
  assert.deepEqual(parse('tag=js'), { tag: 'js' });
});

test('parse inverts stringify', () => {
  const value = { q: 'x y', tag: ['js', 'node'], n: '1' };
  assert.deepEqual(parse(stringify(value)), value);
});
