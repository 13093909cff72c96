import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppPage } from './app-origin.js';

test("the app's own pages pass; others, look-alikes and the dev server without the dev setting do not", () => {
  assert.ok(isAppPage('onair-studio://app/index.html'));
  assert.ok(isAppPage('onair-studio://app/'));
  assert.ok(!isAppPage('onair-studio://evil/index.html'));
  assert.ok(!isAppPage('onair-studio-x://app/index.html'));
  assert.ok(!isAppPage('https://app/index.html'));
  assert.ok(!isAppPage('file:///app/index.html'));
  assert.ok(!isAppPage('not a url'));
  assert.ok(!isAppPage('http://127.0.0.1:5174/'), 'the dev server only when ONAIR_STUDIO_DEV_URL names it');
  assert.ok(isAppPage('http://127.0.0.1:5174/index.html', 'http://127.0.0.1:5174'));
  assert.ok(!isAppPage('http://127.0.0.1:5175/', 'http://127.0.0.1:5174'));
  assert.ok(!isAppPage('file:///x', 'file:///x'), 'a dev URL must be http(s)');
});
