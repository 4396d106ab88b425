// Reads a V8 .cpuprofile and says where the busy time went: self time per function, and inclusive time
// of the functions in src/ (so "decodeEnvelope: 40 µs per event" can be read off directly).
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './app.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  /** Share of the busy (non-idle) time. */
  share: number;
  microsPerEvent: number;
}

export interface ProfileSummary {
  busyMs: number;
  self: ProfileLine[];
  /** Inclusive time of our own functions (src/), largest first. */
  ours: ProfileLine[];
}

const NOT_BUSY = new Set(['(idle)', '(root)']);

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(REPO_ROOT, '')
    .replace(/^.*node_modules\//, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summarizeProfile(path: string, events: number, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const timeById = new Map<number, number>();
  profile.samples.forEach((id, i) => timeById.set(id, (timeById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of timeById) {
    const node = byId.get(id)!;
    if (NOT_BUSY.has(node.callFrame.functionName)) continue;
    busy += micros;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!;
      if (!frame.callFrame.url.includes('/src/')) continue;
      const frameKey = frameName(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + micros);
    }
  }
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, share: micros / busy, microsPerEvent: micros / Math.max(1, events) }));
  return { busyMs: busy / 1000, self: lines(self), ours: lines(inclusive) };
}
