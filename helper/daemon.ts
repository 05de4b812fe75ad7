/** Placeholder until the helper daemon lands. */
export function runHelperCommand(_args: string[]): Promise<number> {
  return Promise.resolve(0);
}
