'use strict';

const { Emitter } = require('./emitter');
const { Bus } = require('./bus');

module.exports = { Emitter, Bus };
