// master:// entry point (spec §9). Filled in by the master issue.

export async function runMaster(_url: string, fail: (message: string) => never): Promise<void> {
  fail('master mode is not part of this build yet');
}
