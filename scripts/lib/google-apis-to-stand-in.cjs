// Preloaded (node --require) into a process that must reach the FCM stand-in (scripts/lib/fcm-stand-in.ts)
// under Google's own names: firebase-admin sends to https://fcm.googleapis.com and google-auth-library
// exchanges its service-account grant at https://oauth2.googleapis.com/token, both fixed in their code
// (no endpoint option, no emulator variable, token_uri ignored). This answers those two names, and only
// those, with the stand-in's loopback address (GOOGLE_APIS_STAND_IN_ADDRESS); the SDKs are untouched and
// still verify TLS: the stand-in's CA (GOOGLE_APIS_STAND_IN_CA, a PEM file) is added to the process's
// default trust store. Not NODE_EXTRA_CA_CERTS: a machine may set that already, and it wins over an env
// file (`npm run worker` reads .data/stack.env). Every other name resolves as before.
//
// One header is mended on the way: firebase-admin sends the HTTP/2 pseudo-header `:scheme` as `https:`
// (URL.protocol, colon included). Google's front end takes it; Node's HTTP/2 server (nghttp2) refuses the
// stream as a protocol error, with no option to relax it. On sessions to fcm.googleapis.com only, `https:`
// goes out as `https`; nothing else of the request changes.
const dns = require('node:dns');
const fs = require('node:fs');
const http2 = require('node:http2');
const tls = require('node:tls');
const address = process.env.GOOGLE_APIS_STAND_IN_ADDRESS;
const caFile = process.env.GOOGLE_APIS_STAND_IN_CA;
const HOSTS = new Set(['fcm.googleapis.com', 'oauth2.googleapis.com']);
const DONE = Symbol.for('reddyfit.google-apis-to-stand-in');
if (address && caFile && !globalThis[DONE]) {
  globalThis[DONE] = true; // once per process, whether preloaded or required
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), fs.readFileSync(caFile, 'utf8')]);
  const lookup = dns.lookup;
  dns.lookup = function lookupGoogleApisStandIn(hostname, options, callback) {
    if (typeof hostname !== 'string' || !HOSTS.has(hostname.toLowerCase())) return lookup.apply(this, arguments);
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
    return {};
  };
  const connect = http2.connect;
  http2.connect = function connectMendingScheme(authority, ...rest) {
    const session = connect.call(this, authority, ...rest);
    if (new URL(String(authority)).hostname !== 'fcm.googleapis.com') return session;
    const request = session.request;
    session.request = function requestMendingScheme(headers, ...more) {
      const mended = headers && headers[':scheme'] === 'https:' ? { ...headers, ':scheme': 'https' } : headers;
      return request.call(this, mended, ...more);
    };
    return session;
  };
}
