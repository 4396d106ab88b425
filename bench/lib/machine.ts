// What the figures were measured on: printed with every run, since only ratios travel between machines.
import { createRequire } from 'node:module';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  memoryGb: number;
  /** 1-minute load average when the run started: other work on the machine skews absolute figures. */
  loadAverage: number;
  autocannon: string;
  larkSdk: string;
  koa: string;
}

function versionOf(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()}/${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    loadAverage: os.loadavg()[0] ?? 0,
    autocannon: versionOf('autocannon'),
    larkSdk: versionOf('@larksuiteoapi/node-sdk'),
    koa: versionOf('koa'),
  };
}
