// Jest globalSetup: loads node-redis once in the runner's own process, before any spec runs.
// node-redis binds an AsyncResource when it loads (a timer helper; it holds nothing open), which
// --detectOpenHandles, running the specs in this same process, would otherwise list as a leak of
// whichever spec loaded it first. Specs and the bus then find it in Node's module cache.
module.exports = () => {
  try {
    require('redis');
  } catch {
    // Not installed: the specs that need it fail with their own message.
  }
};
