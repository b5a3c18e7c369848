// Loaded into a benchmarked server with `node --import` by `bench/profile.ts --allocations`: V8's
// sampling heap profiler on the main thread, between two SIGUSR2 signals (the measured window),
// counting objects the garbage collector has since freed as well as those still alive, so it shows
// what a request allocates rather than what it keeps. The profile goes to the file named by
// CHORUS_ALLOCATION_PROFILE. Plain JavaScript: node loads it before the server's own code.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.CHORUS_ALLOCATION_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  let sampling = false;
  process.on('SIGUSR2', () => {
    sampling = !sampling;
    const step = sampling
      ? post('HeapProfiler.enable').then(() =>
          post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
        )
      : post('HeapProfiler.stopSampling').then(({ profile }) => writeFileSync(out, JSON.stringify(profile.head)));
    step.catch((error) => console.error('allocation sampling failed:', error));
  });
}
