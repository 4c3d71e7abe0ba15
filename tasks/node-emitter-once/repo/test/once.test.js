'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Emitter } = require('../lib');

test('listener after a once listener still runs', () => {
  const e = new Emitter();
  const calls = [];
  e.once('ready', () => calls.push('a'));
  e.on('ready', () => calls.push('b'));
  e.on('ready', () => calls.push('c'));
  e.emit('ready');
  assert.deepEqual(calls, ['a', 'b', 'c']);
  e.emit('ready');
  assert.deepEqual(calls, ['a', 'b', 'c', 'b', 'c']);
});

test('consecutive once listeners all run', () => {
  const e = new Emitter();
  const calls = [];
  e.once('ready', () => calls.push(1));
  e.once('ready', () => calls.push(2));
  e.once('ready', () => calls.push(3));
  e.emit('ready');
  assert.deepEqual(calls, [1, 2, 3]);
  assert.equal(e.listenerCount('ready'), 0);
});

test('off with the original function removes a once listener', () => {
  const e = new Emitter();
  let fired = false;
  const handler = () => { fired = true; };
  e.once('ready', handler);
  e.off('ready', handler);
  assert.equal(e.emit('ready'), false);
  assert.equal(fired, false);
});

test('a listener added during emit waits for the next emit', () => {
  const e = new Emitter();
  const calls = [];
  e.on('x', () => {
    calls.push('outer');
    e.on('x', () => calls.push('inner'));
  });
  e.emit('x');
  assert.deepEqual(calls, ['outer']);
});
