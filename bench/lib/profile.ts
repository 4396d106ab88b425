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
  /** Busy time by step of an answer (STEPS), in STEPS' order. */
  steps: ProfileLine[];
}

/**
 * The steps of an answer, told apart by the frames on a sample's stack: the first step (in this order) with a
 * frame on the stack gets the sample, so pino's JSON inside a reply counts as logging, a card's JSON.stringify
 * inside the reply call as the Feishu call. What runs in callbacks (a socket's data, a timer) has only the
 * frames of that callback on its stack: axios's response handling counts as the Feishu call, Node's HTTP
 * server parsing a push as the intake.
 */
const STEPS: readonly { name: string; matches: (file: string, fn: string) => boolean }[] = [
  { name: 'logging (pino)', matches: (file) => /\/(pino|sonic-boom|thread-stream)\/|\/src\/log\.ts/.test(file) },
  { name: 'garbage collection', matches: (_file, fn) => fn === '(garbage collector)' },
  {
    name: 'card building (card, availability, i18n)',
    matches: (file) => /\/src\/bot\/(card|availability|i18n|markdown)\.ts/.test(file),
  },
  {
    name: 'journal (record, fsync, answered marks)',
    matches: (file) => /\/src\/state\/(journal-file|local-queue)\.ts/.test(file),
  },
  {
    name: 'Feishu calls (our adapters, the SDK, axios, HTTP client)',
    matches: (file) =>
      /\/src\/feishu\/|\/@larksuiteoapi\/|\/axios\/|\/follow-redirects\/|node:_http_client|node:_http_agent/.test(file),
  },
  {
    name: 'intake (verify, decrypt, triage, parse, dispatch)',
    matches: (file) => /\/src\/(transports|protocol|bot\/(intake|triage|command|message-text|access))/.test(file),
  },
  {
    name: "the webhook's HTTP server (Koa, Node's http server)",
    // _http_outgoing and _http_common serve both sides: a client request's frames matched the Feishu step first
    matches: (file) => /\/koa|node:_http_(server|incoming|outgoing|common)/.test(file),
  },
  { name: 'the rest of our code (handler, metrics, …)', matches: (file) => file.includes('/src/') },
  { name: 'other (Node internals, timers, sockets, the runtime)', matches: () => true },
];

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
  const steps = new Map<string, number>(STEPS.map((step) => [step.name, 0]));
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
    const step = stepOf(id, byId, parentOf);
    steps.set(step, steps.get(step)! + micros);
  }
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, share: micros / busy, microsPerEvent: micros / Math.max(1, events) }));
  const perEvent = (micros: number) => ({ share: micros / busy, microsPerEvent: micros / Math.max(1, events) });
  return {
    busyMs: busy / 1000,
    self: lines(self),
    ours: lines(inclusive),
    steps: [...steps].filter(([, micros]) => micros > 0).map(([name, micros]) => ({ name, ...perEvent(micros) })),
  };
}

/** The step a sample's stack belongs to (STEPS). */
function stepOf(leaf: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>): string {
  const frames: { file: string; fn: string }[] = [];
  for (let at: number | undefined = leaf; at !== undefined; at = parentOf.get(at)) {
    const { url, functionName } = byId.get(at)!.callFrame;
    frames.push({ file: url, fn: functionName });
  }
  return STEPS.find((step) => frames.some((frame) => step.matches(frame.file, frame.fn)))!.name;
}
