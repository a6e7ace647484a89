/**
 * Reads a `.cpuprofile` (from `node --cpu-prof`) and prints where the time went: the top
 * functions by self time, and the top files by self time (node_modules grouped by package).
 *
 *   node --import tsx tests/bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** Self time by key, in ms, largest first. */
function top(profile: Profile, key: (n: ProfileNode) => string, count: number): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

function place(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url === '') return '(native / runtime)';
  return url.replace(/^file:\/\/.*?\/(connector|tests|config|meet|protocol)\//, '$1/');
}

const [file, n] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const count = Number(n ?? 25);
const total = (profile.endTime - profile.startTime) / 1000;
const pct = (ms: number) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %`;
console.log(`profile: ${(total / 1000).toFixed(1)} s wall`);
console.log('\nby package / file (self time)');
for (const [k, ms] of top(profile, (node) => place(node.callFrame.url), count)) console.log(`${pct(ms)}  ${k}`);
console.log('\nby function (self time)');
for (const [k, ms] of top(profile, (node) => `${node.callFrame.functionName || '(anonymous)'}  ${place(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`, count)) console.log(`${pct(ms)}  ${k}`);
