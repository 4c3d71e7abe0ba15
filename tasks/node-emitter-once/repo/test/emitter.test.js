'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Emitter } = require('../lib');

test('on/emit passes arguments in registration order', () => {
  const e = new Emitter();
  const calls = [];
  e.on('x', (a, b) => calls.push(['first', a, b]));
  e.on('x', (a) => calls.push(['second', a]));
  assert.equal(e.emit('x', 1, 2), true);
  assert.deepEqual(calls, [['first', 1, 2], ['second', 1]]);
});

test('emit without listeners returns false', () => {
  assert.equal(new Emitter().emit('nothing'), false);
});

test('off removes a listener', () => {
  const e = new Emitter();
  const fn = () => { throw new Error('should not run'); };
  e.on('x', fn).off('x', fn);
  assert.equal(e.emit('x'), false);
  assert.equal(e.listenerCount('x'), 0);
});

test('single once listener runs once', () => {
  const e = new Emitter();
  let n = 0;
  e.once('x', () => n++);
  e.emit('x');
  e.emit('x');
  assert.equal(n, 1);
});

test('rejects non-function listeners', () => {
  assert.throws(() => new Emitter().on('x', 'nope'), TypeError);
});
