'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Bus } = require('../lib');

test('wildcard and exact subscribers both receive', () => {
  const bus = new Bus();
  const seen = [];
  bus.subscribe('user:login', (p) => seen.push(['exact', p]));
  bus.subscribe('user:*', (p, topic) => seen.push(['wild', topic]));
  assert.equal(bus.publish('user:login', 'ada'), true);
  assert.deepEqual(seen, [['exact', 'ada'], ['wild', 'user:login']]);
});

test('unsubscribe stops delivery', () => {
  const bus = new Bus();
  let n = 0;
  const unsubscribe = bus.subscribe('job:done', () => n++);
  bus.publish('job:done');
  unsubscribe();
  assert.equal(bus.publish('job:done'), false);
  assert.equal(n, 1);
});
