/** Placeholder replaced by the helper daemon. */
export async function runHelperCommand(_args: string[]): Promise<number> {
  process.stdout.write('helper\n');
  return 0;
}
