// The CLI as child processes lives in scripts/lib/proc.ts (the soak and the benchmark use it too).
export * from '../../scripts/lib/proc';
