/**
 * The Node.js the app needs: @kubernetes/client-node 2 loads an undici that
 * fails on older versions with a TypeError nobody can act on. Kept in step
 * with `engines` in package.json (a test checks). This module imports
 * nothing, so an entry point can ask it before loading anything else.
 */
export const minimumNode = '22.19';

/** The sentence to print and stop with, or undefined when this Node will do. */
export function engineProblem(nodeVersion: string): string | undefined {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = minimumNode.split('.').map(Number);
  const enough = major > needMajor || (major === needMajor && minor >= needMinor);
  return enough
    ? undefined
    : `pr-preview needs Node.js >= ${minimumNode} (this is v${nodeVersion})`;
}
