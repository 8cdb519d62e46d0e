// Acceptance workload 6 (Node.js): timers in order, and a worker thread that
// computes a sum and posts it back. Every line it prints is checked.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

if (!isMainThread) {
  let s = 0n;
  for (let k = workerData.from; k < workerData.to; k++) s += BigInt(k) * BigInt(k);
  parentPort.postMessage(s.toString());
} else {
  const order = [];
  setTimeout(() => order.push('b'), 20);
  setTimeout(() => order.push('a'), 0);
  setTimeout(() => {
    order.push('c');
    console.log('timers:', order.join(''));
    const w = new Worker(__filename, { workerData: { from: 0, to: 100000 } });
    w.on('message', (m) => console.log('worker:', m));
    w.on('error', (e) => { console.log('worker error:', e.message); process.exitCode = 1; });
    w.on('exit', (code) => console.log('worker exit:', code));
  }, 60);
  console.log('main:', require('crypto').createHash('sha256').update('hacher workload').digest('hex'));
}
