// Preloaded (node --require) into child processes of tests that serve a stand-in under a subdomain of
// localhost: RFC 6761 makes every *.localhost name the loopback address (browsers and systemd-resolved
// answer so), but glibc's resolver here does not. Only *.localhost is answered; every other name as before.
const dns = require('node:dns');
const lookup = dns.lookup;
dns.lookup = function lookupLoopbackSubdomains(hostname, options, callback) {
  if (typeof hostname !== 'string' || !hostname.toLowerCase().endsWith('.localhost')) return lookup.apply(this, arguments);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
  return {};
};
