'use strict';

const { Emitter } = require('./emitter');

/** Namespaced events: publish('user:login', data); subscribe('user:*', fn) sees every user event. */
class Bus {
  constructor() {
    this._emitter = new Emitter();
  }

  subscribe(pattern, listener) {
    this._emitter.on(pattern, listener);
    return () => this._emitter.off(pattern, listener);
  }

  publish(topic, payload) {
    const [scope] = topic.split(':');
    const exact = this._emitter.emit(topic, payload, topic);
    const wildcard = this._emitter.emit(`${scope}:*`, payload, topic);
    return exact || wildcard;
  }
}

module.exports = { Bus };
